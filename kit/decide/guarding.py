"""The guard matrix: for each unacceptable output, the checks that ran and their results, the team
roles that review outputs before use (with their sign-off state), the audits (with their next date),
or "unguarded" when nothing of it stands. An unguarded output is a condition of the decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from kit.checks import guards
from kit.decide.evidence import Evidence


@dataclass
class GuardRow:
    index: int
    id: str
    description: str
    checks: list[dict] = field(default_factory=list)  # id, status, failed, checked ("did not run": error)
    reviews: list[dict] = field(default_factory=list)  # role, person, decision (judged at as_of)
    audits: list[dict] = field(default_factory=list)  # id, name, next_due, overdue_days
    named: list[str] = field(default_factory=list)  # caught_by as written

    @property
    def guarded(self) -> bool:
        """A check that ran on data, a role on the team, or an audit with a date stands guard."""
        ran = [c for c in self.checks if c["status"] != "error" and c["checked"]]
        return bool(ran or self.reviews or [a for a in self.audits if a["next_due"]])


def matrix(ev: Evidence) -> list[GuardRow]:
    results = {c.id: c for c in ev.data_quality_checks}
    members = {row["role"]: row for row in ev.team.matrix}
    audits = {a.id: a for a in ev.audits}
    rows = []
    for i, item in enumerate(ev.answers.data_quality.unacceptable_outputs):
        row = GuardRow(i, item.id, item.description, named=list(item.caught_by))
        for ref in item.caught_by:
            guard = guards.parse(ref)
            if guard.kind == guards.REVIEW and guard.name in members:
                m = members[guard.name]
                row.reviews.append({"role": m["role"], "person": m["person"], "decision": m["decision"]})
            elif guard.kind == guards.AUDIT and guard.name in audits:
                a = audits[guard.name]
                row.audits.append(
                    {"id": a.id, "name": a.name, "next_due": a.next_due, "overdue_days": a.overdue_days}
                )
            elif guard.kind == guards.CHECK:
                c = results.get(ref)
                row.checks.append(
                    {
                        "id": ref,
                        "status": c.status if c else "error",
                        "failed": c.failed if c else 0,
                        "checked": c.checked if c else 0,
                    }
                )
        rows.append(row)
    return rows
