"""The `proofstream` command: `run`, `gateway`, `worker`, `simulate`, `shopify`, `migrate`,
`schemas`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path

from proofstream.logs import configure_logging
from proofstream.settings import Settings

__all__ = ["main"]

DEMO_SHOP = "demo-shop.myshopify.com"


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from proofstream.local import run_local

    return run_local(settings, rate=args.rate, workdir=Path(args.workdir))


def _gateway(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.server import GatewayServer

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    GatewayServer(config, app).run()
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from proofstream.worker import run_worker

    run_worker(settings)
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.cli import simulate

    endpoint = args.endpoint or settings.public_url.rstrip("/") + "/webhooks/shopify"
    return asyncio.run(
        simulate(
            endpoint=endpoint,
            secret=settings.shopify_api_secret.get_secret_value(),
            shops=args.shop or [DEMO_SHOP],
            rate=args.rate,
            count=args.count,
            seed=args.seed,
        )
    )


def _shopify(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from simulator.shopify import create_simulator

    app = create_simulator(
        api_key=settings.shopify_api_key,
        api_secret=settings.shopify_api_secret.get_secret_value(),
        scopes=settings.shopify_scopes,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from storage.database import migrate

    asyncio.run(migrate(settings.database_url))
    return 0


def _schemas(args: argparse.Namespace, settings: Settings) -> int:
    from schemas.export import write_json_schemas

    for path in write_json_schemas(Path(args.out)):
        print(path)  # noqa: T201 - the command's output
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proofstream",
        description="Live social-proof notifications for Shopify stores. "
        "Settings come from the environment (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="the whole system locally: broker, Redis, worker, gateway, simulator, demo page",
        description="Start the embedded broker (unless KAFKA_BOOTSTRAP_SERVERS is set), Redis "
        "(REDIS_URL if reachable, else a redis-server of its own), the worker, the gateway and "
        "the Shopify simulator; print the demo storefront URL. Ctrl-C stops everything.",
    )
    run.add_argument("--rate", type=float, default=0.3, help="simulated orders per second")
    run.add_argument(
        "--workdir", default=".proofstream", help="where logs go (default: .proofstream)"
    )
    run.set_defaults(handler=_run)

    commands.add_parser(
        "gateway",
        help="serve webhooks, SSE, widget and demo pages (PROOFSTREAM_GATEWAY_HOST/PORT)",
    ).set_defaults(handler=_gateway)
    commands.add_parser(
        "worker", help="run the Faust worker: normalize, render, publish"
    ).set_defaults(handler=_worker)

    simulate = commands.add_parser(
        "simulate", help="send signed, realistic orders/create webhooks like Shopify does"
    )
    simulate.add_argument(
        "--endpoint", help="webhook URL (default: PROOFSTREAM_PUBLIC_URL + /webhooks/shopify)"
    )
    simulate.add_argument(
        "--shop", action="append", help=f"shop domain (default {DEMO_SHOP}); repeat for several"
    )
    simulate.add_argument("--rate", type=float, default=1.0, help="orders per second (default 1)")
    simulate.add_argument("--count", type=int, default=None, help="stop after N orders")
    simulate.add_argument("--seed", type=int, default=None, help="seed for repeatable orders")
    simulate.set_defaults(handler=_simulate)

    shopify = commands.add_parser(
        "shopify",
        help="serve the local Shopify simulator (OAuth, token endpoint, Admin GraphQL)",
        description="Point SHOPIFY_ADMIN_URL at http://127.0.0.1:PORT/shops/{shop} to use it.",
    )
    shopify.add_argument("--port", type=int, default=8010, help="loopback port (default 8010)")
    shopify.set_defaults(handler=_shopify)

    commands.add_parser(
        "migrate", help="bring the database (DATABASE_URL) to the newest schema (idempotent)"
    ).set_defaults(handler=_migrate)

    schemas = commands.add_parser("schemas", help="write the JSON Schemas of every event")
    schemas.add_argument("--out", default="schemas/json", help="folder (default schemas/json)")
    schemas.set_defaults(handler=_schemas)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    raise SystemExit(args.handler(args, settings))
