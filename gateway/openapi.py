"""The OpenAPI 3.1 document of the gateway, built from the route table and the pydantic
models each endpoint declares with `@documented(...)` (the same models validate the
requests, so the document cannot drift from the code). Served at `/openapi.json`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route

from gateway.errors import InvalidInput

__all__ = ["Operation", "documented", "openapi_document", "query"]

F = TypeVar("F")
M = TypeVar("M", bound=BaseModel)
Response = type[BaseModel] | str | None  # a JSON model, another media type, or no body


@dataclass(frozen=True)
class Operation:
    """What one endpoint takes and answers. `responses`: status → model (JSON), media type
    (`text/html`…) or None (no body). `path`: the pattern of each path parameter that has
    one (the endpoint answers 404 for others). `merchant`: authenticated by the session
    token."""

    summary: str
    responses: Mapping[int, Response]
    path: Mapping[str, str] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    merchant: bool = False
    tags: Sequence[str] = field(default_factory=tuple)


def documented(operation: Operation) -> Callable[[F], F]:
    """Attach `operation` to an endpoint (function or ASGI callable)."""

    def attach(endpoint: F) -> F:
        endpoint.__openapi__ = operation  # type: ignore[attr-defined]
        return endpoint

    return attach


def query(request: Request, model: type[M], *, ignore: Sequence[str] = ()) -> M:
    """The request's query string validated by `model`; `InvalidInput` (422) names each
    wrong parameter."""
    params = {k: v for k, v in request.query_params.items() if k not in ignore}
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in error["loc"]) or "query": error["msg"]
            for error in exc.errors()
        }
        raise InvalidInput("invalid query parameters", fields=fields) from exc


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _path_parameters(path: str, patterns: Mapping[str, str]) -> list[dict[str, Any]]:
    names = [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"}
            | ({"pattern": patterns[name]} if name in patterns else {}),
        }
        for name in names
    ]


def openapi_document(
    routes: Sequence[BaseRoute], *, title: str, version: str, dev_mode: bool
) -> dict[str, Any]:
    """The document for `routes`; in dev mode merchant operations also take `?shop=`."""
    operations = [
        (path, method, route.endpoint.__openapi__)
        for path, route in _walk(routes)
        if hasattr(route.endpoint, "__openapi__")
        for method in sorted(route.methods or ("GET",))
        if method != "HEAD"
    ]
    wanted: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = []
    for _, _, op in operations:
        wanted += [(m, "validation") for m in (op.body, op.query) if m is not None]
        wanted += [(m, "serialization") for m in op.responses.values() if isinstance(m, type)]
    refs, defs = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in operations:
        parameters = _path_parameters(path, op.path)
        if op.query is not None:
            schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(schema.get("required", ()))
            parameters += [
                {"name": name, "in": "query", "required": name in required, "schema": spec}
                for name, spec in schema["properties"].items()
            ]
        if op.merchant and dev_mode:
            parameters.append(
                {
                    "name": "shop",
                    "in": "query",
                    "required": False,
                    "description": "dev mode only: the shop, instead of a session token",
                    "schema": {"type": "string"},
                }
            )
        name = path.replace("/", "_").replace("{", "").replace("}", "")
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": method.lower() + name,
            "responses": {
                str(status): _response(status, model, refs)
                for status, model in op.responses.items()
            },
        }
        if op.tags:
            entry["tags"] = list(op.tags)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if op.merchant:
            entry["security"] = [{"sessionToken": []}, {}] if dev_mode else [{"sessionToken": []}]
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "sessionToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "the Shopify session token of the embedded admin",
                }
            },
        },
    }


def _response(status: int, model: Response, refs: Mapping[Any, Any]) -> dict[str, Any]:
    description = {200: "OK", 202: "Accepted", 204: "No Content", 302: "Found"}.get(status, "Error")
    if model is None:
        return {"description": description}
    if isinstance(model, str):
        return {"description": description, "content": {model: {"schema": {"type": "string"}}}}
    return {
        "description": description,
        "content": {"application/json": {"schema": refs[(model, "serialization")]}},
    }
