"""Unsafe configurations are refused at start, in one line on stderr and a non-zero exit
(never a traceback): the public development secret, a short one, dev mode on a public
address, missing or broken token keys, a setting out of range, an unknown trace exporter."""

import os

import pytest
from cryptography.fernet import Fernet

from proofstream.settings import DEVELOPMENT_SECRET, Settings
from tests.fixtures import proofstream

GOOD = "shpss_" + "0123456789abcdef" * 2
KEYS = Fernet.generate_key().decode()


@pytest.mark.parametrize(
    ("env", "gateway", "expected"),
    [
        ({}, True, "the built-in development secret"),
        ({"SHOPIFY_API_SECRET": DEVELOPMENT_SECRET}, False, "the built-in development secret"),
        ({"SHOPIFY_API_SECRET": ""}, True, "has 0 characters"),
        ({"SHOPIFY_API_SECRET": "x" * 31}, False, "has 31 characters"),
        ({"SHOPIFY_API_SECRET": GOOD}, True, "PROOFSTREAM_TOKEN_KEYS is not set"),
        (
            {"PROOFSTREAM_DEV_MODE": "true", "PROOFSTREAM_GATEWAY_HOST": "0.0.0.0"},  # noqa: S104
            True,
            "dev mode lets anyone act as any shop",
        ),
    ],
)
def test_unsafe_settings_say_why(env: dict[str, str], gateway: bool, expected: str) -> None:
    reason = Settings.model_validate(env).refusal(gateway=gateway)
    assert reason is not None and expected in reason


@pytest.mark.parametrize(
    "env",
    [
        {"SHOPIFY_API_SECRET": GOOD, "PROOFSTREAM_TOKEN_KEYS": KEYS},
        {"PROOFSTREAM_DEV_MODE": "true"},  # the development secret, on loopback
        {"SHOPIFY_API_SECRET": GOOD, "PROOFSTREAM_GATEWAY_HOST": "0.0.0.0"},  # noqa: S104
    ],
)
def test_safe_settings_start(env: dict[str, str]) -> None:
    settings = Settings.model_validate({"PROOFSTREAM_TOKEN_KEYS": KEYS, **env})
    assert settings.refusal(gateway=True) is None


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        ("gateway", {}, "proofstream: SHOPIFY_API_SECRET is the built-in development secret"),
        ("worker", {"SHOPIFY_API_SECRET": "short"}, "proofstream: SHOPIFY_API_SECRET has 5"),
        (
            "gateway",
            {"SHOPIFY_API_SECRET": GOOD, "PROOFSTREAM_TOKEN_KEYS": "not-a-key"},
            "proofstream: PROOFSTREAM_TOKEN_KEYS: token key #1 is not a valid Fernet key",
        ),
        (  # a flag overrides the environment, and is judged like it
            "gateway --host 0.0.0.0",
            {"PROOFSTREAM_DEV_MODE": "true"},
            "proofstream: PROOFSTREAM_DEV_MODE is on while the gateway listens on 0.0.0.0",
        ),
        (
            "gateway",
            {"PROOFSTREAM_SSE_PING_S": "99"},
            "proofstream: PROOFSTREAM_SSE_PING_S: Input should be less than or equal to 55",
        ),
        (
            "worker",
            {"PROOFSTREAM_DEV_MODE": "true", "OTEL_TRACES_EXPORTER": "otlp,zipkin"},
            "proofstream: OTEL_TRACES_EXPORTER: unknown exporter zipkin (otlp, console or none)",
        ),
    ],
)
def test_the_processes_refuse_in_one_line(command: str, env: dict[str, str], expected: str) -> None:
    ours = ("SHOPIFY_", "PROOFSTREAM_", "OTEL_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    done = proofstream(*command.split(), env={**clean, **env})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()]  # exactly one line
    assert done.stderr.startswith(expected), done.stderr
    assert "Traceback" not in done.stderr
