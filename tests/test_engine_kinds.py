"""Each check kind, table-driven from tests/cases/rule_kinds.yaml: exact failing-row counts on
small CSV files read through the engine, and the error each invalid case must give."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from kit.answers.schema import Rule, Source
from kit.checks import rules
from kit.checks.engine import datasets
from kit.checks.engine.kinds import KINDS

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "rule_kinds.yaml").read_text())


def open_csv(tmp_path: Path, name: str, text: str, as_text: bool = False):
    sample = f"{name}.parquet" if as_text else f"{name}.csv"
    if as_text:
        header, *rows = list(csv.reader(io.StringIO(text)))
        columns = {h: [r[i] for r in rows] for i, h in enumerate(header)}
        pq.write_table(pa.table(columns), tmp_path / sample)
    else:
        (tmp_path / sample).write_text(text, encoding="utf-8")
    source = Source(
        id=name, name=name, kind="file", licence="internal", access="granted", scope="domain", sample=sample
    )
    return datasets.open_source(source, tmp_path)


def outcome(case: dict, tmp_path: Path):
    """(declaration problems, result) of the case's rule."""
    rule = Rule(id="r", dataset="data", severity="condition", **case["rule"])
    problems = rules.declaration_problems(rule, 0)
    if problems:
        return problems, None
    others = {"other": open_csv(tmp_path, "other", case["other"])} if "other" in case else {}
    as_of = case.get("as_of", dt.date(2026, 11, 1))
    table = open_csv(tmp_path, "data", case["csv"], case.get("as_text", False))
    return [], rules.run_on_table([rule], table, as_of, case.get("timezone", "UTC"), others)[0]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule_kinds(case: dict, tmp_path: Path) -> None:
    problems, result = outcome(case, tmp_path)
    if "error" in case:
        said = [f"{'.'.join(map(str, loc[3:]))}: {msg}" for loc, msg in problems] or [result.error]
        assert any(case["error"] in text for text in said), said
        assert result is None or result.status == "error"
        return
    assert problems == [] and result.error == ""
    assert result.failed == case["failed"]
    if "checked" in case:
        assert result.checked == case["checked"]


def test_every_kind_has_a_valid_and_an_invalid_case() -> None:
    kinds = {c["rule"]["check"] for c in CASES}
    assert set(KINDS) <= kinds
    for kind in KINDS:
        assert any(c["rule"]["check"] == kind and "failed" in c for c in CASES), kind
