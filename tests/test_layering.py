"""rnnlib's module map: lower modules never import higher ones, and only the explorers
use the widgets. The ranks below are the README's module overview, in order."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnnlib"
RANK = {
    "_checks": 0, "_allocator": 0,
    "activations": 1, "gradcheck": 1, "widgets": 1, "datasets": 1,
    "cells": 2, "dense": 2, "losses": 2, "optim": 2, "flow": 2, "dynamics": 2, "tasks": 2,
    "layers": 3, "train": 3,
    "deepgrad": 4, "timegrad": 4, "handbuilt": 4,
    "experiments": 5,
    "explorers": 6, "exercises": 6,
}


def _top(path):
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path):
    """The rnnlib top-level modules that ``path`` imports (absolute or relative)."""
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]  # the package
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                parts = [*base, *(node.module.split(".") if node.module else [])]
            else:
                parts = node.module.split(".")
            if parts[0] != "rnnlib":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from rnnlib import x, y
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "rnnlib" and len(parts) > 1:
                    found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or
                 p.parent != PACKAGE)


def test_every_module_has_a_rank():
    assert {_top(p) for p in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_lower_modules_never_import_higher_ones(path):
    me = _top(path)
    for other in _imports(path) - {me, "__version__"}:
        assert RANK[other] < RANK[me], f"{me} (rank {RANK[me]}) imports {other} ({RANK[other]})"
        if other == "widgets":
            assert me == "explorers", f"{me} imports the widgets; only explorers may"


def test_the_checker_sees_relative_and_absolute_imports():
    imports = _imports(PACKAGE / "layers" / "lstm.py")
    assert "cells" in imports
    assert "widgets" in _imports(PACKAGE / "explorers" / "start.py")
