"""Acceptances: a team member whose role may accept (``may_accept: true``) records that a "resolve
or accept" condition or a warning may stand, with a reason and an expiry date.

They live in the answers' top-level ``acceptances`` list and are never removed: a later acceptance
of the same item replaces the earlier one, which stays as history. What an acceptance counts as in
a run (holding, stale, expired, refused) is judged in kit.decide.acceptances; here are the located
findings a file can be refused for, and the one writer (``accept``), used by ``wbk review``.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from kit.answers import loading as answers_io
from kit.answers.schema import Acceptance, Answers
from kit.answers.signoff import AnswersChanged, SignOffRefused, content_sha256, locked
from kit.findings import Finding, format_path


def allowed_roles(answers: Answers) -> list[str]:
    """The roles that may accept: team members with ``may_accept: true``."""
    return [m.role for m in answers.data_quality.validation_team if m.may_accept]


def _member_allowed(answers: Answers, role: str) -> bool:
    return role.strip().casefold() in {r.casefold() for r in allowed_roles(answers)}


def problems(answers: Answers, acceptance: Any, as_of: dt.date) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with one acceptance, read from the answers alone."""
    out = []
    if not _member_allowed(answers, acceptance.by_role):
        allowed = ", ".join(allowed_roles(answers)) or "none (no team member has may_accept: true)"
        out.append(("by_role", f"{acceptance.by_role!r} may not accept; roles that may: {allowed}"))
    if acceptance.expires <= acceptance.date:
        out.append(
            ("expires", f"expires on {acceptance.expires}, not after it was accepted ({acceptance.date})")
        )
    if acceptance.date > as_of:
        out.append(
            (
                "date",
                f"accepted on {acceptance.date}, after as_of {as_of}; nobody can accept what is judged later",
            )
        )
    return out


def findings(answers: Answers, document, as_of: dt.date) -> list[Finding]:
    """Located errors of the acceptances: a role that may not accept, an expiry not after the
    acceptance, an acceptance dated after as_of."""
    out = []
    for i, acceptance in enumerate(answers.acceptances):
        for field, message in problems(answers, acceptance, as_of):
            loc = ("acceptances", i, field)
            line, column = document.locate(loc)
            out.append(Finding(str(document.path), line, column, format_path(loc), message))
    return out


def accept(
    project,
    item: str,
    by_role: str,
    reason: str,
    date: dt.date,
    expires: dt.date,
    evidence_sha256: str,
    seen_sha256: str,
) -> answers_io.Loaded:
    """Append one acceptance to the project's answers and return the answers as saved. Refused
    (SignOffRefused) for a role that may not accept, a missing reason or a bad date, and
    (AnswersChanged) when the answers are no longer the ones the reviewer saw."""
    path = answers_io.answers_path(project)
    with locked(path):
        loaded = answers_io.load(path)
        current = content_sha256(loaded.answers)
        if current != seen_sha256:
            raise AnswersChanged(
                f"{path.name} changed since you loaded it; reload the review page and accept again"
            )
        if not reason.strip():
            raise SignOffRefused("write why the condition may stand in the reason")
        entry = {
            "item": item,
            "by_role": by_role,
            "reason": reason.strip(),
            "date": date,
            "expires": expires,
            "evidence_sha256": evidence_sha256,
        }
        wrong = problems(loaded.answers, Acceptance.model_validate(entry), loaded.answers.project.as_of)
        if wrong:
            raise SignOffRefused("; ".join(message for _, message in wrong))
        data = copy.deepcopy(loaded.document.data)
        data.setdefault("acceptances", []).append(entry)
        return answers_io.save(loaded.document, data)
