"""The house rules of kit/: five rooms that import only downward, and ipywidgets only in forms."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parent.parent / "kit"
# Lower rank = lower layer. A module may import its own room and any lower one.
BASE = {"findings", "paths", "atomic", "phrases"}
ROOMS = {"answers": 1, "checks": 2, "decide": 3, "record": 4, "run": 5}
TOP = 6  # cli, workbook, forms and other modules directly in kit/
FORM_MODULES = {"kit.forms", "kit.review_form"}  # only these may import ipywidgets


def module_name(path: Path) -> str:
    parts = path.relative_to(KIT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    if parts[1] in BASE or parts[1] == "__version__":
        return 0
    if parts[1] in ROOMS:
        return ROOMS[parts[1]]
    return TOP


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "kit":
                found += [f"kit.{a.name}" for a in node.names]
            else:
                found.append(node.module)
    return found


MODULES = sorted(p for p in KIT.rglob("*.py") if "_data" not in p.parts)


def test_the_five_rooms_exist() -> None:
    for room in ROOMS:
        assert (KIT / room / "__init__.py").is_file(), room


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_layers_import_only_downward(path: Path) -> None:
    me = module_name(path)
    upward = [m for m in imports(path) if m.startswith("kit.") and rank(m) > rank(me)]
    assert not upward, f"{me} (layer {rank(me)}) imports {upward}"


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_only_forms_touch_ipywidgets(path: Path) -> None:
    widgets = [m for m in imports(path) if m.split(".")[0] in {"ipywidgets", "ipywidgets_jsonschema"}]
    assert not widgets or module_name(path) in FORM_MODULES, f"{module_name(path)} imports {widgets}"


def test_the_checker_sees_an_upward_import() -> None:
    """The rule above can fail: a made-up checks module importing the record room is caught."""
    assert rank("kit.record.data") > rank("kit.checks.rules")
    assert rank("kit.workbook") > rank("kit.run.batch") > rank("kit.findings")
