"""Mutated answers files are either valid or rejected with located findings, never an exception."""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.answers import yamlfile
from kit.run.project import validate

BASE = yamlfile.read(EXAMPLES / "medical_reports" / "answers.yaml").data
NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["", " ", "2026-02-30", "../../etc/passwd", "<script>x</script>", "null", "é✓"]),
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths(child, (*prefix, i))


ALL_PATHS = [p for p in paths(BASE) if p]


@st.composite
def mutations(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for part in where[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["delete", "replace", "add_key"]))
            if action == "delete":
                del parent[where[-1]]
            elif action == "replace":
                parent[where[-1]] = draw(NASTY)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(NASTY)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_answers_are_valid_or_located(data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "p"
        shutil.copytree(EXAMPLES / "medical_reports", project)
        (project / "answers.yaml").write_text(yamlfile.dump(data), encoding="utf-8")
        result = validate(project)
        for finding in result.findings:
            assert finding.file.endswith(".yaml")
            assert finding.message
            assert "\n" not in str(finding)
        if result.errors:
            assert all(f.line > 0 for f in result.errors), [str(f) for f in result.errors]
