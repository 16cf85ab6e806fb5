"""The legal and risk register: licences against the allowed list, risks, personal data."""

from __future__ import annotations

from dataclasses import dataclass

from kit.answers.schema import Answers
from kit.checks.sources import SourceStatus, used_sources
from kit.phrases import listing, plural


@dataclass
class LegalIssue:
    subject: str  # what the issue is about, e.g. "source health_forum" or "risk wrong_value"
    problem: str
    blocking: bool
    evidence: str  # the answer path that shows it


def register(answers: Answers, statuses: list[SourceStatus], template=None) -> list[LegalIssue]:
    """The legal issues of a project, from its source inventory (kit.checks.sources.inventory, made
    once per run) and its declared risks."""
    legal = answers.problem_boundaries.legal
    used = used_sources(answers, template)
    issues = []
    for i, status in enumerate(statuses):
        if not status.licence_allowed:
            in_use = status.id in used
            issues.append(
                LegalIssue(
                    f"source {status.id}",
                    f"licence {status.licence!r} is not among the "
                    f"{plural(len(legal.allowed_licences), 'allowed licence')} ({listing(legal.allowed_licences)})"
                    + (" and the product uses it" if in_use else "; the product must not use it"),
                    blocking=in_use,
                    evidence=f"problem_boundaries.data.sources[{i}].licence",
                )
            )
    for i, risk in enumerate(legal.risks):
        if risk.blocking:
            issues.append(
                LegalIssue(
                    f"risk {risk.id}",
                    f"unacceptable risk: {risk.description}",
                    True,
                    f"problem_boundaries.legal.risks[{i}].blocking",
                )
            )
    personal = legal.personal_data
    if (personal.personal or personal.health) and not personal.legal_basis:
        kind = "health" if personal.health else "personal"
        issues.append(
            LegalIssue(
                "personal data",
                f"{kind} data is processed without a stated legal basis",
                True,
                "problem_boundaries.legal.personal_data.legal_basis",
            )
        )
    return issues
