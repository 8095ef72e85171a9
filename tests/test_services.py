"""Starting our own processes (`proofstream/services.py`): one that refuses to start is
reported with the line it printed, not only with where its log is."""

import sys
from pathlib import Path

import pytest

from proofstream.errors import ServiceError
from proofstream.services import ManagedProcess, free_port, wait_for_http, wait_for_port

REFUSING = "import sys; print('proofstream: PROOFSTREAM_X is not set', file=sys.stderr); exit(2)"


@pytest.mark.parametrize("wait", ["http", "port"])
def test_a_process_that_exits_while_starting_is_reported_with_its_last_line(
    tmp_path: Path, wait: str
) -> None:
    process = ManagedProcess(
        "refuser", [sys.executable, "-c", REFUSING], log_path=tmp_path / "refuser.log"
    ).start()
    port = free_port()  # nothing listens there
    with pytest.raises(ServiceError) as raised:
        if wait == "http":
            wait_for_http(f"http://127.0.0.1:{port}/readyz", process=process, timeout_s=30)
        else:
            wait_for_port("127.0.0.1", port, process=process, timeout_s=30)
    assert str(raised.value) == (
        f"refuser exited: proofstream: PROOFSTREAM_X is not set (see {tmp_path / 'refuser.log'})"
    )
