"""OpenTelemetry traces of one process, configured by the standard `OTEL_*` variables.

Off (the API's no-op, nothing patched) unless `OTEL_TRACES_EXPORTER` names an exporter
(`otlp`, `console`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). The SDK reads the rest itself: the sampler
(`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`), the service name and resource
(`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`), OTLP headers, timeouts and batching.

One order's trace: the gateway's `POST /webhooks/shopify` → its `send` span, which puts
W3C `traceparent` in the Kafka headers (`kafka_headers`) → Faust's `process` span in the
worker (`faust.contrib.opentelemetry`, which reads those headers), `handle <topic>` and
the notifications' `send` → `process` → `publish` (to Redis, whose live message carries
`traceparent` on) → the gateway's `sse broadcast`.

Which official instrumentations, and why (bench/RESULTS.md, "Tracing"): the ASGI
middleware for every route but the webhooks (it costs ~0.2 ms of CPU a request even when
the request is not sampled, which on the webhook route is a third of the gateway's
work), httpx for the calls to Shopify. Not aiokafka's: its `send` wrapper works out the
partition a second time and times only the enqueue, not the broker's ack; the spans
above are opened by hand instead. Redis and SQL calls are not instrumented one by one:
the fan-out's 1 s poll and the worker's timers would each make a trace of their own
every few seconds, and the `publish` and `record` stages already time those calls inside
the order's trace.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

__all__ = ["configure_tracing", "kafka_headers", "traceparent", "tracing_requested"]

ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def tracing_requested(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters asked for: `OTEL_TRACES_EXPORTER` (comma-separated; `none` for
    none), or `otlp` when only an endpoint is set."""
    named = environ.get("OTEL_TRACES_EXPORTER")
    if named is None:
        return ["otlp"] if any(environ.get(name) for name in ENDPOINTS) else []
    exporters = [name.strip().lower() for name in named.split(",") if name.strip()]
    unknown = set(exporters) - {"otlp", "console", "none"}
    if unknown:
        raise ValueError(
            f"OTEL_TRACES_EXPORTER: unknown exporter {', '.join(sorted(unknown))} "
            "(otlp, console or none)"
        )
    return [name for name in exporters if name != "none"]


def configure_tracing(
    service: str, environ: Mapping[str, str] = os.environ
) -> TracerProvider | None:
    """The process's tracer provider, made global, with httpx instrumented (a process-wide
    patch: call it from a process's entry point only); None when tracing is off.
    `ValueError` names a variable that cannot be used."""
    exporters = tracing_requested(environ)
    if not exporters:
        return None
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": service}))
    provider = TracerProvider(resource=resource)  # the sampler from OTEL_TRACES_SAMPLER
    for name in exporters:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    trace.set_tracer_provider(provider)

    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    return provider


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers, timeout and compression from OTEL_*


def kafka_headers() -> list[tuple[str, bytes]]:
    """The current span's context as Kafka record headers (W3C `traceparent`), if any."""
    return [(name, value.encode()) for name, value in _current_context().items()]


def traceparent() -> str | None:
    """The current span's W3C `traceparent`, if a span is current."""
    return _current_context().get("traceparent")


def _current_context() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the configured propagators: W3C trace context and baggage
    return carrier
