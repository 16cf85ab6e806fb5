"""The evidence engine finds exactly the planted defects of the medical example, and no more."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLES

from kit.answers import loading as answers
from kit.answers import template
from kit.answers.schema import BiasCheck, Rule
from kit.checks import bias, outputs, rules, sources
from kit.checks.engine.kinds import KINDS

MEDICAL = EXAMPLES / "medical_reports"
PLANTED = json.loads((MEDICAL / "planted.json").read_text())


@pytest.fixture(scope="module")
def loaded():
    return answers.load(MEDICAL)


@pytest.fixture(scope="module")
def rule_results(loaded):
    report = rules.run(loaded, loaded.answers.project.as_of)
    assert report.findings == []
    return {r.id: r for r in report.results}


def example_ids(result, column: str = "result_id") -> set[str]:
    return {e[column] for e in result.examples}


@pytest.mark.parametrize(
    ("rule", "planted"),
    [
        ("unit_present", "missing_unit"),
        ("value_plausible", "negative_value"),
        ("flag_consistent", "wrong_flag"),
        ("result_id_unique", "duplicate"),
        ("order_test_unique", "duplicate"),
    ],
)
def test_each_rule_finds_exactly_its_planted_rows(rule_results, rule, planted) -> None:
    """Counts are exact; examples (never every failing row) show only planted rows; a unique rule
    shows each repeated key once with how often it occurs (each planted duplicate is one copy)."""
    result = rule_results[rule]
    assert result.failed == len(PLANTED["rows"][planted])
    key = ["result_id"] if "result_id" in result.examples[0] else ["order_id", "test_code"]
    frame = pd.read_csv(MEDICAL / "data" / "lab_results.csv")  # independent of the engine
    planted_keys = set(frame[frame.result_id.isin(PLANTED["rows"][planted])][key].itertuples(index=False))
    assert {tuple(e[c] for c in key) for e in result.examples} <= planted_keys
    assert len(result.examples) == min(10, result.failed)
    if rule.endswith("_unique"):
        assert {e["occurs"] for e in result.examples} == {2}
    assert result.status == "fail"


def test_stale_rows_are_counted_but_within_the_rules_tolerance(rule_results) -> None:
    fresh = rule_results["results_fresh"]
    assert fresh.failed == len(PLANTED["rows"]["stale"])
    assert example_ids(fresh) == set(PLANTED["rows"]["stale"])  # 7 stale rows: all shown
    assert fresh.status == "pass" and fresh.pass_rate < 1
    assert "on or after 2025-11-01 00:00 UTC" in fresh.detail


def test_clean_rules_pass(rule_results) -> None:
    planted = {
        "unit_present",
        "value_plausible",
        "flag_consistent",
        "result_id_unique",
        "order_test_unique",
        "results_fresh",
    }
    for rule_id, result in rule_results.items():
        if rule_id not in planted:
            assert result.failed == 0, (rule_id, result.examples)


@pytest.mark.parametrize(
    ("check", "planted"),
    [
        ("output.sections_present", "missing_section"),
        ("output.values_match", "hallucinated_value"),
        ("output.ranges_unchanged", "changed_range"),
        ("output.flags_consistent", "wrong_flag"),
        ("output.no_extra_tests", "extra_test"),
        ("output.numbers_grounded", "hallucinated_number"),
    ],
)
def test_each_output_check_finds_exactly_its_planted_reports(loaded, check, planted) -> None:
    tpl = template.load(loaded.project_dir, loaded.answers.data_quality.output_template)
    results = {r.id: r for r in outputs.run(loaded, tpl)}
    result = results[check]
    assert sorted(result.failing) == PLANTED["reports"][planted]
    assert result.failed == len(PLANTED["reports"][planted])
    assert result.checked == 300


def test_sources_and_audits_as_of_the_project_date(loaded) -> None:
    status = {s.id: s for s in sources.inventory(loaded.answers, loaded.answers.project.as_of)}
    assert status["reference_ranges"].stale and status["reference_ranges"].age_days == 226
    assert not status["lab_results"].stale
    assert not status["health_forum"].licence_allowed and not status["health_forum"].verified
    assert status["guidelines"].access == "requested"
    audits = {a.id: a for a in sources.audit_calendar(loaded.answers, loaded.answers.project.as_of)}
    assert audits["range_catalogue_review"].overdue_days == 46
    assert audits["monthly_output_audit"].next_due == dt.date(2026, 11, 9)
    assert not audits["monthly_output_audit"].overdue


def test_as_of_moves_every_date_check(loaded) -> None:
    later = dt.date(2027, 6, 1)
    audits = {a.id: a for a in sources.audit_calendar(loaded.answers, later)}
    # Days counted by hand from answers.yaml (audit due 2026-11-09, lab results of 2026-11-01): a
    # check that used today's date instead of as_of would give other numbers.
    assert audits["monthly_output_audit"].overdue_days == (later - dt.date(2026, 11, 9)).days
    lab_results = {s.id: s for s in sources.inventory(loaded.answers, later)}["lab_results"]
    assert lab_results.stale and lab_results.age_days == (later - dt.date(2026, 11, 1)).days


def test_bias_flags_the_planted_age_skew_only(loaded) -> None:
    checks = bias.run(loaded)
    measured = [c.judged for c in checks]
    by_id = {c.id: c for c in checks}
    assert by_id["bias.age_mix"].status == "warn"
    assert by_id["bias.sex_mix"].status == "pass"
    age = next(m for m in measured if m.id == "age_mix")
    assert age.largest_value == "18-39" and age.p_value < 0.001


def test_bias_p_value_matches_scipy_stats() -> None:
    from scipy.stats import chisquare

    frame = pd.DataFrame({"a": ["x"] * 30 + ["y"] * 50 + ["z"] * 20})
    check = BiasCheck(id="b", dataset="d", attribute="a", reference_shares={"x": 0.35, "y": 0.4, "z": 0.25})
    expected = chisquare([30, 50, 20], [35, 40, 25]).pvalue
    assert bias.measure(check, frame).p_value == pytest.approx(expected)


def test_consistent_flag_counts_each_row_once_across_columns() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "flag": ["N", "H", "L", "N"],
            "value": [5, 5, 1, 12],
            "low": [1, 1, 2, 1],
            "high": [10, 10, 10, 10],
        }
    )
    rule = Rule(
        id="f",
        dataset="d",
        severity="condition",
        check="consistent_flag",
        columns=["flag", "value", "low", "high"],
    )
    result = rules.run_on_frame([rule], frame, dt.date(2026, 11, 1))[0]
    assert result.failed == 2 and [e["id"] for e in result.examples] == ["b", "d"]


def test_generators_are_reproducible(tmp_path: Path) -> None:
    """The committed sample data is exactly what the seeded generator writes."""
    script = MEDICAL / "generate_data.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    for relative in (
        "data/lab_results.csv",
        "data/patients.csv",
        "data/reference_ranges.csv",
        "outputs/generated_reports.jsonl",
        "planted.json",
    ):
        assert (tmp_path / relative).read_bytes() == (MEDICAL / relative).read_bytes(), relative


def test_a_bad_outputs_line_is_located(tmp_path: Path) -> None:
    """Generated outputs are read by the engine: a line that is not JSON is named in validate."""
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "job_adverts", project)
    with open(project / "outputs" / "drafted_adverts.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"report_id": "a", "record_id": "b", "sections": {}}\n{broken\n')
    lines = len((project / "outputs" / "drafted_adverts.jsonl").read_text(encoding="utf-8").splitlines())
    found = [str(f) for f in rules.plan(answers.load(project)).findings]
    assert any(
        f"data_quality.generated_outputs.path: drafted_adverts.jsonl line {lines}: not valid JSON" in f
        for f in found
    ), found


def _break_kind(monkeypatch, name: str, passes) -> None:
    monkeypatch.setitem(KINDS, name, dataclasses.replace(KINDS[name], passes=passes))


def test_a_rule_whose_query_raises_is_an_error_and_the_others_still_count(loaded, monkeypatch) -> None:
    """The shared aggregate fails on the backend (text cast to a number): each rule is retried
    alone, the broken one carries DuckDB's message, no traceback, and is never a pass."""
    _break_kind(monkeypatch, "in_set", lambda t, cols, p, ctx: t[cols[0]].cast("int64") > 0)
    results = {r.id: r for r in rules.run(loaded).results}
    broken = results["unit_is_ucum"]
    assert broken.status == "error" and broken.error.startswith("in_set on unit: Conversion Error")
    assert "Could not convert string" in broken.error
    assert "Traceback" not in broken.error and "\n" not in broken.error
    assert results["unit_present"].failed == len(PLANTED["rows"]["missing_unit"])
    assert results["value_plausible"].failed == len(PLANTED["rows"]["negative_value"])


def test_a_kind_that_raises_while_compiling_is_an_error(loaded, monkeypatch) -> None:
    def boom(*args):
        raise ZeroDivisionError("injected failure")

    _break_kind(monkeypatch, "matches", boom)
    report = rules.run(loaded)
    result = {r.id: r for r in report.results}["test_code_loinc"]
    assert result.status == "error" and result.checked == 0
    assert any("injected failure" in f.message for f in report.findings)
