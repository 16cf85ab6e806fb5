"""The source inventory and the maintenance calendar, evaluated as of the project's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kit.answers.schema import Answers, Source
from kit.checks.result import CheckResult, guarded


@dataclass
class SourceStatus:
    id: str
    name: str
    scope: str
    licence: str
    licence_allowed: bool
    access: str
    verified: bool
    verified_by: str | None
    verified_on: dt.date | None
    last_updated: dt.date | None
    freshness_sla_days: int | None
    age_days: int | None
    stale: bool | None  # None when the dates needed to decide are missing

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.licence_allowed:
            out.append(f"licence {self.licence!r} is not allowed")
        if not self.verified:
            out.append("not verified")
        if self.stale:
            out.append(f"stale: updated {self.age_days} days ago, SLA {self.freshness_sla_days}")
        if self.stale is None:
            out.append("freshness unknown (needs last_updated and freshness_sla_days)")
        if self.access != "granted":
            out.append(f"access {self.access}")
        return out


def source_status(source: Source, allowed: set[str], as_of: dt.date) -> SourceStatus:
    age = (as_of - source.last_updated).days if source.last_updated else None
    stale = None if age is None or source.freshness_sla_days is None else age > source.freshness_sla_days
    return SourceStatus(
        id=source.id,
        name=source.name,
        scope=source.scope,
        licence=source.licence,
        licence_allowed=source.licence.casefold() in allowed,
        access=source.access,
        verified=bool(source.verified_by and source.verified_on and source.verified_on <= as_of),
        verified_by=source.verified_by,
        verified_on=source.verified_on,
        last_updated=source.last_updated,
        freshness_sla_days=source.freshness_sla_days,
        age_days=age,
        stale=stale,
    )


def inventory(answers: Answers, as_of: dt.date) -> list[SourceStatus]:
    allowed = {lic.casefold() for lic in answers.problem_boundaries.legal.allowed_licences}
    return [source_status(s, allowed, as_of) for s in answers.problem_boundaries.data.sources]


def used_sources(answers: Answers, template=None) -> set[str]:
    """Sources the product relies on: named by a rule, the outputs or the output template."""
    dq = answers.data_quality
    used = {r.dataset for r in dq.rules}
    if dq.generated_outputs:
        used.add(dq.generated_outputs.input_dataset)
    if template is not None:
        used |= {f.source for s in template.sections for f in s.fields if f.source}
    return used


def source_checks(answers: Answers, as_of: dt.date, template=None) -> list[CheckResult]:
    """One check per source the product uses; unused ones stay in the inventory table only."""
    used = used_sources(answers, template)
    return [
        guarded(f"source.{status.id}", "source", source_check, status, severity=_severity(status))
        for status in inventory(answers, as_of)
        if status.id in used
    ]


def _severity(status: SourceStatus) -> str:
    return "blocking" if not status.licence_allowed else "warning"


def source_check(status: SourceStatus) -> CheckResult:
    problems = status.problems
    return CheckResult(
        id=f"source.{status.id}",
        family="source",
        checked=1,
        failed=1 if problems else 0,
        severity=_severity(status),
        detail="; ".join(problems) or "allowed, verified, fresh, accessible",
    )


@dataclass
class AuditStatus:
    id: str
    name: str
    owner: str
    cadence_days: int
    last_done: dt.date | None
    next_due: dt.date | None
    overdue_days: int  # 0 when not overdue

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def audit_calendar(answers: Answers, as_of: dt.date) -> list[AuditStatus]:
    out = []
    for audit in answers.data_strategy.maintenance.audits:
        due = audit.last_done + dt.timedelta(days=audit.cadence_days) if audit.last_done else None
        overdue = (as_of - due).days if due else audit.cadence_days  # never done: overdue
        out.append(
            AuditStatus(
                audit.id, audit.name, audit.owner, audit.cadence_days, audit.last_done, due, max(0, overdue)
            )
        )
    return out


def audit_checks(answers: Answers, as_of: dt.date) -> list[CheckResult]:
    return [
        guarded(f"audit.{a.id}", "audit", audit_check, a, severity="warning")
        for a in audit_calendar(answers, as_of)
    ]


def audit_check(audit: AuditStatus) -> CheckResult:
    if audit.overdue and audit.next_due:
        detail = f"overdue by {audit.overdue_days} days (due {audit.next_due})"
    else:
        detail = "never done" if audit.overdue else f"next due {audit.next_due}"
    return CheckResult(
        id=f"audit.{audit.id}",
        family="audit",
        checked=1,
        failed=int(audit.overdue),
        severity="warning",
        detail=detail,
    )
