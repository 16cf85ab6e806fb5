"""Sign-offs bind to the evidence: what the reviewer saw of the decision is stored with the sign-off,
and an approval that did not see a condition raised now is stale, "signed before: N new conditions".

The failing row is planted here by hand: a copy of a clean requisition with a new id and a currency
other than EUR, which only the rule currency_euro (in_set EUR, passing on the example) rejects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import copy_example

from kit.answers import loading as answers_io
from kit.answers.signoff import content_sha256, sign
from kit.decide import seen
from kit.decide.decision import decide
from kit.decide.evidence import gather

COUNSEL = 3  # employment law counsel in job_adverts' team


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return copy_example("job_adverts", tmp_path)


def _sign(project: Path, member: int) -> None:
    ev = gather(project)
    evidence = seen.view(ev).sign_off_fields()
    sign(project, member, "approved", None, dt.date(2026, 11, 19), content_sha256(ev.answers), evidence)


def _add_requisition(project: Path, **changes: str) -> None:
    """One more row: the first requisition with a new id and the given columns changed."""
    csv = project / "data" / "requisitions.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    row.update({"requisition_id": "REQ-99999", **changes})
    csv.write_text("\n".join([*lines, ",".join(row[c] for c in header)]) + "\n", encoding="utf-8")


def test_the_sign_off_stores_what_the_reviewer_saw(job: Path) -> None:
    _sign(job, COUNSEL)
    signed = answers_io.load(job).answers.data_quality.validation_team[COUNSEL].sign_off
    assert len(signed.evidence_sha256) == 64
    # 14 conditions in the example (test_actions: 13 planted failures and one overdue audit)
    assert len(signed.items_seen) == 14
    assert gather(job).team.matrix[COUNSEL]["decision"] == "approved"


def test_a_new_failing_row_makes_the_sign_off_stale_with_one_new_condition(job: Path) -> None:
    assert "currency_euro" not in {c.evidence for c in decide(gather(job)).conditions}
    _sign(job, COUNSEL)
    _add_requisition(job, currency="USD")
    ev = gather(job)
    row = ev.team.matrix[COUNSEL]
    assert row["decision"] == "stale"
    assert "signed before: 1 new condition (currency_euro)" in row["reason"]
    assert row["new_since_signed"] == ["currency_euro"]
    # a stale sign-off is a condition of the decision, as any stale sign-off is
    assert any(
        c.evidence == f"data_quality.validation_team[{COUNSEL}].sign_off" and "signed before" in c.text
        for c in decide(ev).conditions
    )
    # the members who signed without wbk review (no evidence stored) are judged by date as before
    assert [r["decision"] for r in ev.team.matrix[:COUNSEL]] == ["approved"] * COUNSEL


def test_more_failures_of_a_condition_already_seen_are_not_new(job: Path) -> None:
    _sign(job, COUNSEL)
    _add_requisition(job, contract_type="freelance")  # contract_known already fails on 8 rows
    assert gather(job).team.matrix[COUNSEL]["decision"] == "approved"


def test_another_member_signing_leaves_the_first_as_signed(job: Path) -> None:
    _sign(job, COUNSEL)
    _sign(job, 0)
    assert [gather(job).team.matrix[i]["decision"] for i in (0, COUNSEL)] == ["approved", "approved"]


def test_the_first_screen_shows_the_approval_as_signed_before_one_new_condition(job: Path) -> None:
    from kit import workbook as wb
    from kit.record.summary import first_screen

    _sign(job, COUNSEL)
    _add_requisition(job, currency="USD")
    rec = {**wb.record_data(gather(job)), "status": "ok"}
    html = " ".join(first_screen(rec).split())
    row = html[html.index("employment law counsel") :].split("</tr>")[0]
    assert "approved" in row and "stale" in row
    assert "signed before: 1 new condition (currency_euro)" in row
    assert "Still to sign:</b> employment law counsel (Dr. Miriam Roth)" in html
