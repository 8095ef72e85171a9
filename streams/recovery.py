"""Faust's table recovery, with the stream partitions sought before any event flows again.

After a rebalance, faust-streaming 0.15 resumes the flow for the changelogs first; then
`Recovery.on_recovery_completed` resumes the stream partitions *before* it seeks them to
their committed offsets. The fetcher reads and queues events while that seek is under
way, the seek moves the read position back (the re-read copies are dropped as already
read), and the flow's resume at the end clears the queues: an agent slower than its
sibling on the same topic (publish beside record, on the notifications topic) never saw
the cleared events, which came back only at the next rebalance. Found by
`tests/faults/test_failover.py` (a worker SIGKILLed: 1 to 16 popups missing in 3 runs
of 5). Stopping the flow first makes the seek happen with nothing read or queued.
"""

from __future__ import annotations

from typing import Any

from faust.tables import TableManager as FaustTableManager
from faust.tables.recovery import Recovery as FaustRecovery

__all__ = ["TableManager"]


class Recovery(FaustRecovery):
    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        consumer: Any = self.app.consumer
        self.app.flow_control.suspend()
        consumer.stop_flow()
        await consumer.wait_for_stopped_flow()
        await super().on_recovery_completed(generation_id)  # seeks, then resumes the flow


class TableManager(FaustTableManager):
    """Faust's table manager with the recovery above (`App(TableManager=...)`)."""

    @property
    def recovery(self) -> FaustRecovery:
        if self._recovery is None:
            self._recovery = Recovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
