"""Run options travel beside the answers, never inside them: --as-of moves every date check and
leaves the answers (and so record.answers and wbk diff) exactly as the file says."""

from __future__ import annotations

import datetime as dt
import json

from conftest import EXAMPLES

from kit import workbook
from kit.answers import loading
from kit.checks import families
from kit.decide.evidence import gather

MEDICAL = EXAMPLES / "medical_reports"
LATER = dt.date(2027, 6, 1)


def test_as_of_moves_the_checks_not_the_answers() -> None:
    file_answers = json.loads(json.dumps(loading.to_data(loading.load(MEDICAL).answers), default=str))
    today, later = gather(MEDICAL), gather(MEDICAL, LATER.isoformat())
    assert later.as_of == LATER and today.as_of == dt.date.fromisoformat(file_answers["project"]["as_of"])
    assert later.answers.project.as_of == today.answers.project.as_of  # the file's date, untouched
    record = workbook.record_data(later)
    assert record["answers"] == file_answers
    assert record["as_of"] == "2027-06-01"
    # and the date did move the checks: an audit that is on time today is overdue by then
    on_time = {c.id: c.failed for c in today.checks_of(families.AUDITS)}
    overdue = {c.id: c.failed for c in later.checks_of(families.AUDITS)}
    assert on_time["audit.monthly_output_audit"] == 0 and overdue["audit.monthly_output_audit"] == 1
    stale = {s.id: s.stale for s in later.sources}
    assert stale["lab_results"] and not {s.id: s.stale for s in today.sources}["lab_results"]
