"""The cross-disciplinary validation team: who validates what, who signed off, who is missing."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from kit.answers import yamlfile
from kit.answers.schema import Answers
from kit.paths import RUBRICS


class ExpectedRole(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    keywords: list[str]


@dataclass
class TeamReview:
    matrix: list[dict]  # one row per member: role, person, validates, decision, date
    missing_roles: list[str]
    pending: list[str]
    rejected: list[str]


def expected_roles(domain: str) -> list[ExpectedRole]:
    table = yamlfile.read(RUBRICS / "roles.yaml").data
    return [ExpectedRole.model_validate(r) for r in table.get(domain, [])]


def review(answers: Answers) -> TeamReview:
    team = answers.data_quality.validation_team
    matrix = [
        {
            "role": m.role,
            "person": m.person,
            "validates": m.validates,
            "decision": m.sign_off.decision,
            "date": m.sign_off.date,
            "notes": m.sign_off.notes,
        }
        for m in team
    ]
    roles = [m.role.casefold() for m in team]
    missing = [
        e.role
        for e in expected_roles(answers.project.domain)
        if not any(k.casefold() in r for r in roles for k in e.keywords)
    ]
    pending = [f"{m.role} ({m.person})" for m in team if m.sign_off.decision == "pending"]
    rejected = [f"{m.role} ({m.person})" for m in team if m.sign_off.decision == "rejected"]
    return TeamReview(matrix, missing, pending, rejected)
