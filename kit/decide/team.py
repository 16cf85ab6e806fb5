"""The cross-disciplinary validation team: who validates what, and where each sign-off stands at as_of.

A sign-off's state, judged against the record's ``as_of`` (first matching line wins):

| signed decision          | finding                                              | state     |
|--------------------------|------------------------------------------------------|-----------|
| pending                  | -                                                    | pending   |
| any other                | dated after as_of                                    | invalid   |
| approved (w/ conditions) | no date                                              | stale     |
| approved (w/ conditions) | answers_sha256 differs from the answers' hash now    | stale     |
| approved (w/ conditions) | older than the re-review interval at as_of           | stale     |
| any other                | -                                                    | as signed |

A rejection stays a rejection however old: it blocks until the reviewer signs again. A sign-off
with no ``answers_sha256`` (written by hand, before ``wbk review``) is judged by its date only and
marked unverified. ``invalid`` never reaches a record: validate and run report it as an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from kit import phrases
from kit.answers import yamlfile
from kit.answers.schema import DEFAULT_REVIEW_INTERVAL_DAYS, Answers, SignOff, TeamMember
from kit.answers.signoff import content_sha256
from kit.paths import RUBRICS

APPROVALS = ("approved", "approved_with_conditions")


class ExpectedRole(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    keywords: list[str]
    sections: list[str] = []  # the record's sections this role reviews (wbk review shows them)


@dataclass(frozen=True)
class Judgement:
    state: str
    reason: str  # why, in a sentence a reviewer reads ("" when the sign-off stands as signed)
    verified: bool | None  # hash present and matching; None for a pending sign-off


@dataclass
class TeamReview:
    matrix: list[dict]  # one row per member; "decision" holds the judged state
    missing_roles: list[str]
    pending: list[str]
    rejected: list[str]
    stale: list[str]

    def sign_offs(self) -> list[dict]:
        """record.json's sign_offs: what was signed, and what it counts as at as_of."""
        return [
            {
                **{k: row[k] for k in ("role", "person", "reason", "verified", "answers_sha256")},
                "decision": row["signed"],
                "state": row["decision"],
                "new_since_signed": row.get("new_since_signed", []),
                "date": row["date"].isoformat() if row["date"] else None,
            }
            for row in self.matrix
        ]


def expected_roles(domain: str) -> list[ExpectedRole]:
    table = yamlfile.read(RUBRICS / "roles.yaml").data
    return [ExpectedRole.model_validate(r) for r in table.get(domain, [])]


def matching_role(role: str, domain: str) -> ExpectedRole | None:
    """The expected role a team member's role covers, by keyword."""
    return next(
        (e for e in expected_roles(domain) if any(k.casefold() in role.casefold() for k in e.keywords)),
        None,
    )


def interval_days(answers: Answers, member: TeamMember) -> int:
    return (
        member.review_interval_days
        or answers.data_quality.review_interval_days
        or DEFAULT_REVIEW_INTERVAL_DAYS
    )


def judge(sign_off: SignOff, as_of: dt.date, interval: int, current_sha256: str) -> Judgement:
    decision, signed = sign_off.decision, sign_off.date
    if decision == "pending":
        return Judgement("pending", "not signed yet", None)
    verified = sign_off.answers_sha256 == current_sha256 if sign_off.answers_sha256 else False
    if signed and signed > as_of:
        return Judgement("invalid", f"dated {signed}, after as_of {as_of}", verified)
    why_stale = _why_stale(sign_off, as_of, interval, current_sha256)
    if why_stale and decision in APPROVALS:
        return Judgement("stale", why_stale, verified)
    if why_stale:  # a rejection stands until the reviewer signs again
        return Judgement(decision, f"{why_stale}; the rejection stands until reviewed again", verified)
    if not sign_off.answers_sha256:
        return Judgement(decision, "unverified: no answers hash; judged by its date only", False)
    return Judgement(decision, "", True)


def _why_stale(sign_off: SignOff, as_of: dt.date, interval: int, current_sha256: str) -> str:
    if sign_off.date is None:
        return "undated: cannot tell whether it is within the re-review interval"
    if sign_off.answers_sha256 and sign_off.answers_sha256 != current_sha256:
        return f"the answers changed after it was signed on {sign_off.date}"
    age = (as_of - sign_off.date).days
    if age > interval:
        return (
            f"signed {phrases.plural(age, 'day')} before {as_of}; "
            f"the team re-reviews every {phrases.plural(interval, 'day')}"
        )
    return ""


def review(answers: Answers, as_of: dt.date) -> TeamReview:
    """The team matrix with each sign-off judged at the run's ``as_of``."""
    team = answers.data_quality.validation_team
    current = content_sha256(answers)
    matrix = []
    for member in team:
        interval = interval_days(answers, member)
        judged = judge(member.sign_off, as_of, interval, current)
        matrix.append(
            {
                "role": member.role,
                "person": member.person,
                "validates": member.validates,
                "decision": judged.state,
                "signed": member.sign_off.decision,
                "date": member.sign_off.date,
                "notes": member.sign_off.notes,
                "reason": judged.reason,
                "verified": judged.verified,
                "answers_sha256": member.sign_off.answers_sha256,
                "interval_days": interval,
            }
        )
    missing = [
        e.role
        for e in expected_roles(answers.project.domain)
        if not any(k.casefold() in m.role.casefold() for m in team for k in e.keywords)
    ]

    def who(state: str) -> list[str]:
        return [f"{row['role']} ({row['person']})" for row in matrix if row["decision"] == state]

    return TeamReview(matrix, missing, who("pending"), who("rejected"), who("stale"))
