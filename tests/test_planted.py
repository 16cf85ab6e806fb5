"""Every example's data is what its seeded generator writes, and every count the checks report is
the generator's planted truth (planted.json), for all three examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES
from planted import expected_checked_among, expected_failing, planted

from kit.checks.outputs import applies
from kit.decide.evidence import gather

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "generate_data.py").exists())


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_committed_data_is_exactly_what_the_generator_writes(example: str, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(EXAMPLES / example / "generate_data.py"), "--out", str(tmp_path)], check=True
    )
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert Path("planted.json") in written, "the generator states what it planted"
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (EXAMPLES / example / relative).read_bytes(), relative


# job_adverts states its truth by defect kind; tests/test_domains.py holds its check-by-check map.
BY_CHECK = [e for e in EXAMPLE_NAMES if e == "medical_reports" or "checks" in planted(e)]


@pytest.fixture(scope="module", params=BY_CHECK)
def reported(request):
    checks = {c.id: c for c in gather(EXAMPLES / request.param).checks if c.family in ("rule", "output")}
    return request.param, checks


def test_every_rule_and_output_check_fails_exactly_the_planted_count(reported) -> None:
    example, checks = reported
    expected = expected_failing(example, checks)
    assert {c: checks[c].failed for c in checks} == {c: len(ids) for c, ids in expected.items()}
    for check_id, result in checks.items():
        if check_id.startswith("output."):
            assert sorted(result.failing) == sorted(expected[check_id]), check_id


def test_every_check_reads_the_planted_rows(reported) -> None:
    example, checks = reported
    expected = expected_checked_among(example, checks)
    assert {c: checks[c].checked for c in expected} == expected  # output checks that do not apply: not run


@pytest.mark.parametrize("example", ["support_answers", "invoice_processing"])
def test_planted_truth_covers_every_check_of_the_answers(example: str) -> None:
    ev = gather(EXAMPLES / example)
    checks = {c.id for c in ev.checks if c.family in ("rule", "output")}
    # an output check with nothing to look at in this template (no range field, ...) does not run
    runnable = {
        c for c in planted(example)["checks"] if not c.startswith("output.") or applies(c, ev.template)
    }
    assert runnable == checks, "a new check needs its planted truth"
