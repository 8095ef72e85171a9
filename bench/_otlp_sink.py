"""An OTLP/HTTP trace receiver: what the gateway's and worker's exporters send to
`/v1/traces`, decoded with `opentelemetry-proto` and kept as `ReceivedSpan`s.

In a thread of the caller (the tracing test), or a process of its own for the benches
(`python -m bench._otlp_sink --port N`: on SIGTERM it prints how many spans and exports
it received, as JSON), so that receiving spans costs the measured run nothing."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from proofstream.services import ManagedProcess, free_port, wait_for_port

__all__ = ["OtlpReceiver", "ReceivedSpan", "SinkProcess", "sink_process"]

KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as exported: ids in hex, `parent_id` empty for a root."""

    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


@dataclass
class OtlpReceiver:
    """Serves `/v1/traces` on 127.0.0.1 (`port` 0: a free one) until `stop()`."""

    port: int = 0
    spans: list[ReceivedSpan] = field(default_factory=list)
    exports: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OtlpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                receiver.add(ExportTraceServiceRequest.FromString(body))
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add(self, request: ExportTraceServiceRequest) -> None:
        received = []
        for resource_spans in request.resource_spans:
            service = _attributes(resource_spans.resource.attributes).get("service.name", "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=str(service),
                            name=span.name,
                            kind=KINDS.get(span.kind, "unspecified"),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            attributes=_attributes(span.attributes),
                        )
                    )
        with self._lock:
            self.spans.extend(received)
            self.exports += 1

    def snapshot(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self.spans)


@dataclass
class SinkProcess:
    """A receiver process: `env(ratio)` points a stack's exporters at it; `summary` is
    filled once it stopped (spans, traces and exports it received)."""

    url: str
    summary: dict[str, Any] = field(default_factory=dict)

    def env(self, ratio: float) -> dict[str, str]:
        """The OTEL_* settings of a stack tracing `ratio` of its orders to this sink."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.url,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": str(ratio),
        }


@contextlib.contextmanager
def sink_process() -> Iterator[SinkProcess]:
    """`python -m bench._otlp_sink` on a free port, for the length of the block."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="proofstream-otlp-")) / "sink.log"
    process = ManagedProcess(
        "otlp-sink", [sys.executable, "-m", "bench._otlp_sink", "--port", str(port)], log_path=log
    ).start()
    sink = SinkProcess(url=f"http://127.0.0.1:{port}")
    try:
        wait_for_port("127.0.0.1", port, timeout_s=30, process=process)
        yield sink
    finally:
        process.stop()
        lines = log.read_text().strip().splitlines()
        with contextlib.suppress(IndexError, ValueError):
            sink.summary = json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    args = parser.parse_args()
    receiver = OtlpReceiver(port=args.port).start()
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    done.wait()
    receiver.stop()
    spans = receiver.snapshot()
    by_service: dict[str, int] = {}
    for span in spans:
        by_service[span.service] = by_service.get(span.service, 0) + 1
    traces = len({span.trace_id for span in spans})
    summary = {"spans": len(spans), "traces": traces, "exports": receiver.exports}
    print(json.dumps(summary | {"by_service": by_service}), file=sys.stdout, flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
