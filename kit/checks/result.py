"""The result of one check, whatever its family (rules, sources, audits, bias, outputs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "error"]


@dataclass
class CheckResult:
    id: str
    family: Literal["rule", "source", "audit", "bias", "output", "drift"]
    checked: int
    failed: int
    severity: Literal["blocking", "warning"] = "blocking"
    min_pass_rate: float = 1.0
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_EXAMPLES
    failing: list[Any] = field(default_factory=list)  # every failing row index or output id
    detail: str = ""
    error: str = ""  # set when the check could not run; never counted as a pass

    @property
    def passed(self) -> int:
        return self.checked - self.failed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checked if self.checked else 1.0

    @property
    def status(self) -> Status:
        if self.error:
            return "error"
        if self.pass_rate >= self.min_pass_rate:
            return "pass"
        return "fail" if self.severity == "blocking" else "warn"

    def summary(self) -> dict[str, Any]:
        """The fields record.json keeps for every check."""
        return {
            "id": self.id,
            "family": self.family,
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "pass_rate": round(self.pass_rate, 6),
            "severity": self.severity,
        }


MAX_EXAMPLES = 10
