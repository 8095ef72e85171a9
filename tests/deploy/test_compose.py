"""compose.yaml, checked without starting it: Debian's docker-compose parses and validates
it, every variable it gives the proofstream services is a setting they read, Prometheus
scrapes the ports those settings open and alerts the Alertmanager that runs (whose config
amtool accepts), traces reach the Collector and Jaeger, and every file it mounts exists."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from proofstream.settings import Settings
from proofstream.tracing import tracing_requested

ROOT = Path(__file__).parents[2]
REQUIRED = {  # what compose.yaml refuses to start without
    "SHOPIFY_API_KEY": "key",
    "SHOPIFY_API_SECRET": "secret",
    "PROOFSTREAM_TOKEN_KEYS": "keys",
}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_docker_compose_accepts_the_file() -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.fail("docker-compose is missing: `scripts/dev test` installs Debian's package")
    # Debian's docker-compose (1.29) predates the top-level `name`; it checks all the rest.
    text = (ROOT / "compose.yaml").read_text()
    assert "\nname: proofstream\n" in text
    done = subprocess.run(
        [tool, "--project-directory", ".", "--file", "-", "config", "--quiet"],
        input=text.replace("\nname: proofstream\n", "\n"),
        cwd=ROOT,
        env=os.environ | REQUIRED,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_variable_given_to_proofstream_is_a_setting() -> None:
    known = {field.alias for field in Settings.model_fields.values()}
    for name in ("worker", "gateway", "simulator"):
        # OTEL_* are OpenTelemetry's own, read by its SDK (proofstream/tracing.py)
        given = {v for v in compose()["services"][name]["environment"] if not v.startswith("OTEL_")}
        assert given <= known, (name, sorted(given - known))


def test_traces_go_through_the_collector_to_jaeger() -> None:
    services = compose()["services"]
    collector = yaml.safe_load((ROOT / "deploy" / "otel" / "collector.yaml").read_text())
    receiving = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    for name in ("worker", "gateway"):
        env = services[name]["environment"]
        assert tracing_requested(env) == ["otlp"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://otel-collector:{port(receiving)}"
    # The image's config path, and every component a pipeline names is configured.
    assert services["otel-collector"]["command"] == ["--config=/etc/otelcol/collector.yaml"]
    assert "./deploy/otel:/etc/otelcol:ro" in services["otel-collector"]["volumes"]
    for pipeline in collector["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline[kind]) <= set(collector[kind]), (kind, pipeline[kind])
    sending = collector["exporters"]["otlp/jaeger"]["endpoint"]
    assert sending.split(":")[0] == "jaeger" and "jaeger" in services
    assert port(sending) == "4317"  # Jaeger 2's OTLP/gRPC receiver


def port(endpoint: str) -> str:
    return endpoint.rsplit(":", 1)[1]


def test_prometheus_scrapes_what_the_services_open_and_alerts_what_runs() -> None:
    services = compose()["services"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"][0] for job in config["scrape_configs"]
    }
    gateway_env = services["gateway"]["environment"]
    worker_env = services["worker"]["environment"]
    assert targets["gateway"] == f"gateway:{gateway_env['PROOFSTREAM_GATEWAY_PORT']}"
    assert targets["worker"] == f"worker:{worker_env['PROOFSTREAM_WORKER_METRICS_PORT']}"
    assert worker_env["PROOFSTREAM_WORKER_METRICS_HOST"] == "0.0.0.0"  # noqa: S104
    (alertmanager,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanager.split(":")[0] in services


def test_the_alertmanager_config_is_valid() -> None:
    tool = shutil.which("amtool")
    if tool is None:
        pytest.fail("amtool is missing: `scripts/dev test` installs prometheus-alertmanager")
    config = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
    done = subprocess.run(
        [tool, "check-config", str(config)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_mounted_file_exists() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
