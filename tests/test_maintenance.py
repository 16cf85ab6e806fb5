"""Issue 12: source profiles, measured freshness, drift against a baseline record, the audit calendar
and the index trend. Every expectation is planted in the data or counted from the answers."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import ibis
import icalendar
import pandas as pd
import pytest
from conftest import EXAMPLES, apply_edits, copy_example

from kit.answers import loading
from kit.checks import drift, families, profile
from kit.decide.decision import decide
from kit.decide.evidence import gather
from kit.findings import AnswersError
from kit.record.calendar import record_calendar
from kit.record.trend import trend_svg
from kit.run.project import validate
from kit.workbook import record_data, since_last_record


def _record(project: Path, baseline: Path | None = None) -> dict:
    ev = gather(project, baseline=baseline)
    return {**record_data(ev), "status": "ok", "provenance": {"executed_at": "2026-11-01T08:00:00+00:00"}}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """The record of the unchanged medical example, as a previous run left it."""
    path = tmp_path_factory.mktemp("base") / "record.json"
    path.write_text(json.dumps(_record(EXAMPLES / "medical_reports")), encoding="utf-8")
    return path


# --- profiles ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_table(tmp_path_factory) -> ibis.Table:
    """2,000 rows: n = 0..1999 with every 10th null, a 3-valued category, a date, a unique key."""
    path = tmp_path_factory.mktemp("planted") / "planted.parquet"
    duckdb.sql(
        f"""
        COPY (SELECT
          CASE WHEN range % 10 = 0 THEN NULL ELSE range END AS n,
          CASE WHEN range % 4 = 0 THEN 'a' WHEN range % 4 = 1 THEN 'b' ELSE 'c' END AS cat,
          DATE '2026-01-01' + CAST(range % 300 AS INTEGER) AS day,
          'K' || CAST(range AS VARCHAR) AS key
        FROM range(2000)) TO '{path}' (FORMAT parquet)
        """
    )
    return ibis.duckdb.connect().read_parquet(str(path))


def test_profile_counts_what_was_planted(planted_table: ibis.Table) -> None:
    p = profile.profile_table(planted_table, "t", "t.parquet")
    n, cat, day, key = (p.column(c) for c in ("n", "cat", "day", "key"))
    assert p.rows == 2000
    assert (n.nulls, n.null_share) == (200, 0.1)
    assert (n.min, n.max) == (1.0, 1999.0)
    assert not n.distinct_exact and abs(n.distinct - 1800) / 1800 < 0.05  # above the exact limit: estimated
    assert sum(n.histogram.counts) == 1800 and n.histogram.bins == profile.HISTOGRAM_BINS
    assert n.top_values is None
    assert {v.value: v.count for v in cat.top_values} == {"a": 500, "b": 500, "c": 1000}
    assert cat.top_values[0].value == "c" and cat.distinct == 3 and cat.distinct_exact
    assert (day.min, day.max) == ("2026-01-01", "2026-10-27") and day.distinct == 300 and day.distinct_exact
    assert day.histogram is None and day.top_values is None
    assert key.top_values is None and not key.distinct_exact  # an identifier, not a category
    assert profile.newest_date(p, "day") == dt.date(2026, 10, 27)


def test_profile_distinct_estimate_is_close(planted_table: ibis.Table) -> None:
    key = profile.profile_table(planted_table, "t", "t").column("key")
    assert abs(key.distinct - 2000) / 2000 < 0.05


def test_numeric_shift_is_measured_on_shared_bins(planted_table: ibis.Table) -> None:
    before = profile.profile_table(planted_table, "t", "t")
    shifted = planted_table.mutate(n=planted_table.n + 1000)
    bins = {c.name: c.histogram for c in before.columns if c.histogram}
    after = profile.profile_table(shifted, "t", "t", bins)
    assert (after.column("n").histogram.low, after.column("n").histogram.high) == (1.0, 1999.0)
    # values beyond the baseline's range fall in the open last bin: half the rows moved there
    assert after.column("n").histogram.counts[-1] == 900 + 180
    value = drift.psi(before.column("n"), after.column("n"))
    assert value is not None and value > 0.25
    assert drift.psi(before.column("n"), before.column("n")) == 0


def test_psi_matches_the_formula() -> None:
    counts = lambda pairs: [profile.ValueCount(value=v, count=c) for v, c in pairs]  # noqa: E731
    old = profile.ColumnProfile(
        name="x", type="string", nulls=0, null_share=0, distinct=2, distinct_exact=True,
        top_values=counts([("a", 50), ("b", 50)]),
    )  # fmt: skip
    new = old.model_copy(update={"top_values": counts([("a", 80), ("b", 20)])})
    expected = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert drift.psi(old, new) == pytest.approx(expected)


# --- drift ------------------------------------------------------------------------------------


def test_unchanged_copy_flags_nothing(tmp_path: Path, baseline: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    ev = gather(project, baseline=baseline)
    assert ev.drift is not None and ev.drift.comparisons
    assert ev.drift.by_status("crossed") == [] and ev.checks_of(families.DRIFT) == []
    assert {c.status for c in ev.drift.comparisons} == {"unchanged"}
    assert not [c for c in decide(ev).conditions if c.evidence.startswith("drift.")]


def _shift_and_drop(project: Path) -> None:
    """Planted: 80 % of patients are F (was 53 %); reference_ranges loses its test_name column."""
    patients = pd.read_csv(project / "data" / "patients.csv")
    patients["sex"] = ["F" if i % 5 else "M" for i in range(len(patients))]
    patients.to_csv(project / "data" / "patients.csv", index=False)
    ranges = pd.read_csv(project / "data" / "reference_ranges.csv")
    ranges.drop(columns=["test_name"]).to_csv(project / "data" / "reference_ranges.csv", index=False)


def test_drift_flags_exactly_the_shifted_and_the_dropped_column(tmp_path: Path, baseline: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    _shift_and_drop(project)
    ev = gather(project, baseline=baseline)
    flagged = {(c.source, c.column) for c in ev.drift.by_status("crossed")}
    assert flagged == {("patients", "sex"), ("reference_ranges", "test_name")}
    measures = {(c.column, c.measure) for c in ev.drift.by_status("crossed")}
    assert ("test_name", "column removed") in measures and ("sex", "PSI") in measures
    assert ("sex", "group share") in measures
    # each flagged column is one condition of the decision, traced to its drift check
    traced = {c.evidence for c in decide(ev).conditions if c.evidence.startswith("drift.")}
    assert traced == {"drift.patients.sex", "drift.reference_ranges.test_name"}
    assert {c.id for c in ev.checks_of(families.DRIFT)} == traced
    html = str(since_last_record(ev))
    assert "Since the last record" in html and "drift.patients.sex" in html
    data = record_data(ev)
    assert {c["evidence"] for c in data["drift"]["comparisons"] if c["status"] == "crossed"} == traced
    assert len(data["history"]) == 1 and data["history"][0]["as_of"] == "2026-11-01"


def test_rule_pass_rate_drop_is_flagged(tmp_path: Path, baseline: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    results = pd.read_csv(project / "data" / "lab_results.csv")
    results.loc[:199, "unit"] = None  # 200 more missing units: unit_present falls by about 5.7 points
    results.to_csv(project / "data" / "lab_results.csv", index=False)
    ev = gather(project, baseline=baseline)
    crossed = {(c.source, c.column, c.measure) for c in ev.drift.by_status("crossed")}
    assert ("checks", "unit_present", "pass rate") in crossed
    assert ("lab_results", "unit", "null share") in crossed


def test_baseline_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(drift.BaselineError, match=r"nope\.json"):
        drift.load_baseline(missing)
    bad = tmp_path / "bad.json"
    bad.write_text('{"status": "ok",', encoding="utf-8")
    with pytest.raises(drift.BaselineError, match=r"bad.json:1:\d+: error: not JSON"):
        drift.load_baseline(bad)
    old = tmp_path / "old.json"
    old.write_text('{"status": "ok", "checks": []}', encoding="utf-8")
    with pytest.raises(drift.BaselineError, match="profiles"):
        drift.load_baseline(old)


# --- measured freshness ----------------------------------------------------------------------


def test_measured_date_contradicting_last_updated_raises_the_condition(tmp_path: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    # the newest collected_on in the sample is 2026-10-31 (the generator's AS_OF minus 1 day)
    newest = pd.read_csv(project / "data" / "lab_results.csv")["collected_on"].max()
    assert newest == "2026-10-31"
    apply_edits(project, {"problem_boundaries.data.sources[0].last_updated": dt.date(2026, 10, 20)})
    ev = gather(project)
    status = next(s for s in ev.sources if s.id == "lab_results")
    assert status.measured_updated == dt.date(2026, 10, 31) and status.declared_gap_days == 11
    assert status.age_days == 1  # the SLA is judged on the measured date, not the declared one
    conditions = [c for c in decide(ev).conditions if c.evidence == "freshness.lab_results"]
    assert len(conditions) == 1 and "11 days" in conditions[0].text


def test_agreeing_dates_raise_nothing() -> None:
    ev = gather(EXAMPLES / "medical_reports")
    check = next(c for c in ev.checks_of(families.SOURCES) if c.id == "freshness.lab_results")
    assert check.status == "pass" and "agrees" in check.detail
    assert not [c for c in decide(ev).conditions if c.evidence.startswith("freshness.")]


def test_missing_updated_column_is_an_error_naming_the_field(tmp_path: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    apply_edits(project, {"problem_boundaries.data.sources[0].updated_column": "result_date"})
    # located before anything runs, in validate and in the run alike
    where = "problem_boundaries.data.sources[0].updated_column: column 'result_date' is not in data/lab_results.csv"
    assert any(where in str(f) for f in validate(project).errors)
    with pytest.raises(AnswersError) as raised:
        gather(project)
    assert where in str(raised.value)


# --- calendar ---------------------------------------------------------------------------------


def test_calendar_holds_one_event_per_audit_review_and_role() -> None:
    record = _record(EXAMPLES / "medical_reports")
    answers = loading.load(EXAMPLES / "medical_reports").answers
    audits = answers.data_strategy.maintenance.audits
    verified = [s for s in answers.problem_boundaries.data.sources if s.verified_on]
    team = answers.data_quality.validation_team
    cal = icalendar.Calendar.from_ical(record_calendar(record))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(audits) + len(verified) + 1 + len(team)
    by_uid = {str(e["UID"]).split("@")[0]: e for e in events}
    monthly = by_uid["audit-monthly_output_audit"]
    assert monthly.decoded("DTSTART") == dt.date(2026, 10, 10) + dt.timedelta(days=30)
    assert str(monthly["CONTACT"]) == "Dr. Lena Ortiz"
    # last done 2026-03-20 every 180 days: overdue, so due on as_of
    assert by_uid["audit-range_catalogue_review"].decoded("DTSTART") == dt.date(2026, 11, 1)
    assert by_uid["record-review"].decoded("DTSTART") == dt.date(2026, 11, 1) + dt.timedelta(days=90)
    roles = [e for uid, e in by_uid.items() if uid.startswith("role-")]
    assert sorted(str(e["CONTACT"]) for e in roles) == sorted(m.person for m in team)
    clinician = next(e for e in roles if "clinician" in str(e["SUMMARY"]))
    assert clinician.decoded("DTSTART") == dt.date(2026, 10, 20) + dt.timedelta(days=180)
    assert len({str(e["UID"]) for e in events}) == len(events)


# --- trend ------------------------------------------------------------------------------------


def test_trend_chart_has_a_point_per_record_and_a_text_alternative() -> None:
    record = {
        "status": "ok",
        "as_of": "2026-12-01",
        "checks": [{"status": "fail"}, {"status": "warn"}, {"status": "pass"}],
        "conditions": [{}, {}, {}, {}],
        "history": [
            {
                "as_of": "2026-10-01",
                "executed_at": None,
                "decision": "GO",
                "failed_checks": 0,
                "conditions": 0,
            },
            {
                "as_of": "2026-11-01",
                "executed_at": None,
                "decision": "GO",
                "failed_checks": 1,
                "conditions": 2,
            },
        ],
    }
    svg = str(trend_svg(record))
    assert svg.count("<polyline") == 2 and svg.count(",") >= 6
    assert "2026-12-01: 2 failed checks, 4 conditions" in svg
    assert "2026-10-01: 0 failed checks, 0 conditions" in svg
    assert str(trend_svg({**record, "history": []})) == ""


def test_record_schema_documents_the_models() -> None:
    """docs/record.schema.json carries the JSON Schema of the profile and drift models."""
    from conftest import ROOT

    from kit.checks.drift import Comparison, HistoryPoint
    from kit.checks.profile import SourceProfile

    documented = json.loads((ROOT / "docs" / "record.schema.json").read_text(encoding="utf-8"))["$defs"]
    for model in (SourceProfile, Comparison, HistoryPoint):
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        for name, part in schema.pop("$defs", {}).items():
            assert documented[name] == part, name
        assert documented[model.__name__] == schema, model.__name__


@pytest.mark.notebook
def test_wbk_run_with_baseline_dir_end_to_end(tmp_path: Path) -> None:
    """Two runs: the second, on shifted data, against the first's output folder."""
    from kit.cli import main

    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["run", str(EXAMPLES / "medical_reports"), "--out", str(first)]) == 0
    project = copy_example("medical_reports", tmp_path / "next")
    _shift_and_drop(project)
    assert main(["run", str(project), "--out", str(second), "--baseline-dir", str(first)]) == 0
    record = json.loads((second / "medical_reports" / "record.json").read_text(encoding="utf-8"))
    # relative to the project, so no record carries this machine's paths
    given = record["provenance"]["parameters"]["baseline"]
    assert not Path(given).is_absolute()
    assert (project / given).resolve() == (first / "medical_reports" / "record.json").resolve()
    crossed = {(c["source"], c["column"]) for c in record["drift"]["comparisons"] if c["status"] == "crossed"}
    assert crossed == {("patients", "sex"), ("reference_ranges", "test_name")}
    html = (second / "medical_reports" / "record.html").read_text(encoding="utf-8")
    assert "Since the last record" in html and 'href="record.ics"' in html
    assert html.index("Since the last record") < html.index(
        'id="01_problem_boundaries"'
    )  # at the top of the evidence
    events = list(
        icalendar.Calendar.from_ical((second / "medical_reports" / "record.ics").read_bytes()).walk("VEVENT")
    )
    answers = loading.load(project).answers
    assert len(events) == (
        len(answers.data_strategy.maintenance.audits)
        + sum(bool(s.verified_on) for s in answers.problem_boundaries.data.sources)
        + 1
        + len(answers.data_quality.validation_team)
    )
    index = (second / "index.html").read_text(encoding="utf-8")
    assert index.count("<polyline") == 2 and f"{record['as_of']}: " in index


def test_baseline_flag_rejects_a_missing_file(tmp_path: Path, capsys) -> None:
    from kit.cli import main

    code = main(["run", str(EXAMPLES / "medical_reports"), "--out", str(tmp_path), "--baseline", "nope.json"])
    assert code == 2 and "--baseline nope.json: no such file" in capsys.readouterr().err


def test_a_run_over_an_earlier_record_extends_its_trend(tmp_path: Path) -> None:
    from kit.record.trend import carry_history

    earlier = {
        "status": "ok",
        "project": "P",
        "as_of": "2026-10-01",
        "checks": [{"status": "fail"}],
        "conditions": [{}],
        "history": [],
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(earlier), encoding="utf-8")
    now = {
        "status": "ok",
        "project": "P",
        "as_of": "2026-11-01",
        "checks": [],
        "conditions": [],
        "history": [],
    }
    carried = carry_history(now, path)
    assert [(p["as_of"], p["failed_checks"], p["conditions"]) for p in carried["history"]] == [
        ("2026-10-01", 1, 1)
    ]
    assert carry_history({**now, "project": "Q"}, path)["history"] == []  # another project's record
    assert carry_history(now, tmp_path / "missing.json")["history"] == []


def test_nested_columns_are_counted_not_described(tmp_path: Path) -> None:
    path = tmp_path / "nested.jsonl"
    path.write_text('{"a": {"x": 1}, "b": [1, 2], "c": "u"}\n{"a": null, "b": [3], "c": "v"}\n', "utf-8")
    p = profile.profile_table(ibis.duckdb.connect().read_json(str(path)), "n", "nested.jsonl")
    a, b, c = p.columns
    assert (a.nulls, a.distinct, a.top_values, b.nulls, b.distinct) == (1, None, None, 0, None)
    assert c.distinct == 2 and [v.value for v in c.top_values] == ["u", "v"]
