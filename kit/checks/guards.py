"""What guards an unacceptable output (its ``caught_by``): a check that runs (a rule or output-check
id), a team role that reviews outputs before use (``review:<role>``, the role exactly as the
validation team names it), or an audit (``audit:<audit id>``). Nothing at all is allowed too, and
the record then says the output is unguarded."""

from __future__ import annotations

from dataclasses import dataclass

from kit.findings import did_you_mean

REVIEW, AUDIT = "review:", "audit:"


CHECK = ""  # a guard without a prefix is a check id


@dataclass(frozen=True)
class Guard:
    kind: str  # its prefix: CHECK, REVIEW or AUDIT
    name: str  # the check id, the role, the audit id


def parse(ref: str) -> Guard:
    for prefix in (REVIEW, AUDIT):
        if ref.startswith(prefix):
            return Guard(prefix, ref.removeprefix(prefix).strip())
    return Guard(CHECK, ref)


def problem(ref: str, answers, check_ids: set[str]) -> str | None:
    """Why ``ref`` guards nothing, or None. Check ids are validated by the caller, which knows which run."""
    guard = parse(ref)
    if guard.kind == REVIEW:
        roles = [m.role for m in answers.data_quality.validation_team]
        if guard.name not in roles:
            return f"no role {guard.name!r} in the validation team" + did_you_mean(
                guard.name, roles, list_known=True
            )
    elif guard.kind == AUDIT:
        audits = [a.id for a in answers.data_strategy.maintenance.audits]
        if guard.name not in audits:
            return f"no audit {guard.name!r} in data_strategy.maintenance.audits" + did_you_mean(
                guard.name, audits, list_known=True
            )
    return None
