"""A Faust codec that carries our pydantic models, so topics and tables never hold bare dicts."""

from __future__ import annotations

from typing import Any

import orjson
from faust.serializers.codecs import Codec
from pydantic import BaseModel

__all__ = ["ModelCodec"]


class ModelCodec(Codec):
    """(De)serializes one `schemas` model as orjson (the wire format of `schemas.Event`)."""

    def __init__(self, model: type[BaseModel]) -> None:
        super().__init__(model=model.__name__)
        self.model = model

    def _dumps(self, obj: Any) -> bytes:
        if isinstance(obj, bytes):
            return obj
        assert isinstance(obj, self.model), f"expected {self.model.__name__}, got {type(obj)}"
        return orjson.dumps(obj.model_dump(mode="json"))

    def _loads(self, s: bytes) -> BaseModel:
        return self.model.model_validate_json(s)
