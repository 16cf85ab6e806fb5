"""The result of one check, whatever its family (rules, sources, audits, bias, outputs).

Every check ends in exactly one status, decided by ``status_of`` alone: ``error`` when it could
not run (never a pass), else ``pass`` when its pass rate reaches the required rate, else ``fail``
for a rule whose failure is a blocker or a condition and ``warn`` for a warning (the severity
words are kit.answers.schema.SEVERITIES).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, Union

from kit.answers.schema import Rule, RuleSeverity, Source

if TYPE_CHECKING:  # the families' own measurements; their modules import this one
    from kit.checks.bias import BiasResult
    from kit.checks.slices import Sliced
    from kit.checks.sources import AuditStatus, SourceStatus

# What a check judged, so its sentence never rebuilds an id to find it again: the rule, the
# source (its freshness), the source's or audit's status, the bias measurement (None: the check
# id and detail say it all).
Judged = Union[Rule, Source, "SourceStatus", "AuditStatus", "BiasResult", "Sliced", None]

Status = Literal["pass", "warn", "fail", "error"]
MAX_EXAMPLES = 10


def status_of(
    checked: int, failed: int, min_pass_rate: float, severity: RuleSeverity, error: str = ""
) -> Status:
    """The one place a status is decided. The rate is compared exactly (no float rounding), so
    one failing row in a million is a failure when every row must pass."""
    if error:
        return "error"
    if checked < 0 or failed < 0 or failed > checked:
        return "error"  # impossible counts mean the check itself went wrong
    if checked == 0 or (checked - failed) * 1 >= _exact(min_pass_rate) * checked:
        return "pass"
    return "warn" if severity == "warning" else "fail"


def _exact(rate: float) -> Fraction:
    """0.99 as 99/100, not as the binary float nearest to it."""
    return Fraction(str(rate))


@dataclass
class CheckResult:
    id: str
    checked: int
    failed: int
    severity: RuleSeverity = "condition"
    min_pass_rate: float = 1.0
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_EXAMPLES
    failing: list[Any] = field(default_factory=list)  # failing output ids (small families only)
    detail: str = ""
    error: str = ""  # set when the check could not run; never counted as a pass
    judged: Judged = None
    # The name of the family that ran it (kit.checks.families), stamped by the family's run: a
    # check module never names its own family.
    family: str = ""

    @property
    def passed(self) -> int:
        return self.checked - self.failed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checked if self.checked else 1.0

    @property
    def status(self) -> Status:
        return status_of(self.checked, self.failed, self.min_pass_rate, self.severity, self.error)

    def summary(self) -> dict[str, Any]:
        """The fields record.json keeps for every check."""
        out = {
            "id": self.id,
            "family": self.family,
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "pass_rate": round(self.pass_rate, 6),
            "severity": self.severity,
        }
        if self.error:
            out["error"] = self.error
        return out


def could_not_run(check_id: str, exc: BaseException, severity: RuleSeverity = "condition") -> CheckResult:
    """A check whose function raised: status error, with the library's message and no traceback."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return CheckResult(check_id, 0, 0, severity, error=f"{type(exc).__name__}: {message}".rstrip(": "))


def guarded(check_id: str, measure, *args: Any, severity: RuleSeverity = "condition") -> CheckResult:
    """``measure(*args)``, or an error result when it raises: one broken check never passes and
    never takes its siblings down."""
    try:
        return measure(*args)
    except Exception as exc:  # any library's failure means the check could not run
        return could_not_run(check_id, exc, severity)
