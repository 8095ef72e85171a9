"""A Faust codec that carries our pydantic events, so topics never hold bare dicts."""

from __future__ import annotations

from typing import Any

from faust.serializers.codecs import Codec

from schemas import Event

__all__ = ["ModelCodec"]


class ModelCodec(Codec):
    """(De)serializes one `schemas` model with its own orjson wire format."""

    def __init__(self, model: type[Event]) -> None:
        super().__init__(model=model.__name__)
        self.model = model

    def _dumps(self, obj: Any) -> bytes:
        if isinstance(obj, bytes):
            return obj
        assert isinstance(obj, self.model), f"expected {self.model.__name__}, got {type(obj)}"
        return obj.to_json()

    def _loads(self, s: bytes) -> Event:
        return self.model.from_json(s)
