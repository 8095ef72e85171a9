"""The storefront widget as built by `widget/build.mjs` (minified, with gzip and brotli copies
in `widget/dist/`; also its build for the dashboard's live preview), served at
content-hashed URLs that cache for good.

`GET /widget.js`, the stable URL the app embed's loader and the demo page use, redirects
(cached 5 minutes) to `GET /widget/proofstream.<hash>.js`: `Cache-Control: immutable`, an
`ETag`, and the smallest encoding the browser accepts. A name from before a deploy
redirects to the current build, so a browser holding an old redirect still gets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.openapi import Operation, documented
from proofstream.errors import ServiceError

__all__ = ["WidgetBuild", "routes"]

# Smallest first: what a browser gets when it accepts several.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"), ("identity", ""))
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class WidgetBuild:
    """One build of the widget: the storefront's file name, the preview's, and each file's
    bytes in each encoding."""

    name: str
    preview: str
    files: dict[str, dict[str, bytes]]

    @classmethod
    def load(cls) -> WidgetBuild:
        """The build in `widget/dist/`; `ServiceError` says how to make one if there is none."""
        dist = resources.files("widget").joinpath("dist")
        try:
            manifest = json.loads(dist.joinpath("manifest.json").read_text(encoding="utf-8"))
            names = (manifest["name"], manifest["preview"]["name"])
            files = {
                name: {enc: dist.joinpath(name + suffix).read_bytes() for enc, suffix in ENCODINGS}
                for name in names
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ServiceError(
                "the storefront widget is not built: run `scripts/dev build` "
                "(node widget/build.mjs)"
            ) from exc
        return cls(name=names[0], preview=names[1], files=files)

    def encoding_for(self, accept_encoding: str) -> str:
        """The smallest encoding `Accept-Encoding` allows (`identity` when none does)."""
        accepted = set()
        for part in accept_encoding.lower().split(","):
            token, _, params = part.strip().partition(";")
            quality = params.strip().removeprefix("q=")
            try:
                allowed = float(quality) > 0 if quality else True
            except ValueError:
                allowed = False
            if allowed:
                accepted.add(token.strip())
        return next((enc for enc, _ in ENCODINGS if enc in accepted or "*" in accepted), "identity")


def _build(request: Request) -> WidgetBuild:
    build: WidgetBuild = request.app.state.widget
    return build


@documented(
    Operation(
        "The storefront widget's stable URL: redirects to the current build",
        {302: None},
        tags=("storefront",),
    )
)
async def widget_js(request: Request) -> Response:
    return RedirectResponse(
        f"/widget/{_build(request).name}",
        status_code=302,
        headers={"Cache-Control": "public, max-age=300"},
    )


@documented(
    Operation(
        "The storefront widget, minified, compressed as accepted, cacheable for good",
        {200: "application/javascript", 302: None, 304: None},
        tags=("storefront",),
    )
)
async def widget_build(request: Request) -> Response:
    build = _build(request)
    name = request.path_params["name"]
    bodies = build.files.get(name)
    if bodies is None:  # an older build: send the current one
        return RedirectResponse(
            f"/widget/{build.name}", status_code=302, headers={"Cache-Control": "no-cache"}
        )
    encoding = build.encoding_for(request.headers.get("accept-encoding", ""))
    etag = f'"{name.split(".")[1]}-{encoding}"'  # the content hash in the name
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(bodies[encoding], media_type="application/javascript", headers=headers)


routes: list[BaseRoute] = [
    Route("/widget.js", widget_js),  # a classic script: fetched without CORS
    Route("/widget/{name}", widget_build),
]
