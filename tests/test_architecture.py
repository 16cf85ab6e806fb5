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
    return imports_of(path.read_text(encoding="utf-8"))


def imports_of(source: str) -> list[str]:
    tree = ast.parse(source)
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
    upward = upward_imports(me, imports(path))
    assert not upward, f"{me} (layer {rank(me)}) imports {upward}"


def upward_imports(me: str, imported: list[str]) -> list[str]:
    return [m for m in imported if m.startswith("kit.") and rank(m) > rank(me)]


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_only_forms_touch_ipywidgets(path: Path) -> None:
    widgets = [m for m in imports(path) if m.split(".")[0] in {"ipywidgets", "ipywidgets_jsonschema"}]
    assert not widgets or module_name(path) in FORM_MODULES, f"{module_name(path)} imports {widgets}"


def test_the_checker_sees_an_upward_import() -> None:
    """The rule above can fail: a made-up checks module importing the record room, the run room and
    the top is caught, and its own room and the base are not."""
    planted = (
        "from kit.record import data\n"
        "import kit.run.batch\n"
        "from kit import workbook, phrases\n"
        "from kit.checks import result\n"
        "def f():\n"
        "    from kit.decide.decision import decide\n"
    )
    upward = upward_imports("kit.checks.planted", imports_of(planted))
    assert upward == ["kit.record", "kit.run.batch", "kit.workbook", "kit.decide.decision"]


# --- one truth: a family or a rule kind is named in its table only ------------------------------

TABLES = {"kit.checks.families", "kit.checks.engine.kinds"}
TEXT_CALLS = {"plural", "of", "a", "listing"}  # their string arguments are words of a sentence
NAMING_KEYWORDS = {"family", "check"}  # (a "kind" keyword names other things, e.g. a person)


def names_in_code(source: str, names: set[str]) -> list[tuple[int, str]]:
    """String literals equal to a family or kind name where code uses them as one: compared with,
    looked up (a subscript), passed to a call or as family= or check=. Words in messages
    (f-strings, plural(n, "source")) and the keys of record rows ({"source": s.id}) are text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        candidates: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            candidates = [node.left, *node.comparators]
            candidates += [
                e for c in node.comparators if isinstance(c, ast.Tuple | ast.List | ast.Set) for e in c.elts
            ]
        elif isinstance(node, ast.Subscript):
            candidates = [node.slice]
        elif isinstance(node, ast.Call):
            called = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if called not in TEXT_CALLS:
                candidates = [*node.args, *(k.value for k in node.keywords if k.arg in NAMING_KEYWORDS)]
        found += [(c.lineno, c.value) for c in candidates if isinstance(c, ast.Constant) and c.value in names]
    return found


def family_and_kind_names() -> set[str]:
    from kit.checks.engine.kinds import KINDS
    from kit.checks.families import FAMILIES

    return {f.name for f in FAMILIES} | set(KINDS)


def test_no_module_names_a_family_or_kind_outside_its_table() -> None:
    names = family_and_kind_names()
    named = [
        f"{module_name(p)}:{line}: {value!r}"
        for p in MODULES
        if module_name(p) not in TABLES
        for line, value in names_in_code(p.read_text(encoding="utf-8"), names)
    ]
    assert named == [], "reach families and kinds through their tables:\n" + "\n".join(named)


def test_the_name_checker_sees_a_planted_name() -> None:
    planted = (
        "def f(check, by_kind):\n"
        '    said = f"the bias of {check.id}" + plural(2, "source")\n'
        '    return check.family == "bias" or by_kind["unique"] or g(family="rule") or h("drift", dest="source")\n'
    )
    assert sorted(names_in_code(planted, family_and_kind_names())) == [
        (3, "bias"),
        (3, "drift"),
        (3, "rule"),
        (3, "unique"),
    ]
