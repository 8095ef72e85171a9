"""`proofstream run` starts everything, shows popups' data live, and Ctrl-C leaves no orphans."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from proofstream.services import free_port
from tests.fixtures import open_stream

pytestmark = pytest.mark.integration


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_run_starts_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PROOFSTREAM_GATEWAY_PORT": str(port),
        "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port()),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing there: run starts its own
        "PROOFSTREAM_WORKER_ID": "proofstream-run-test",
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "proofstream", "run", "--rate", "2", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    assert launcher.stdout is not None
    output: list[str] = []
    try:
        deadline = time.monotonic() + 90
        demo = None
        while demo is None and time.monotonic() < deadline:
            line = await asyncio.to_thread(launcher.stdout.readline)
            assert line, "run exited early:\n" + "".join(output)
            output.append(line)
            if match := re.search(r"(http://\S+/demo/(\S+))", line):
                demo = match
        assert demo is not None, "".join(output)
        text = "".join(output)
        assert "started the embedded Tansu broker" in text
        assert "started redis-server" in text
        assert f"merchant dashboard: http://127.0.0.1:{port}/admin?shop=" in text
        assert "installed the app on demo-shop.myshopify.com" in text

        children = descendants(launcher.pid)
        assert len(children) >= 6  # broker, redis, Shopify, worker, gateway, simulator

        shop = demo.group(2)
        async with open_stream(f"http://127.0.0.1:{port}/v1/storefront/{shop}/stream") as stream:
            notification = (await stream.next(timeout=60)).json()
        assert "just bought" in notification["text"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            embed = await client.get("/api/embed-status", params={"shop": shop})
        assert embed.status_code == 200, embed.text
        assert embed.json()["enabled"] is False and "activateAppId=" in embed.json()["activate_url"]
    finally:
        launcher.send_signal(signal.SIGINT)
        rest, _ = await asyncio.to_thread(launcher.communicate, timeout=60)
        output.append(rest)
    assert launcher.returncode == 0, "".join(output)
    assert "stopped simulator, gateway, worker, shopify, redis, kafka-broker" in "".join(output)
    assert not [pid for pid in children if alive(pid)]
