"""`proofstream topics`: the pipeline's topics as the broker has them, against what
proofstream creates; `--create` makes the missing ones."""

import os
import subprocess
from pathlib import Path

import pytest

from proofstream.services import start_broker
from streams.topics import CUSTOMER_DATA, NAMES
from tests.conftest import Stack
from tests.fixtures import proofstream

pytestmark = pytest.mark.integration

WEEK_MS = str(7 * 24 * 3600 * 1000)


def topics(bootstrap: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return proofstream(
        "topics", *args, env=os.environ | {"KAFKA_BOOTSTRAP_SERVERS": bootstrap} | env
    )


def rows(output: str) -> dict[str, list[str]]:
    header, *lines = output.splitlines()
    assert header.split() == ["TOPIC", "PARTITIONS", "CLEANUP", "RETENTION", "MS", "STATE"]
    return {line.split()[0]: line.split(maxsplit=4)[1:] for line in lines}


def test_the_running_pipelines_topics_are_as_created(stack: Stack) -> None:
    shown = topics(stack.bootstrap)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    table = rows(shown.stdout)
    assert list(table) == list(NAMES)
    for name, (partitions, _cleanup, retention, state) in table.items():
        assert (partitions, state) == ("4", "ok")
        if name in CUSTOMER_DATA:
            assert retention == WEEK_MS


def test_a_topic_that_differs_is_named_and_fails(stack: Stack) -> None:
    shown = topics(stack.bootstrap, PROOFSTREAM_TOPIC_PARTITIONS="8")
    assert shown.returncode == 1
    assert {row[-1] for row in rows(shown.stdout).values()} == {"8 partitions expected"}


def test_missing_topics_are_shown_then_created(tmp_path: Path) -> None:
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    try:
        before = topics(bootstrap)
        assert before.returncode == 1
        assert {row[-1] for row in rows(before.stdout).values()} == {"missing"}
        created = topics(bootstrap, "--create")
        assert created.returncode == 0, created.stdout + created.stderr
        assert {row[0] for row in rows(created.stdout).values()} == {"4"}
    finally:
        broker.stop()
