"""A Faust codec that carries our pydantic models, so topics and tables never hold bare dicts."""

from __future__ import annotations

from typing import Any

import orjson
from faust.serializers.codecs import Codec
from pydantic import BaseModel, TypeAdapter

__all__ = ["ModelCodec"]


class ModelCodec(Codec):
    """(De)serializes one `schemas` model, or a discriminated union of them (the
    notifications topic), as orjson: the wire format of `schemas.Event`."""

    def __init__(self, model: Any, *, name: str | None = None) -> None:
        super().__init__(model=name or model.__name__)
        self.adapter: TypeAdapter[Any] = TypeAdapter(model)

    def _dumps(self, obj: Any) -> bytes:
        if isinstance(obj, bytes):
            return obj
        assert isinstance(obj, BaseModel), f"expected a pydantic model, got {type(obj)}"
        return orjson.dumps(obj.model_dump(mode="json"))

    def _loads(self, s: bytes) -> Any:
        return self.adapter.validate_json(s)
