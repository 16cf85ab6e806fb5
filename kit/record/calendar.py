"""The record's audit calendar, ``record.ics``: every date the maintenance plan promises, with its owner.

One all-day event per audit (its next due date, repeating at its cadence), per verified source
(its next audit, ``monitoring.source_review_every_days`` after its verification), for the record's
next review (``monitoring.review_every_days`` after as_of) and per validation-team role (its
re-review, ``monitoring.role_review_every_days`` after its sign-off). Something already due falls on
as_of. And one to-do (VTODO) per open action of the path to GO (kit.decide.actions), due on its
due date, with its owner and how it closes. Built from a record.json alone, so any record's calendar
can be rebuilt.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import icalendar

from kit import __version__
from kit.answers.schema import Answers

CALENDAR_FILE = "record.ics"


@dataclass(frozen=True)
class Event:
    key: str  # stable across runs: a calendar app updates the event instead of adding another
    summary: str
    day: dt.date
    owner: str
    description: str
    every_days: int | None = None


def _due(day: dt.date | None, every: int, as_of: dt.date) -> dt.date:
    """The next date after ``day`` at the cadence; as_of when never done or already overdue."""
    return max(day + dt.timedelta(days=every), as_of) if day else as_of


def events(answers: Answers) -> list[Event]:
    as_of = answers.project.as_of
    plan = answers.data_strategy.monitoring
    out = [
        Event(
            f"audit-{a.id}",
            f"Audit: {a.name}",
            _due(a.last_done, a.cadence_days, as_of),
            a.owner,
            f"Every {a.cadence_days} days; last done {a.last_done or 'never'}.",
            a.cadence_days,
        )
        for a in answers.data_strategy.maintenance.audits
    ]
    out += [
        Event(
            f"source-{s.id}",
            f"Source audit: {s.name}",
            _due(s.verified_on, plan.source_review_every_days, as_of),
            s.owner or s.verified_by or answers.project.owner,
            f"Re-verify source {s.id} (licence, scope, access, freshness); last verified {s.verified_on} "
            f"by {s.verified_by}.",
            plan.source_review_every_days,
        )
        for s in answers.problem_boundaries.data.sources
        if s.verified_on
    ]
    out.append(
        Event(
            "record-review",
            f"Review the design record: {answers.project.name}",
            as_of + dt.timedelta(days=plan.review_every_days),
            answers.project.owner,
            f"Re-run wbk run with --baseline on the last record.json; evaluated as of {as_of}.",
            plan.review_every_days,
        )
    )
    for i, member in enumerate(answers.data_quality.validation_team):
        signed = member.sign_off.date if member.sign_off.decision != "pending" else None
        out.append(
            Event(
                f"role-{i}-{_slug(member.role)}",
                f"Re-review as {member.role}: {answers.project.name}",
                _due(signed, plan.role_review_every_days, as_of),
                member.person,
                f"{member.person} validates: {'; '.join(member.validates)}. "
                f"Last sign-off: {member.sign_off.decision} {signed or ''}".rstrip()
                + ".",
            )
        )
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def to_ics(answers: Answers, actions: list[dict[str, Any]] = ()) -> bytes:
    """The calendar as iCalendar bytes (RFC 5545): the events, then one to-do per open action."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Working Backwards Kit {__version__}//wbk//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Design record: {answers.project.name}")
    project = _slug(answers.project.name) or "project"
    stamp = dt.datetime.combine(answers.project.as_of, dt.time(), dt.UTC)  # reproducible output
    for item in events(answers):
        event = icalendar.Event()
        event.add("uid", f"{item.key}@{project}.wbk")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
        event.add("summary", f"{item.summary} ({item.owner})")
        event.add("description", f"Owner: {item.owner}. {item.description}")
        event.add("contact", item.owner)
        if item.every_days:
            event.add("rrule", {"freq": "daily", "interval": item.every_days})
        cal.add_component(event)
    seen: dict[str, int] = {}
    for action in actions:
        key = f"{action['severity']}-{_slug(action['evidence'])}"
        seen[key] = seen.get(key, 0) + 1
        key += f"-{seen[key]}" if seen[key] > 1 else ""
        cal.add_component(_todo(action, f"action-{key}@{project}.wbk", stamp, answers.project.name))
    return cal.to_ical()


def _todo(action: dict[str, Any], uid: str, stamp: dt.datetime, name: str) -> icalendar.Todo:
    """A to-do keyed by the item's evidence (not its number), so a re-run updates it."""
    todo = icalendar.Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", stamp)
    todo.add("due", dt.date.fromisoformat(action["due"]))
    todo.add("summary", f"{action['severity'].capitalize()} of {name} ({action['owner']}): {action['text']}")
    overdue = " Overdue." if action["overdue"] else ""
    todo.add("description", f"Owner: {action['owner']}.{overdue} Closes by {action['how']}.")
    todo.add("contact", action["owner"])
    todo.add("status", "NEEDS-ACTION")
    todo.add("priority", 1 if action["severity"] == "blocker" else 5)
    return todo


def record_calendar(record: dict[str, Any]) -> bytes:
    """The calendar of a record.json: its validated answers, as of the date the record was evaluated."""
    answers = Answers.model_validate(record["answers"])
    if record.get("as_of"):
        answers.project.as_of = dt.date.fromisoformat(record["as_of"])
    return to_ics(answers, (record.get("path_to_go") or {}).get("actions", []))
