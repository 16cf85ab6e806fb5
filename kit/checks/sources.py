"""The source inventory and the maintenance calendar, evaluated as of the project's date.

A source that names its ``updated_column`` is judged on the newest date measured in its sample (from
its profile), not on the ``last_updated`` an analyst typed; the two are compared as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kit import phrases
from kit.answers.schema import Answers, Source
from kit.checks.engine.datasets import missing_column
from kit.checks.profile import SourceProfile, newest_date
from kit.checks.result import CheckResult, guarded
from kit.findings import Finding

# The declared and the measured last update may differ by a day (a nightly load) before the
# declaration counts as stale or wrong.
FRESHNESS_TOLERANCE_DAYS = 1


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
    updated_column: str | None = None
    measured_updated: dt.date | None = None  # newest date in updated_column of the sample

    @property
    def updated(self) -> dt.date | None:
        """The date freshness is judged on: measured when the source names its dating column."""
        return self.measured_updated or self.last_updated

    @property
    def declared_gap_days(self) -> int | None:
        """Days between the declared last_updated and the newest date in the data."""
        if self.measured_updated is None or self.last_updated is None:
            return None
        return abs((self.last_updated - self.measured_updated).days)

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


def source_status(
    source: Source, allowed: set[str], as_of: dt.date, measured: dt.date | None = None
) -> SourceStatus:
    updated = measured or source.last_updated
    age = (as_of - updated).days if updated else None
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
        updated_column=source.updated_column,
        measured_updated=measured,
    )


def inventory(
    answers: Answers, as_of: dt.date, profiles: dict[str, SourceProfile] | None = None
) -> list[SourceStatus]:
    allowed = {lic.casefold() for lic in answers.problem_boundaries.legal.allowed_licences}
    return [
        source_status(s, allowed, as_of, _measured(s, profiles or {}))
        for s in answers.problem_boundaries.data.sources
    ]


def _measured(source: Source, profiles: dict[str, SourceProfile]) -> dt.date | None:
    profile = profiles.get(source.id)
    return newest_date(profile, source.updated_column) if profile and source.updated_column else None


def freshness_checks(answers: Answers, profiles: dict[str, SourceProfile]) -> list[CheckResult]:
    """One check per source naming an updated_column: does the data agree with last_updated?"""
    return [
        guarded(f"freshness.{source.id}", freshness_check, i, source, profiles, severity="warning")
        for i, source in enumerate(answers.problem_boundaries.data.sources)
        if source.updated_column
    ]


def freshness_check(index: int, source: Source, profiles: dict[str, SourceProfile]) -> CheckResult:
    check = CheckResult(f"freshness.{source.id}", checked=1, failed=0, severity="warning", judged=source)
    where = f"problem_boundaries.data.sources[{index}].updated_column"
    profile = profiles.get(source.id)
    measured = _measured(source, profiles)
    if profile is None:
        check.error = f"{where}: {source.id} has no sample to measure"
    elif profile.column(source.updated_column) is None:
        check.error = f"{where}: column {source.updated_column!r} is not in {profile.sample}"
    elif measured is None:
        check.error = f"{where}: column {source.updated_column!r} holds no date"
    else:
        check.failed, check.detail = _freshness_verdict(source, measured)
    return check


def _freshness_verdict(source: Source, measured: dt.date) -> tuple[int, str]:
    newest = f"newest {source.updated_column} in the data {phrases.date(measured)}"
    if source.last_updated is None:
        return 1, f"{newest}; last_updated is not declared"
    gap = abs((source.last_updated - measured).days)
    declared = f"declared last_updated {phrases.date(source.last_updated)}"
    if gap > FRESHNESS_TOLERANCE_DAYS:
        return 1, f"{declared} disagrees with the {newest} by {phrases.plural(gap, 'day')}"
    return 0, f"{declared} agrees with the {newest}"


def used_sources(answers: Answers, template=None) -> set[str]:
    """Sources the product relies on: named by a rule, the outputs or the output template."""
    dq = answers.data_quality
    used = {r.dataset for r in dq.rules}
    if dq.generated_outputs:
        used.add(dq.generated_outputs.input_dataset)
    if template is not None:
        used |= {f.source for s in template.sections for f in s.fields if f.source}
    return used


def source_checks(answers: Answers, statuses: list[SourceStatus], template=None) -> list[CheckResult]:
    """One check per source the product uses, judged on its status in the ``inventory`` (made once
    per run); unused ones stay in the inventory table only."""
    used = used_sources(answers, template)
    return [
        guarded(f"source.{status.id}", source_check, status, severity=_severity(status))
        for status in statuses
        if status.id in used
    ]


def _severity(status: SourceStatus) -> str:
    return "condition" if not status.licence_allowed else "warning"


def source_check(status: SourceStatus) -> CheckResult:
    problems = status.problems
    return CheckResult(
        id=f"source.{status.id}",
        checked=1,
        failed=1 if problems else 0,
        severity=_severity(status),
        detail="; ".join(problems) or "allowed, verified, fresh, accessible",
        judged=status,
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


def audit_checks(calendar: list[AuditStatus]) -> list[CheckResult]:
    """One check per audit of the ``audit_calendar`` (made once per run)."""
    return [guarded(f"audit.{a.id}", audit_check, a, severity="warning") for a in calendar]


def audit_check(audit: AuditStatus) -> CheckResult:
    if audit.overdue and audit.next_due:
        detail = f"overdue by {audit.overdue_days} days (due {audit.next_due})"
    else:
        detail = "never done" if audit.overdue else f"next due {audit.next_due}"
    return CheckResult(
        id=f"audit.{audit.id}",
        checked=1,
        failed=int(audit.overdue),
        severity="warning",
        detail=detail,
        judged=audit,
    )


def declaration_findings(loaded, tables: dict | None = None) -> list[Finding]:
    """An updated_column the source's data lacks is an answers error, found before running;
    ``tables``: the sources the prepared plan opened."""
    return [
        finding
        for i, source in enumerate(loaded.answers.problem_boundaries.data.sources)
        if source.updated_column
        for finding in missing_column(
            loaded,
            source,
            source.updated_column,
            ("problem_boundaries", "data", "sources", i, "updated_column"),
            tables,
        )
    ]
