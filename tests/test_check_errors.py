"""A check that breaks is never a pass: in every family, an exception inside a check function
becomes status ``error``, a blocker of the decision, and a non-zero exit of ``wbk run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import EXAMPLES
from hypothesis import given
from hypothesis import strategies as st

from kit import workbook
from kit.checks import bias, drift, families, outputs, sources
from kit.checks.engine import count
from kit.checks.result import CheckResult, status_of
from kit.decide import evidence
from kit.decide.decision import NO_GO, decide

MEDICAL = EXAMPLES / "medical_reports"


def boom(*args, **kwargs):
    raise RuntimeError("disk on fire\nTraceback (most recent call last): must not be shown")


# family -> (module, attribute to break)
INJECTIONS = {
    "rule": [(count, "rows")],  # the backend query itself fails
    "source": [(sources, "source_check"), (sources, "freshness_check")],
    "audit": [(sources, "audit_check")],
    "bias": [(bias, "measure")],
}


@pytest.fixture(autouse=True)
def fresh_evidence(monkeypatch):
    """gather() caches by file versions; a monkeypatched check must be measured anew."""
    monkeypatch.setattr(evidence, "_cache", {})


def _planned(family: str) -> list[str]:
    ev = evidence.gather(MEDICAL)
    return [c.id for c in ev.checks_of(families.family(family))]


@pytest.mark.parametrize("family", sorted(INJECTIONS))
def test_a_raising_check_is_an_error_and_a_blocker(family: str, monkeypatch) -> None:
    planned = _planned(family)
    assert planned, f"the medical example has no {family} checks to break"
    monkeypatch.setattr(evidence, "_cache", {})
    for module, attribute in INJECTIONS[family]:
        monkeypatch.setattr(module, attribute, boom)
    ev = evidence.gather(MEDICAL)
    broken = ev.checks_of(families.family(family))
    assert [c.id for c in broken] == planned
    assert {c.status for c in broken} == {"error"}
    assert all("disk on fire" in c.error and "Traceback" not in c.error for c in broken)
    outcome = decide(ev)
    blocked = {b.evidence for b in outcome.blockers}
    assert set(planned) <= blocked
    assert outcome.decision == NO_GO
    others = [c for c in ev.checks if c.family != family]
    assert "error" not in {c.status for c in others}


def test_a_broken_comparison_with_the_baseline_is_an_error(tmp_path: Path, monkeypatch) -> None:
    baseline = tmp_path / "record.json"
    earlier = {**workbook.record_data(evidence.gather(MEDICAL)), "status": "ok"}
    baseline.write_text(json.dumps(earlier), encoding="utf-8")
    monkeypatch.setattr(evidence, "_cache", {})
    monkeypatch.setattr(drift, "compare", boom)
    ev = evidence.gather(MEDICAL, baseline=baseline)
    assert [(c.id, c.status) for c in ev.checks_of(families.DRIFT)] == [("drift", "error")]
    assert "drift" in {b.evidence for b in decide(ev).blockers}
    assert ev.drift is None


def test_one_broken_output_check_leaves_its_siblings_measured(monkeypatch) -> None:
    monkeypatch.setitem(outputs.OUTPUT_CHECKS, "output.values_match", (boom, "values equal the input"))
    ev = evidence.gather(MEDICAL)
    status = {c.id: c.status for c in ev.checks_of(families.OUTPUTS)}
    assert status.pop("output.values_match") == "error"
    assert "error" not in status.values() and len(status) == len(outputs.OUTPUT_CHECKS) - 1
    assert "output.values_match" in {b.evidence for b in decide(ev).blockers}


def test_a_family_whose_run_raises_reports_every_planned_check(monkeypatch) -> None:
    """A toy family added with one registry entry: its checks reach the evidence and the decision."""
    toy = families.Family(
        "toy",
        "Toy checks",
        "a family added by a test",
        run=boom,
        planned=lambda s: ["toy.a", "toy.b"],
    )
    monkeypatch.setattr(families, "FAMILIES", (*families.FAMILIES, toy))
    ev = evidence.gather(MEDICAL)
    assert [(c.id, c.status) for c in ev.checks_of(toy)] == [("toy.a", "error"), ("toy.b", "error")]
    assert {"toy.a", "toy.b"} <= {b.evidence for b in decide(ev).blockers}


@pytest.mark.parametrize("becomes", ["blocker", "condition"])
def test_what_a_failure_becomes_is_the_familys_table_entry(monkeypatch, becomes: str) -> None:
    toy = families.Family(
        "toy",
        "Toy checks",
        "a family added by a test",
        run=lambda s: [CheckResult("toy.a", 4, 1)],
        planned=lambda s: ["toy.a"],
        on_failure=becomes,
    )
    monkeypatch.setattr(families, "FAMILIES", (*families.FAMILIES, toy))
    outcome = decide(evidence.gather(MEDICAL))
    where = {"blocker": outcome.blockers, "condition": outcome.conditions}
    assert [i.evidence for i in where[becomes] if i.evidence == "toy.a"] == ["toy.a"]
    other = where["condition" if becomes == "blocker" else "blocker"]
    assert "toy.a" not in {i.evidence for i in other}
    assert "1 of 4" in next(i.text for i in where[becomes] if i.evidence == "toy.a")


@given(
    checked=st.integers(min_value=0, max_value=10**7),
    failed_share=st.fractions(min_value=0, max_value=1),
    required_millionths=st.integers(min_value=0, max_value=10**6),
    severity=st.sampled_from(["blocker", "condition", "warning"]),
)
def test_status_follows_from_counts_and_the_allowed_rate(
    checked, failed_share, required_millionths, severity
):
    failed = int(checked * failed_share)
    rate = required_millionths / 10**6
    # independent: integer arithmetic in millionths, no floats
    passes = checked == 0 or (checked - failed) * 10**6 >= required_millionths * checked
    expected = "pass" if passes else ("warn" if severity == "warning" else "fail")
    assert status_of(checked, failed, rate, severity) == expected
    assert CheckResult("x", checked, failed, severity, rate).status == expected
    assert status_of(checked, failed, rate, severity, error="broke") == "error"
    assert Fraction(required_millionths, 10**6) == Fraction(str(rate))


def test_one_failure_in_many_fails_when_all_must_pass() -> None:
    assert status_of(26115, 1, 1.0, "condition") == "fail"
    assert status_of(10**7, 1, 0.9999999, "condition") == "pass"
    assert status_of(10**7, 2, 0.9999999, "condition") == "fail"


def test_impossible_counts_are_errors() -> None:
    assert status_of(5, 6, 1.0, "condition") == "error"
    assert status_of(5, -1, 1.0, "warning") == "error"


INJECT = """
import kit.checks.bias

def _boom(*args, **kwargs):
    raise RuntimeError("injected by the test")

kit.checks.bias.measure = _boom
"""


@pytest.mark.notebook
@pytest.mark.parametrize("allow", [False, True])
def test_wbk_run_exits_non_zero_when_a_check_errored(tmp_path: Path, allow: bool) -> None:
    """The injection reaches the kernel through sitecustomize: the whole stack runs for real."""
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(INJECT, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(inject), os.environ.get("PYTHONPATH")])),
    }
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kit.cli", "run", str(MEDICAL), "--out", str(out)]
    done = subprocess.run(
        command + (["--allow-errors"] if allow else []), env=env, capture_output=True, text=True
    )
    record = json.loads((out / "medical_reports" / "record.json").read_text())
    errored = sorted(c["id"] for c in record["checks"] if c["status"] == "error")
    assert errored == ["bias.age_mix", "bias.sex_mix"]
    assert record["decision"] == NO_GO
    assert {"bias.age_mix", "bias.sex_mix"} <= {b["evidence"] for b in record["blockers"]}
    assert done.returncode == (0 if allow else 1), done.stderr
    if not allow:
        assert "medical_reports: checks could not run: bias.sex_mix, bias.age_mix (exit 1)" in done.stderr
    index = (out / "index.html").read_text()
    assert "2 checks could not run: bias.sex_mix, bias.age_mix" in index  # in the answers' order
