"""The new kinds find exactly the defects planted in a seeded claims-like table (tests/data_claims.py),
run as a project's rules: dates out of order, orphan foreign keys, rows matching a ``where``,
an expression, zoned timestamps and the row count, on CSV and on Parquet."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import data_claims
import pytest
import yaml
from conftest import EXAMPLES

from kit.answers import loading
from kit.checks import rules
from kit.run.project import validate

CLAIM_RULES = [
    {
        "id": "reported_after_incident",
        "columns": ["reported_date", "incident_date"],
        "check": "compare",
        "params": {"op": ">="},
    },
    {
        "id": "policy_exists",
        "columns": ["policy_id"],
        "check": "references",
        "params": {"dataset": "policies", "column": "policy_id"},
    },
    {
        "id": "closed_claims_paid",
        "columns": ["paid_amount"],
        "check": "not_null",
        "where": "status = 'closed'",
    },
    {"id": "paid_within_claim", "check": "expression", "params": {"sql": "paid_amount <= claimed_amount"}},
    {
        "id": "submitted_recently",
        "columns": ["submitted_at"],
        "check": "fresh_within",
        "params": {"days": 365},
    },
    {"id": "claims_volume", "check": "row_count", "params": {"min": 5000, "max": 5000}},
]
PLANTED_BY_RULE = {
    "reported_after_incident": "reported_before_incident",
    "policy_exists": "orphan_policy",
    "closed_claims_paid": "closed_unpaid",
    "paid_within_claim": "overpaid",
    "submitted_recently": "stale_submission",
}


def claims_project(tmp_path: Path, sample: str) -> tuple[Path, dict[str, list[str]]]:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "medical_reports", project)
    planted = data_claims.write(project / "data")
    answers = yaml.safe_load((project / "answers.yaml").read_text(encoding="utf-8"))
    answers["project"]["as_of"] = data_claims.AS_OF
    template = dict(answers["problem_boundaries"]["data"]["sources"][0])
    for source_id, file in (("claims", sample), ("policies", "data/policies.csv")):
        answers["problem_boundaries"]["data"]["sources"].append(
            copy.deepcopy({**template, "id": source_id, "sample": file})
        )
    answers["data_quality"]["rules"] += [
        {"dataset": "claims", "severity": "condition", **rule} for rule in CLAIM_RULES
    ]
    (project / "answers.yaml").write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    return project, planted


@pytest.fixture(scope="module", params=["data/claims.csv", "data/claims.parquet"])
def claims_run(request, tmp_path_factory):
    project, planted = claims_project(tmp_path_factory.mktemp("claims"), request.param)
    report = rules.run(loading.load(project))
    assert report.findings == []
    return {r.id: r for r in report.results}, planted


@pytest.mark.parametrize("rule", sorted(PLANTED_BY_RULE))
def test_new_kinds_find_exactly_the_planted_rows(claims_run, rule) -> None:
    results, planted = claims_run
    expected = planted[PLANTED_BY_RULE[rule]]
    result = results[rule]
    assert result.error == ""
    assert result.failed == len(expected)
    assert {e["claim_id"] for e in result.examples} <= set(expected)
    assert len(result.examples) == min(10, len(expected))


def test_where_counts_only_the_rows_it_selects(claims_run) -> None:
    results, _ = claims_run
    claims, _, _ = data_claims.generate()
    assert results["closed_claims_paid"].checked == int((claims.status == "closed").sum())
    assert "where `status = 'closed'`" in results["closed_claims_paid"].detail


def test_row_count_passes_on_the_exact_count(claims_run) -> None:
    results, _ = claims_run
    assert (results["claims_volume"].failed, results["claims_volume"].status) == (0, "pass")


def test_unrunnable_claims_rules_are_located_in_validate(tmp_path: Path) -> None:
    project, _ = claims_project(tmp_path, "data/claims.csv")
    text = (project / "answers.yaml").read_text(encoding="utf-8")
    text = text.replace("paid_amount <= claimed_amount", "paid_amount <= (SELECT 1)")
    text = text.replace("column: policy_id", "column: policy_no")
    (project / "answers.yaml").write_text(text, encoding="utf-8")
    errors = {f.path: f.message for f in validate(project).errors}
    assert "a subquery is not allowed" in errors["data_quality.rules[15].params.sql"]
    assert errors["data_quality.rules[13].params.column"] == "column 'policy_no' is not in dataset 'policies'"
