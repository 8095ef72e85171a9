"""Operator commands that read the pipeline's state from the broker: `proofstream lag`,
`proofstream dlq list | show | replay` and `proofstream topics`."""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from tqdm import tqdm

from proofstream.errors import ServiceError
from proofstream.settings import Settings
from schemas import parse_time
from streams.admin import describe_topics, ensure_topics, topic_config
from streams.deadletters import Letter, read_letter, read_letters, replay
from streams.lag import CONSUMED, LagProbe, PartitionLag
from streams.topics import NAMES

__all__ = ["add_commands", "parse_since", "table"]

Handler = Any  # (args, settings) -> exit code
DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the operator commands on `proofstream`'s subcommands."""
    lag = commands.add_parser(
        "lag",
        help="the worker group's consumer lag per topic and partition",
        description="End offset minus the group's committed offset, per partition of every "
        "topic the worker reads (KAFKA_BOOTSTRAP_SERVERS; the group is PROOFSTREAM_WORKER_ID). "
        "Exits 0 when nothing is waiting, 1 when something is, 2 when the broker cannot tell.",
    )
    lag.add_argument("--group", help="consumer group (default: PROOFSTREAM_WORKER_ID)")
    lag.add_argument(
        "--topic",
        action="append",
        help="only this topic (repeat for several; default: every topic the worker reads)",
    )
    lag.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    lag.set_defaults(handler=_broker_command(show_lag))

    dlq = commands.add_parser(
        "dlq",
        help="the dead-letter topic: list, show and replay what the pipeline refused",
        description="Each dead letter holds the original bytes, where they came from and why "
        "they were refused; it is named PARTITION:OFFSET. Reading changes nothing.",
    )
    actions = dlq.add_subparsers(dest="dlq_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="one line per dead letter, oldest first")
    _filters(listing)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=_broker_command(list_letters))
    show = actions.add_parser("show", help="one dead letter in full, its original included")
    show.add_argument("id", metavar="ID", help="PARTITION:OFFSET, as `dlq list` prints it")
    show.set_defaults(handler=_broker_command(show_letter))
    again = actions.add_parser(
        "replay",
        help="produce the originals to the raw topic again, after a fix",
        description="Re-produce each selected dead letter's original envelope, with its key, "
        "to the topic it came from. The pipeline is idempotent: a letter replayed twice is "
        "shown once; one that still fails becomes a new dead letter.",
    )
    _filters(again)
    again.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    again.set_defaults(handler=_broker_command(replay_letters))

    topics = commands.add_parser(
        "topics",
        help="the pipeline's topics on the broker: partitions, cleanup, retention",
        description="Each topic of the pipeline as the broker has it, against what proofstream "
        "creates (PROOFSTREAM_TOPIC_PARTITIONS partitions; compaction for the latest-per-shop "
        "topics; PROOFSTREAM_KAFKA_RETENTION_DAYS for those holding customer data). Exits 0 "
        "when all match, 1 when one is missing or differs.",
    )
    topics.add_argument(
        "--create", action="store_true", help="create the missing ones first (idempotent)"
    )
    topics.set_defaults(handler=_broker_command(show_topics))


def parse_since(text: str, *, now: datetime) -> datetime:
    """An ISO 8601 time (UTC if it names no zone) or a duration back from now: 90s, 30m,
    6h, 2d."""
    if match := DURATION.match(text.strip()):
        return now - timedelta(**{UNITS[match.group(2)]: float(match.group(1))})
    if (moment := parse_time(text)) is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a time (2026-12-06T09:00) nor a duration (90s, 30m, 6h, 2d)"
        )
    return moment


def show_lag(args: argparse.Namespace, bootstrap: str, settings: Settings) -> int:
    group = args.group or settings.worker_id
    probe = LagProbe(bootstrap=bootstrap, group=group, topics=args.topic or CONSUMED)

    async def read() -> list[PartitionLag]:
        try:
            return await probe.read()
        finally:
            await probe.close()

    lags = asyncio.run(read())
    total = sum(p.lag for p in lags)
    if args.json:
        rows = [dataclasses.asdict(p) | {"lag": p.lag} for p in lags]
        _print_json({"group": group, "total": total, "partitions": rows})
    else:
        cells = [
            (p.topic, str(p.partition), _or_dash(p.committed), str(p.end), str(p.lag)) for p in lags
        ]
        sys.stdout.write(table(("TOPIC", "PARTITION", "COMMITTED", "END", "LAG"), cells))
        sys.stdout.write(f"group {group}: {total} messages waiting\n")
    return 1 if total else 0


def list_letters(args: argparse.Namespace, bootstrap: str, settings: Settings) -> int:
    letters = _select(args, bootstrap)
    if args.json:
        for item in letters:
            _print_json(_summary(item))
        return 0
    sys.stdout.write(letters_table(letters))
    sys.stdout.write(f"{len(letters)} dead letters\n")
    return 0


def letters_table(letters: Sequence[Letter]) -> str:
    cells = [
        (
            item.id,
            item.letter.failed_at.strftime("%Y-%m-%d %H:%M:%S"),
            item.letter.stage,
            _or_dash(item.letter.key),
            _or_dash(item.letter.webhook_id),
            item.letter.reason,
        )
        for item in letters
    ]
    return table(("ID", "FAILED AT (UTC)", "STAGE", "KEY", "WEBHOOK", "REASON"), cells)


def show_letter(args: argparse.Namespace, bootstrap: str, settings: Settings) -> int:
    item = asyncio.run(read_letter(bootstrap, args.id))
    if item is None:
        return _fail(f"no dead letter {args.id} (see `proofstream dlq list`)")
    try:
        original: Any = orjson.loads(item.letter.original)
    except orjson.JSONDecodeError:
        original = {"base64": base64.b64encode(item.letter.original).decode()}
    _print_json(_summary(item) | {"original": original}, indent=True)
    return 0


def replay_letters(args: argparse.Namespace, bootstrap: str, settings: Settings) -> int:
    letters = _select(args, bootstrap)
    if args.dry_run:
        sys.stdout.write(letters_table(letters))
        sys.stdout.write(f"would replay {len(letters)} dead letters (dry run)\n")
        return 0
    with tqdm(total=len(letters), unit="letter", desc="replaying", file=sys.stderr) as bar:
        sent = asyncio.run(replay(bootstrap, letters, progress=lambda: bar.update(1)))
    sys.stdout.write(f"replayed {sent} dead letters\n")
    return 0


def show_topics(args: argparse.Namespace, bootstrap: str, settings: Settings) -> int:
    retention, partitions = settings.kafka_retention, settings.topic_partitions
    if args.create:
        asyncio.run(
            ensure_topics(
                bootstrap=bootstrap, names=NAMES, partitions=partitions, retention=retention
            )
        )
    states = asyncio.run(describe_topics(bootstrap=bootstrap, names=NAMES))
    rows = []
    for state in states:
        wanted = {"cleanup.policy": "delete"} | topic_config(state.name, retention=retention)
        differs = [
            f"{key} should be {value}"
            for key, value in wanted.items()
            if state.partitions is not None and state.config.get(key, value) != value
        ]
        if state.partitions is not None and state.partitions != partitions:
            differs.insert(0, f"{partitions} partitions expected")
        verdict = "missing" if state.partitions is None else "; ".join(differs) or "ok"
        rows.append(
            (
                state.name,
                _or_dash(state.partitions),
                state.config.get("cleanup.policy", "-"),
                state.config.get("retention.ms", "-"),
                verdict,
            )
        )
    sys.stdout.write(table(("TOPIC", "PARTITIONS", "CLEANUP", "RETENTION MS", "STATE"), rows))
    return 0 if all(row[-1] == "ok" for row in rows) else 1


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns: the first left-aligned, numbers right, the last (free text) as is."""
    every = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(row[i]) for row in every) for i in range(len(header))]
    lines = []
    for row in every:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=True)]
        cells[-1] = row[-1]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=lambda text: parse_since(text, now=datetime.now(UTC)),
        help="only letters that failed since then: a time (2026-12-06T09:00, UTC) or a "
        "duration back from now (90s, 30m, 6h, 2d)",
    )
    parser.add_argument("--reason", help="only letters whose reason contains this (any case)")


def _select(args: argparse.Namespace, bootstrap: str) -> list[Letter]:
    async def collect() -> list[Letter]:
        since, reason = getattr(args, "since", None), getattr(args, "reason", None)
        return [item async for item in read_letters(bootstrap, since=since, reason=reason)]

    return asyncio.run(collect())


def _summary(item: Letter) -> dict[str, Any]:
    letter = item.letter.model_dump(mode="json", exclude={"original"})
    return {"id": item.id} | letter


def _broker_command(run: Handler) -> Handler:
    """The handler with the broker's address checked first and our errors in one line."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        # aiokafka logs each failed connection; the one line below says what it means.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        if not settings.kafka_bootstrap_servers:
            return _fail("KAFKA_BOOTSTRAP_SERVERS is not set: which broker should be asked?")
        try:
            code: int = run(args, settings.kafka_bootstrap_servers, settings)
        except ServiceError as exc:
            return _fail(str(exc))
        return code

    return handler


def _print_json(document: Any, *, indent: bool = False) -> None:
    option = orjson.OPT_INDENT_2 if indent else 0
    sys.stdout.write(orjson.dumps(document, option=option).decode() + "\n")


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def _fail(reason: str) -> int:
    sys.stderr.write(f"proofstream: {reason}\n")
    return 2
