"""The `proofstream` command: `run`, `gateway`, `worker`, `simulate`, `shopify`, `migrate`,
`schemas`, and the operator commands of `proofstream/operate.py` (`lag`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from proofstream.errors import ServiceError
from proofstream.errortracking import init_error_tracking
from proofstream.logs import configure_logging
from proofstream.operate import add_commands as add_operator_commands
from proofstream.settings import Settings

__all__ = ["main"]

DEMO_SHOP = "demo-shop.myshopify.com"
FLAG_SETTINGS = ("gateway_host", "gateway_port", "log_level")  # flags named for settings


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from proofstream.local import run_local

    return run_local(settings, rate=args.rate, workdir=Path(args.workdir))


def _refuse(reason: str) -> int:
    print(f"proofstream: {reason}", file=sys.stderr)  # noqa: T201 - one clear line, no traceback
    return 2


def _gateway(args: argparse.Namespace, settings: Settings) -> int:
    if (reason := settings.refusal(gateway=True)) is not None:
        return _refuse(reason)
    import uvicorn

    from gateway.app import create_app, token_cipher
    from gateway.protocol import guarded_protocol
    from gateway.server import GatewayServer
    from proofstream.tracing import configure_tracing

    try:
        token_cipher(settings)  # a bad key fails here, in one line, not in the lifespan
    except (ValueError, ServiceError) as exc:
        return _refuse(f"PROOFSTREAM_TOKEN_KEYS: {exc}")

    init_error_tracking(settings, component="gateway")
    try:
        tracer_provider = configure_tracing("proofstream-gateway")
    except ValueError as exc:
        return _refuse(str(exc))
    try:
        app = create_app(settings, tracer_provider=tracer_provider)
    except ServiceError as exc:
        return _refuse(str(exc))
    config = uvicorn.Config(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
        http=guarded_protocol(
            header_timeout_s=settings.header_timeout_s,
            max_header_bytes=settings.max_header_bytes,
        ),
    )
    GatewayServer(config, app).run()
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    if (reason := settings.refusal(gateway=False)) is not None:
        return _refuse(reason)
    from proofstream.tracing import configure_tracing
    from proofstream.worker import run_worker

    init_error_tracking(settings, component="worker")
    try:
        tracer_provider = configure_tracing("proofstream-worker")
    except ValueError as exc:
        return _refuse(str(exc))
    run_worker(settings, tracer_provider=tracer_provider)
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.cli import Journal, SimulatorError, follow_up, simulate

    endpoint = args.endpoint or settings.public_url.rstrip("/") + "/webhooks/shopify"
    secret = settings.shopify_api_secret.get_secret_value()
    journal = Journal(Path(args.journal))
    app_config = None if args.app_config == "" else Path(args.app_config)
    shops = args.shop or [DEMO_SHOP]
    if args.action is None:
        return asyncio.run(
            simulate(
                endpoint=endpoint,
                secret=secret,
                shops=shops,
                rate=args.rate,
                count=args.count,
                seed=args.seed,
                journal=journal,
                app_config=app_config,
            )
        )
    try:
        return asyncio.run(
            follow_up(
                args.action,
                endpoint=endpoint,
                secret=secret,
                shop=shops[0],
                order_ids=_order_ids(getattr(args, "order_ids", None)),
                partial=getattr(args, "partial", False),
                journal=journal,
                app_config=app_config,
            )
        )
    except SimulatorError as exc:
        print(f"proofstream simulate: {exc}", file=sys.stderr)  # noqa: T201 - one clear line
        return 2


def _order_ids(given: str | list[str] | None) -> list[str]:
    return [given] if isinstance(given, str) else list(given or ())


def _simulator_options(parser: argparse.ArgumentParser, *, inherited: bool) -> None:
    # Given on `simulate` or after its action; an action's copies must not reset them.
    def default(value: object) -> object:
        return argparse.SUPPRESS if inherited else value

    parser.add_argument(
        "--endpoint",
        help="webhook URL (default: PROOFSTREAM_PUBLIC_URL + /webhooks/shopify)",
        default=default(None),
    )
    parser.add_argument(
        "--shop",
        action="append",
        help=f"shop domain (default {DEMO_SHOP}); repeat for several (orders only)",
        default=default(None),
    )
    parser.add_argument(
        "--journal",
        help="where sent orders are noted, for later actions (default "
        ".proofstream/simulated-orders.jsonl)",
        default=default(".proofstream/simulated-orders.jsonl"),
    )
    parser.add_argument(
        "--app-config",
        help="app configuration whose include_fields trim deliveries (default "
        "shopify.app.toml if present; '' for whole payloads)",
        default=default("shopify.app.toml"),
    )


def _shopify(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from simulator.server import create_simulator

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

    gateway = commands.add_parser(
        "gateway",
        help="serve webhooks, SSE, widget and demo pages (PROOFSTREAM_GATEWAY_HOST/PORT)",
        description="The flags override the environment's settings of the same name.",
    )
    gateway.add_argument(
        "--host",
        dest="gateway_host",
        metavar="HOST",
        help="address to bind (PROOFSTREAM_GATEWAY_HOST)",
    )
    gateway.add_argument(
        "--port",
        dest="gateway_port",
        metavar="PORT",
        type=int,
        help="port to bind (PROOFSTREAM_GATEWAY_PORT)",
    )
    _log_level_option(gateway)
    gateway.set_defaults(handler=_gateway)
    worker = commands.add_parser(
        "worker",
        help="run the Faust worker: every agent of agents/topology.py",
        description="The flag overrides the environment's setting of the same name.",
    )
    _log_level_option(worker)
    worker.set_defaults(handler=_worker)

    simulate = commands.add_parser(
        "simulate",
        help="play Shopify: signed orders, and what follows them (cancel, refund, compliance)",
        description="Without an action: send signed, realistic orders/create webhooks and note "
        "each order in the journal. With one: send what Shopify sends later about a shop and "
        "its journaled orders.",
    )
    _simulator_options(simulate, inherited=False)
    simulate.add_argument("--rate", type=float, default=1.0, help="orders per second (default 1)")
    simulate.add_argument("--count", type=int, default=None, help="stop after N orders")
    simulate.add_argument("--seed", type=int, default=None, help="seed for repeatable orders")
    simulate.set_defaults(handler=_simulate, action=None)
    actions = simulate.add_subparsers(dest="action", metavar="ACTION")
    for name, text, takes_orders in (
        ("cancel", "orders/cancelled for a sent order (default: the newest)", "one"),
        ("refund", "refunds/create for a sent order: all of it, or --partial", "one"),
        ("uninstall", "app/uninstalled for the shop", None),
        ("data-request", "customers/data_request for orders (default: the newest)", "many"),
        ("redact-customer", "customers/redact for orders (default: the newest)", "many"),
        ("redact-shop", "shop/redact for the shop (48 h after uninstall)", None),
    ):
        action = actions.add_parser(name, help=text, description=text)
        _simulator_options(action, inherited=True)
        if takes_orders:
            action.add_argument(
                "order_ids",
                nargs="?" if takes_orders == "one" else "*",
                metavar="ORDER_ID",
                help="a Shopify order id the simulator sent (see its log or the journal)",
            )
        if name == "refund":
            action.add_argument(
                "--partial", action="store_true", help="refund one unit of the first line item"
            )

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

    add_operator_commands(commands)

    schemas = commands.add_parser("schemas", help="write the JSON Schemas of every event")
    schemas.add_argument("--out", default="schemas/json", help="folder (default schemas/json)")
    schemas.set_defaults(handler=_schemas)
    return parser


def _log_level_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="PROOFSTREAM_LOG_LEVEL",
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        raise SystemExit(_refuse(f"{name}: {error['msg']}")) from None
    flags = {
        name: value for name in FLAG_SETTINGS if (value := getattr(args, name, None)) is not None
    }
    settings = settings.model_copy(update=flags)  # flags win over the environment
    configure_logging(settings.log_level)
    raise SystemExit(args.handler(args, settings))
