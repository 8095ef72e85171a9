"""Each module says what it exports (as httpx's test_exported_members.py pins httpx's):
every module of every package has an `__all__`, each name in it exists, and whatever
another module of the project imports from it (`from module import name`) is in it. The
contract package (`schemas`) exports exactly what it imports."""

import ast
import importlib
import inspect
import pkgutil
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

PACKAGES = (
    "agents",
    "gateway",
    "proofstream",
    "schemas",
    "shopify_app",
    "simulator",
    "stages",
    "storage",
    "streams",
)


def modules() -> list[str]:
    found = []
    for package in PACKAGES:
        found.append(package)
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                found.append(info.name)
    return found


@cache
def imported_elsewhere() -> dict[str, set[str]]:
    """For each module, the names other files of the project import from it."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for folder in (*PACKAGES, "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if ".venv" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    wanted[node.module].update(alias.name for alias in node.names)
    return wanted


@pytest.mark.parametrize("name", modules())
def test_every_module_says_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(set(exported)) == sorted(exported), f"{name}.__all__ repeats a name"
    missing = [member for member in exported if not hasattr(module, member)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"
    submodules = {info.name for info in pkgutil.iter_modules(getattr(module, "__path__", []))}
    unlisted = imported_elsewhere()[name] - set(exported) - submodules
    assert not unlisted, f"others import {sorted(unlisted)} from {name}, not in its __all__"


def test_the_contract_exports_exactly_its_models() -> None:
    import schemas

    public = {
        name
        for name, value in vars(schemas).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(schemas.__all__) == sorted(public)
