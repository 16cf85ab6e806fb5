"""Words of the record that must not reassure wrongly or confuse (issue 23): an overdue audit is a
problem of its source, the team is "covered" (not "adequate"), examples say "first 10 of 11",
estimated counts say why. Expected numbers are computed here from the example's files."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import EXAMPLES
from planted import planted

from kit import workbook as wb
from kit.answers import yamlfile
from kit.decide.evidence import gather


@pytest.fixture(scope="module")
def job():
    return gather(EXAMPLES / "job_adverts")


def flat(block) -> str:
    return " ".join(str(block).split())


def test_a_source_with_an_overdue_audit_never_reads_problems_none(job) -> None:
    data = yamlfile.read(EXAMPLES / "job_adverts" / "answers.yaml").data
    audit = next(a for a in data["data_strategy"]["maintenance"]["audits"] if a["id"] == "pay_band_review")
    overdue = (data["project"]["as_of"] - audit["last_done"] - dt.timedelta(days=audit["cadence_days"])).days
    assert overdue == 80
    html = flat(wb.sources(job))
    row = html[html.index('id="source-pay_bands"') :].split("</tr>")[0]
    assert f"audit pay_band_review (Annual pay-band review) is {overdue} days overdue" in row
    assert ">none<" not in row


def test_team_completeness_says_covered_not_adequate(job) -> None:
    html = flat(wb.team(job))
    assert "Roles covered" in html and "adequa" not in html.lower()


def test_example_lists_say_first_10_of_11(job) -> None:
    failing = len(planted("job_adverts")["rows"]["missing_salary"])
    assert failing == 11
    assert f"first 10 of {failing} examples" in flat(wb.rules(job))


def test_estimated_distinct_counts_say_why(job) -> None:
    html = flat(wb.profiles(job))
    assert "(estimated)" in html and "(approx.)" not in html
    assert "above 1,000 distinct values" in html and "always exact" in html
