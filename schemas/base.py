"""The base of every event model: frozen, strict about unknown fields, orjson on the wire."""

from __future__ import annotations

from typing import Self

import orjson
from pydantic import BaseModel, ConfigDict

__all__ = ["Event"]


class Event(BaseModel):
    """A versioned, immutable message; subclasses pin `schema_version`."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )

    def to_json(self) -> bytes:
        """The bytes that travel on a topic or a Redis stream."""
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        """Parse wire bytes; raises `pydantic.ValidationError` or `orjson.JSONDecodeError`."""
        return cls.model_validate_json(data)
