"""A small GraphQL parser for the Admin API simulation: variables with defaults, aliases,
fragments, ``@skip``/``@include``; `plan` picks the operation to run and applies variable
defaults. `GraphQLError` is one entry of a response's ``errors``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Field",
    "Fragment",
    "FragmentSpread",
    "GraphQLError",
    "InlineFragment",
    "Operation",
    "Selection",
    "plan",
    "resolve",
]


class GraphQLError(Exception):
    """One entry of the response's ``errors``."""

    def __init__(self, message: str, *, at: tuple[int, int] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.entry: dict[str, Any] = {"message": message}
        if at is not None:
            self.entry["locations"] = [{"line": at[0], "column": at[1]}]
        self.entry.update(extra)


_TOKENS = re.compile(
    r'(?P<skip>[\s,\ufeff]+|#[^\n\r]*)|(?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>\.\.\.|[!$&():=@\[\]{}|])"
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: tuple[int, int]


class _Enum(str):
    """An enum literal (``MAIN``): a plain string once resolved."""


@dataclass(frozen=True)
class _Var:
    name: str


@dataclass
class _Directed:
    at: tuple[int, int]
    directives: list[tuple[str, list[tuple[str, Any]]]]

    def included(self, variables: dict[str, Any]) -> bool:
        for name, args in self.directives:
            condition = bool(resolve(dict(args).get("if"), variables))
            if (name == "skip" and condition) or (name == "include" and not condition):
                return False
        return True


@dataclass
class Field(_Directed):
    alias: str | None
    name: str
    args: list[tuple[str, Any]]
    selections: list[Selection]

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class InlineFragment(_Directed):
    type_condition: str | None
    selections: list[Selection]


@dataclass
class FragmentSpread(_Directed):
    name: str


@dataclass
class Fragment:
    type_condition: str
    selections: list[Selection]


@dataclass
class Operation:
    kind: str  # query or mutation
    name: str | None
    defaults: dict[str, Any]
    selections: list[Selection]


Selection = Field | InlineFragment | FragmentSpread


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    """A parsed argument value with ``variables`` put in (enum literals become strings)."""
    if isinstance(value, _Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [resolve(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, variables) for key, item in value.items()}
    return str(value) if isinstance(value, _Enum) else value


def plan(
    query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> tuple[Operation, dict[str, Fragment], dict[str, Any]]:
    """The operation to run, the document's fragments and the variables (defaults applied);
    `GraphQLError` on a syntax error or an ambiguous or unknown operation name."""
    operations, fragments = _Parser(query).document()
    if operation_name:
        chosen = [op for op in operations if op.name == operation_name]
        if not chosen:
            raise GraphQLError(f'No operation named "{operation_name}"')
        operation = chosen[0]
    elif len(operations) > 1:
        raise GraphQLError("An operation name is required")
    else:
        operation = operations[0]
    values = {name: resolve(value, {}) for name, value in operation.defaults.items()}
    return operation, fragments, values | dict(variables or {})


def _unexpected(token: _Token) -> GraphQLError:
    line, column = token.at
    return GraphQLError(
        f'Parse error on "{token.text}" ({token.kind.upper()}) at [{line}, {column}]', at=token.at
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[_Token] = []
        pos, line, line_start = 0, 1, 0
        while pos < len(text):
            match = _TOKENS.match(text, pos)
            at = (line, pos - line_start + 1)
            if match is None:
                raise GraphQLError(f'Parse error on "{text[pos]}" (error) at [{at[0]}, {at[1]}]')
            kind = match.lastgroup or "skip"
            if kind != "skip":
                self.tokens.append(_Token(kind, match.group(), at))
            for newline in re.finditer(r"\r\n|\n|\r", match.group()):
                line, line_start = line + 1, pos + newline.end()
            pos = match.end()
        self.pos = 0

    def peek(self, text: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        return text is None or self.tokens[self.pos].text == text

    def take(self, text: str | None = None, kind: str | None = None) -> _Token:
        if self.pos >= len(self.tokens):
            raise GraphQLError("Unexpected end of document")
        token = self.tokens[self.pos]
        if (text is not None and token.text != text) or (kind is not None and token.kind != kind):
            raise _unexpected(token)
        self.pos += 1
        return token

    def document(self) -> tuple[list[Operation], dict[str, Fragment]]:
        operations: list[Operation] = []
        fragments: dict[str, Fragment] = {}
        while self.peek():
            if self.peek("{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
                continue
            keyword = self.take(kind="name").text
            if keyword == "fragment":
                name = self.take(kind="name").text
                self.take("on")
                condition = self.take(kind="name").text
                self.directives()
                fragments[name] = Fragment(condition, self.selection_set())
                continue
            if keyword not in ("query", "mutation"):
                self.pos -= 1
                self.take("{")
            named = self.pos < len(self.tokens) and self.tokens[self.pos].kind == "name"
            operation_name = self.take(kind="name").text if named else None
            defaults = self.variable_definitions()
            self.directives()
            operations.append(Operation(keyword, operation_name, defaults, self.selection_set()))
        if not operations:
            raise GraphQLError("Unexpected end of document")
        return operations, fragments

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        if not self.peek("("):
            return defaults
        self.take("(")
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name").text
            self.take(":")
            depth = 0
            while depth or not (self.peek("=") or self.peek(")") or self.peek("$")):
                token = self.take()
                depth += {"[": 1, "]": -1}.get(token.text, 0)
            if self.peek("="):
                self.take("=")
                defaults[name] = self.value()
        self.take(")")
        return defaults

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections: list[Selection] = []
        while not self.peek("}"):
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        if self.peek("..."):
            at = self.take("...").at
            if self.peek("on") or self.peek("{") or self.peek("@"):
                condition = None
                if self.peek("on"):
                    self.take("on")
                    condition = self.take(kind="name").text
                directives = self.directives()
                return InlineFragment(at, directives, condition, self.selection_set())
            name = self.take(kind="name").text
            return FragmentSpread(at, self.directives(), name)
        first = self.take(kind="name")
        alias, name = None, first.text
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.take(kind="name").text
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(first.at, directives, alias, name, args, selections)

    def arguments(self) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = []
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                name = self.take(kind="name").text
                self.take(":")
                args.append((name, self.value()))
            self.take(")")
        return args

    def directives(self) -> list[tuple[str, list[tuple[str, Any]]]]:
        found = []
        while self.peek("@"):
            self.take("@")
            found.append((self.take(kind="name").text, self.arguments()))
        return found

    def value(self) -> Any:
        token = self.take()
        if token.text == "$":
            return _Var(self.take(kind="name").text)
        if token.text == "[":
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if token.text == "{":
            fields: dict[str, Any] = {}
            while not self.peek("}"):
                key = self.take(kind="name").text
                self.take(":")
                fields[key] = self.value()
            self.take("}")
            return fields
        if token.kind == "string":
            return json.loads(token.text)
        if token.kind == "block":
            return token.text[3:-3].replace('\\"""', '"""')
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "name":
            literals = {"true": True, "false": False, "null": None}
            return literals[token.text] if token.text in literals else _Enum(token.text)
        raise _unexpected(token)
