"""The path to GO in the shared record: the first screen (within 800 px at 1280x800), record.json,
record.ics (one to-do per open action) and the PDF carry the same actions.

Built once with `wbk run --pdf` on the two examples with conditions. Expected counts are the
examples' planted truth as test_actions.py reads it (11 planted rule and output failures and one
overdue audit in job_adverts), not the kit's output compared with itself."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import icalendar
import pytest
from conftest import EXAMPLES
from test_actions import overdue_audits, planted_failing_checks, raw

from kit.cli import main

NAMES = ("job_adverts", "medical_reports")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("records")
    assert main(["run", *(str(EXAMPLES / n) for n in NAMES), "--out", str(out), "--jobs", "2", "--pdf"]) == 0
    return out


def record(built: Path, name: str) -> dict:
    return json.loads((built / name / "record.json").read_text(encoding="utf-8"))


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_record_json_has_an_action_for_every_planted_failure_and_overdue_audit(
    built: Path, name: str
) -> None:
    actions = record(built, name)["path_to_go"]["actions"]
    evidence = {a["evidence"] for a in actions}
    assert planted_failing_checks(name) | set(overdue_audits(raw(name))) <= evidence
    assert all(a["owner"] and a["due"] for a in actions)


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_the_calendar_has_one_todo_per_open_action_with_due_date_and_owner(built: Path, name: str) -> None:
    rec = record(built, name)
    calendar = icalendar.Calendar.from_ical((built / name / "record.ics").read_bytes())
    todos = [c for c in calendar.walk("VTODO")]
    assert len(todos) == len(rec["blockers"]) + len(rec["conditions"])
    as_of = raw(name)["project"]["as_of"]
    audits = overdue_audits(raw(name))
    for todo in todos:
        owner = str(todo["contact"])
        assert owner and owner in str(todo["summary"])
        due = todo["due"].dt
        assert due == as_of + dt.timedelta(days=30) or due in {d for _, d in audits.values()}
    assert len({str(t["uid"]) for t in todos}) == len(todos)


@pytest.mark.notebook
def test_the_pdf_names_every_owner_of_the_path(built: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(built / "job_adverts" / "record.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    assert "Path to GO" in flat
    for owner in ("HR operations", "Compensation & Benefits", "Hannah Schulz, Head of Talent Acquisition"):
        assert owner in flat
    assert "overdue since 2026-09-01" in flat  # the pay-band review: 2025-09-01 + 365 days


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_the_path_to_go_is_on_the_first_screen_and_links_to_every_action(
    built: Path, browser, name: str
) -> None:
    rec = record(built, name)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto((built / name / "record.html").as_uri())
    block = page.locator("#path-summary")
    box = block.bounding_box()
    assert box["y"] + box["height"] <= 800
    text = " ".join(block.inner_text().split())
    assert "When these" in text and "the decision becomes GO" in text
    first = rec["path_to_go"]["actions"][0]
    assert first["owner"] in text  # the most pressing owner is named on the first screen
    page.locator("#path-summary a[href='#path-to-go']").click()
    rows = page.locator("#path-to-go table.wbk-actions tbody tr")
    assert rows.count() == len(rec["blockers"]) + len(rec["conditions"])
    for action in rec["path_to_go"]["actions"]:
        row = " ".join(page.locator(f"#action-{action['id']}").inner_text().split())
        assert action["due"] in row
    page.close()


@pytest.mark.notebook
def test_the_header_says_what_the_dates_mean_and_when_the_next_review_is(built: Path) -> None:
    data = raw("job_adverts")
    review = data["project"]["as_of"] + dt.timedelta(days=90)  # monitoring.review_every_days default
    rec = record(built, "job_adverts")
    assert rec["next_review"] == {"date": review.isoformat(), "owner": data["project"]["owner"]}
    html = " ".join((built / "job_adverts" / "record.html").read_text(encoding="utf-8").split())
    assert f"Next review:</b> {review} by {data['project']['owner']}" in html
    assert "measured from the as-of date; executed is when the kit ran the checks" in html
    assert "The record opens with step 4" in html
