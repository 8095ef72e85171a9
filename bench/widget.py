"""The storefront widget's weight and what it costs a page: its bytes as the gateway serves
them (raw, gzip, brotli), and Lighthouse (npm `lighthouse`, Debian's Chromium) on a
realistic storefront page — a large hero image, so the score is not pinned at 100 — with
and without the app embed's loader, runs alternating, the median of `--runs` each.

The page is served by a small server of this process's own, on another origin than the
gateway (as a merchant's storefront is); the gateway runs in dev mode with no worker (the
widget loads its config and opens its stream; no popup is shown, so what is measured is
what every page view pays). Goals (issue): score drop <= 1 point, CLS 0, TBT +0.

    .venv/bin/python -m bench.widget [--runs 3]

Installs Lighthouse into bench/node with `npm ci` when missing. Prints one JSON object,
then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench._report import machine
from bench._stack import bench_stack

ROOT = Path(__file__).parents[1]
NODE = ROOT / "bench" / "node"
LOADER = ROOT / "extensions" / "proofstream-embed" / "assets" / "proofstream-loader.js"
SHOP = "bench-widget.myshopify.com"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bench Store · Summer collection</title>
<style>body{{margin:0;font:16px/1.5 system-ui,sans-serif;color:#222}}
header,footer{{padding:16px 24px;background:#f6f6f3}}
main{{max-width:1100px;margin:0 auto;padding:24px}}
.hero{{width:100%;height:auto;display:block}} .grid{{display:grid;
grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}} .card{{border:1px solid #ddd;
padding:12px;border-radius:8px}}</style></head>
<body><header><strong>Bench Store</strong> · Shop · About · Cart</header>
<main><img class="hero" src="/hero.png" width="1000" height="500" alt="The summer collection">
<h1>Summer collection</h1><p>{text}</p><div class="grid">{cards}</div></main>
<footer>© Bench Store</footer>{embed}</body></html>"""
EMBED = """<script src="/loader.js" data-shop="{shop}" data-api="{api}"></script>"""


def hero_png(width: int = 1000, height: int = 500) -> bytes:
    """A hero image of a real one's weight (a gradient with some noise, ~0.6 MB): the
    page's largest element, so the LCP is the image, in every run."""
    rows = []
    seed = 12345
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            noise = (seed >> 24) & 0x03
            row += bytes((x * 255 // width, y * 255 // height, 128 + noise))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


class StorePages(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: str) -> None:
        super().__init__(("127.0.0.1", 0), StoreHandler)
        self.hero = hero_png()
        cards = "".join(f'<div class="card">Product {n}<br>$ {20 + n}.00</div>' for n in range(12))
        text = "Light fabrics for long days, made to last. " * 12
        self.pages = {
            "/with": PAGE.format(text=text, cards=cards, embed=EMBED.format(shop=SHOP, api=api)),
            "/without": PAGE.format(text=text, cards=cards, embed=""),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class StoreHandler(BaseHTTPRequestHandler):
    server: StorePages

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        if path == "/hero.png":
            body, kind = self.server.hero, "image/png"
        elif path == "/loader.js":
            body, kind = LOADER.read_bytes(), "application/javascript"
        elif path in self.server.pages:
            body, kind = self.server.pages[path].encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def served_bytes(gateway: str) -> dict[str, int]:
    """The widget's body length as served for each Accept-Encoding."""
    sizes = {}
    with httpx.Client(base_url=gateway, follow_redirects=True) as client:
        for encoding in ("identity", "gzip", "br"):
            with client.stream("GET", "/widget.js", headers={"Accept-Encoding": encoding}) as r:
                sizes[encoding] = sum(len(chunk) for chunk in r.iter_raw())
    return sizes


def lighthouse(url: str, chromium: str) -> dict[str, float]:
    """One Lighthouse performance run (desktop preset off: mobile, simulated throttling)."""
    done = subprocess.run(
        [
            str(NODE / "node_modules" / ".bin" / "lighthouse"),
            url,
            "--only-categories=performance",
            "--output=json",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env=os.environ | {"CHROME_PATH": chromium},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    report = json.loads(done.stdout)
    audits = report["audits"]
    return {
        "score": round(100 * report["categories"]["performance"]["score"], 1),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"], 1),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"], 1),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 4),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"], 1),
    }


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (3)")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        parser.error("Debian's chromium is needed (apt-get install chromium)")
    npm = shutil.which("npm")
    if npm is None:
        parser.error("npm is needed for Lighthouse (apt-get install npm)")
    if not (NODE / "node_modules" / ".bin" / "lighthouse").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE, check=True)
    info = machine()
    with bench_stack(worker=False) as stack:
        store = StorePages(api=stack.url)
        threading.Thread(target=store.serve_forever, daemon=True).start()
        try:
            sizes = served_bytes(stack.url)
            runs: dict[str, list[dict[str, float]]] = {"without": [], "with": []}
            for _ in range(args.runs):  # alternating, so drift hits both alike
                for page in ("without", "with"):
                    runs[page].append(lighthouse(f"{store.url}/{page}", chromium))
        finally:
            store.shutdown()
    without, with_widget = median(runs["without"]), median(runs["with"])
    cost = {key: round(with_widget[key] - without[key], 4) for key in without}
    report: dict[str, Any] = {
        "bench": "widget",
        "machine": info,
        "config": {"runs_per_page": args.runs, "lighthouse": "mobile preset, simulated"},
        "served_bytes": sizes,
        "lighthouse_median": {"without_widget": without, "with_widget": with_widget},
        "lighthouse_runs": runs,
        "cost": cost,
        "goals": {"score_drop_max": 1, "cls": 0, "tbt_added_ms": 0},
    }
    print(json.dumps(report, indent=2))  # noqa: T201
    print(  # noqa: T201
        f"widget: {sizes['identity']} B raw, {sizes['gzip']} B gzip, {sizes['br']} B brotli "
        f"as served; Lighthouse median of {args.runs}: score {without['score']} -> "
        f"{with_widget['score']} ({cost['score']:+}), TBT {cost['tbt_ms']:+} ms, CLS "
        f"{with_widget['cls']}, LCP {cost['lcp_ms']:+} ms"
    )


if __name__ == "__main__":
    main()
