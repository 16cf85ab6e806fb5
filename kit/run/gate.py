"""What a batch exits with, and the machine-readable summary beside the human one.

One table (``EXIT_CODES``) is the contract with CI and schedulers; the README and ``wbk run --help``
print it from here. When several codes apply, the first row of ``PRECEDENCE`` that applies wins:
a usage error or invalid answers (2) before a failed project or a check that could not run (1)
before a decision that met ``--fail-on`` (3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# The decisions' words as kit.decide.decision spells them (tests/test_gate.py holds them equal):
# spelled here so that `wbk --help` does not import the checks and their engines.
CONDITIONS, NO_GO, DETERMINISTIC = "GO WITH CONDITIONS", "NO-GO", "USE A DETERMINISTIC SYSTEM"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_GATE = 0, 1, 2, 3
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "every project met the gate"),
    (
        EXIT_FAILED,
        "a project failed (a step could not finish) or a check could not run (unless --allow-errors)",
    ),
    (EXIT_USAGE, "usage error, or a project's answers are invalid (the located findings say where)"),
    (EXIT_GATE, "a project's decision met --fail-on"),
)
PRECEDENCE = (EXIT_USAGE, EXIT_FAILED, EXIT_GATE)

# --fail-on: the decisions that fail the gate. "error" gates on nothing but failures and errors.
FAIL_ON: dict[str, frozenset[str]] = {
    "error": frozenset(),
    "no-go": frozenset({NO_GO, DETERMINISTIC}),
    "conditions": frozenset({NO_GO, DETERMINISTIC, CONDITIONS}),
}
DEFAULT_FAIL_ON = "error"
INVALID_ANSWERS = "AnswersError"  # the exception a step raises on answers that do not validate


def exit_table() -> str:
    """The exit codes as the README and --help show them."""
    return "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES)


def fail_on_help() -> str:
    shown = {k: ", ".join(sorted(v)) or "no decision (failures and errors only)" for k, v in FAIL_ON.items()}
    return "; ".join(f"{k}: {v}" for k, v in shown.items())


@dataclass
class Verdict:
    """One project against the gate: the exit code it asks for (0 when it met it) and why."""

    project: str
    code: int
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def judge(name: str, status: str, rec: dict[str, Any], fail_on: str, allow_errors: bool) -> Verdict:
    """The exit code one project's outcome asks for."""
    failure = rec.get("failure") or {}
    errored = [c["id"] for c in rec.get("checks", []) if c.get("status") == "error"]
    decision = rec.get("decision")
    details = {
        "status": status,
        "decision": decision,
        "blockers": len(rec.get("blockers", [])),
        "conditions": len(rec.get("conditions", [])),
        "errored_checks": errored,
    }
    if status != "ok" and str(failure.get("error", "")).startswith(INVALID_ANSWERS):
        return Verdict(name, EXIT_USAGE, "invalid answers: " + failure["error"], details)
    if status != "ok":
        where = f"{failure.get('step')}, cell {failure.get('cell')}: " if failure else ""
        return Verdict(name, EXIT_FAILED, f"failed: {where}{failure.get('error', '')}".rstrip(": "), details)
    if errored and not allow_errors:
        return Verdict(name, EXIT_FAILED, f"checks could not run: {', '.join(errored)}", details)
    if decision in FAIL_ON[fail_on]:
        return Verdict(name, EXIT_GATE, f"decision {decision} fails --fail-on {fail_on}", details)
    return Verdict(name, EXIT_OK, "met the gate", details)


def exit_code(verdicts: list[Verdict]) -> int:
    codes = {v.code for v in verdicts}
    return next((code for code in PRECEDENCE if code in codes), EXIT_OK)


def summary_json(verdicts: list[Verdict], fail_on: str, allow_errors: bool) -> str:
    """OUT/summary.json: the batch's exit code and each project's, in project order (stable)."""
    data = {
        "exit_code": exit_code(verdicts),
        "fail_on": fail_on,
        "allow_errors": allow_errors,
        "exit_codes": {str(code): meaning for code, meaning in EXIT_CODES},
        "projects": [
            {"project": v.project, "exit_code": v.code, "reason": v.reason, **v.details}
            for v in sorted(verdicts, key=lambda v: v.project)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
