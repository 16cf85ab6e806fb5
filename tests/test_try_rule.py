"""wb.try_rule: one rule tried on the project's data before it is added, counted by the same code as
`wbk run`. Counts are the example generator's planted truth, or counted here from the CSV with the
csv module, never the kit's own earlier output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import EXAMPLES
from planted import planted

from kit import workbook as wb
from kit.cli import main

MEDICAL = EXAMPLES / "medical_reports"
UNIT_PRESENT = {"dataset": "lab_results", "columns": ["unit"], "check": "not_null"}


def lab_rows() -> list[dict[str, str]]:
    with open(MEDICAL / "data" / "lab_results.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_tried_rule_counts_the_planted_rows_as_wbk_run_does(tmp_path: Path) -> None:
    tried = wb.try_rule(MEDICAL, UNIT_PRESENT)
    missing_unit = planted("medical_reports")["rows"]["missing_unit"]
    assert tried.count == len(missing_unit) == 12
    assert tried.checked == len(lab_rows()) == 3504
    assert tried.sentence.startswith("12 of 3,504 lab results")
    assert "unit" in tried.meaning and not tried.problems
    assert {e["result_id"] for e in tried.examples} <= set(missing_unit) and len(tried.examples) == 10

    assert main(["run", str(MEDICAL), "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "medical_reports" / "record.json").read_text())
    (run,) = [c for c in record["checks"] if c["id"] == "unit_present"]
    assert (run["failed"], run["passed"] + run["failed"]) == (tried.count, tried.checked)


def test_where_limits_the_rows_checked() -> None:
    rows = [r for r in lab_rows() if r["unit"] == "g/L"]
    negative = [r["result_id"] for r in rows if r["value"] and float(r["value"]) < 0]
    tried = wb.try_rule(
        MEDICAL,
        {
            "dataset": "lab_results",
            "columns": ["value"],
            "check": "between",
            "params": {"min": 0},
            "where": "unit = 'g/L'",
        },
    )
    assert (tried.count, tried.checked) == (len(negative), len(rows))
    assert [e["result_id"] for e in tried.examples] == negative


def test_a_rule_that_cannot_run_says_why_in_the_rules_own_terms() -> None:
    tried = wb.try_rule(MEDICAL, {**UNIT_PRESENT, "columns": ["units"]})
    assert tried.problems == [
        "columns[0]: column 'units' is not in data/lab_results.csv; did you mean 'unit'?"
    ]
    assert "cannot run yet" in tried._repr_html_()
    unknown = wb.try_rule(MEDICAL, {**UNIT_PRESENT, "check": "not_nul"})
    assert unknown.problems[0].startswith("check: unknown check 'not_nul'; did you mean 'not_null'?")
    no_source = wb.try_rule(MEDICAL, {**UNIT_PRESENT, "dataset": "nowhere"})
    assert no_source.problems and "nowhere" in no_source.problems[0]


def test_the_tried_rule_shows_its_sentence_and_failing_rows_as_html() -> None:
    shown = wb.try_rule(MEDICAL, UNIT_PRESENT)._repr_html_()
    assert "12 of 3,504 lab results" in shown and "Failing rows (up to ten)" in shown
    assert shown.count("<tr>") == 1 + 10  # header and ten example rows
