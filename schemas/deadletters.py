"""What a stage writes to the dead-letter topic when it cannot process a message."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from schemas.base import Event

__all__ = ["DeadLetter"]


class DeadLetter(Event):
    """The original bytes, where they came from, and why they were refused."""

    schema_version: Literal[1] = 1
    stage: str
    reason: str
    source_topic: str
    key: str | None = None
    webhook_id: str | None = None
    original: bytes
    failed_at: datetime
