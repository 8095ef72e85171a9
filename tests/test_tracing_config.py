"""When tracing is on: only when `OTEL_*` asks for an exporter, by name or by endpoint."""

import pytest

from proofstream.tracing import tracing_requested


@pytest.mark.parametrize(
    ("env", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, []),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": " OTLP , console "}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, []),
    ],
)
def test_exporters_asked_for(env: dict[str, str], exporters: list[str]) -> None:
    assert tracing_requested(env) == exporters


def test_an_unknown_exporter_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown exporter jaeger"):
        tracing_requested({"OTEL_TRACES_EXPORTER": "jaeger"})
