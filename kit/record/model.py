"""record.json as one typed model. ``build`` is the one function that makes a record, for a run
that finished and for one that failed; docs/record.schema.json is generated from ``Record``
(``python -m kit.record.model > docs/record.schema.json``) and a test keeps the two equal.

The step-4 notebook emits the evidence part (``Body``, from kit.workbook.record_data) under its
own mimetype; ``wbk run`` reads it back and adds what only the run knows (status, failure,
provenance).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from kit.checks.drift import Comparison, HistoryPoint
from kit.checks.profile import SourceProfile
from kit.decide.frameworks import FrameworkCoverage
from kit.record.trend import carry_history

Decision = Literal["GO", "GO WITH CONDITIONS", "NO-GO", "USE A DETERMINISTIC SYSTEM"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(Strict):
    text: str = Field(description="what blocks or conditions the decision, with what was measured")
    evidence: str = Field(description="the check id or answer path behind it")
    may_accept: bool = Field(
        False, description="a 'resolve or accept' condition: a role with may_accept may accept it"
    )


class Action(Strict):
    """An open blocker or condition as an action (kit.decide.actions)."""

    id: str = Field(description="the item's anchor in the record: blocker-N or condition-N")
    severity: Literal["blocker", "condition"]
    text: str
    evidence: str
    owner: str = Field(
        description="one owner: the member, the rule's or source's owner, ..., else the project's"
    )
    due: dt.date = Field(description="as_of + fix_within_days, or an earlier deadline already passed")
    overdue: bool = Field(
        description="its own deadline passed before as_of (an overdue audit, an expired acceptance)"
    )
    closes: Literal["fix", "fix or accept"]
    how: str = Field(description="what closes it, in a sentence")


class AcceptanceState(Strict):
    """An acceptance of the answers as judged at as_of (kit.decide.acceptances), history included."""

    item: str
    by_role: str
    reason: str
    date: dt.date
    expires: dt.date
    state: Literal["holds", "replaced", "refused_blocker", "refused_fix", "moot", "expired", "stale"]
    why: str
    text: str = Field(description="the condition's sentence now; empty when it is no longer raised")
    verified: bool = Field(description="written by wbk review with the digest of the evidence accepted")


class NextReview(Strict):
    date: dt.date = Field(description="as_of + data_strategy.monitoring.review_every_days")
    owner: str = Field(description="the project's owner, who re-runs and reviews the record")


class PathToGo(Strict):
    fix_within_days: int
    actions: list[Action] = Field(description="open actions, overdue first, then by due date")
    accepted: list[AcceptanceState] = Field(description="acceptances that hold: conditions off the open list")
    becomes: str = Field(description="what the decision becomes when the open actions close")
    may_accept: list[str] = Field(description="roles that may accept a 'resolve or accept' condition")


class CheckSummary(Strict):
    id: str
    family: str = Field(description="a family of kit.checks.families.FAMILIES")
    status: Literal["pass", "warn", "fail", "error"]
    passed: int
    failed: int
    pass_rate: float = Field(ge=0, le=1)
    severity: Literal["blocker", "condition", "warning"]
    error: str | None = Field(None, description="why the check could not run (status error only)")

    @model_serializer(mode="wrap")
    def _error_only_when_set(self, handler) -> dict[str, Any]:
        data = handler(self)
        if data.get("error") is None:
            data.pop("error", None)
        return data


class SignOff(Strict):
    role: str
    person: str
    decision: str = Field(description="what the reviewer signed: approved, approved_with_conditions, ...")
    state: str = Field(description="what it counts as at as_of: approved, pending, rejected, stale, ...")
    reason: str = ""
    verified: bool | None = Field(
        description="signed with the sha256 of the answers seen; null: nothing signed"
    )
    answers_sha256: str | None = None
    date: dt.date | None = None
    new_since_signed: list[str] = Field(
        default_factory=list,
        description="evidence of the blockers and conditions raised now that the reviewer did not see",
    )


class Freshness(Strict):
    source: str
    updated_column: str
    declared: dt.date | None = Field(description="last_updated as the answers declare it")
    measured: dt.date | None = Field(description="the newest date of updated_column in the data")
    difference_days: int | None
    age_days: int | None
    freshness_sla_days: int | None
    stale: bool | None


class BaselineRef(Strict):
    path: str = Field(description="the baseline record.json, as given to --baseline")
    project: str | None = None
    as_of: str | None = None
    executed_at: str | None = None


class DriftSection(Strict):
    """Since the last record: every comparison with the baseline, and what each became."""

    baseline: BaselineRef
    comparisons: list[Comparison]


class Failure(Strict):
    step: str = Field(description="notebook stem, e.g. 01_problem_boundaries")
    cell: int = Field(description="index of the failing cell in the executed notebook")
    error: str = Field(description="ErrorName: message")


class Provenance(Strict):
    kit_version: str
    schema_version: int
    record_schema_version: int
    answers_sha256: str
    inputs: dict[str, str] = Field(description="every input file, relative to the project, by sha256")
    parameters: dict[str, Any] = Field(description="the run's options as the notebooks received them")
    executed_at: str


class Body(Strict):
    """What the evidence says: emitted by the design-record notebook."""

    project: str = Field(description="project.name from the answers")
    as_of: dt.date = Field(
        description="the day every check was judged on (the run's --as-of, else the answers')"
    )
    decision: Decision
    blockers: list[Item]
    conditions: list[Item] = Field(description="open conditions (accepted ones are in accepted)")
    accepted: list[Item] = Field(default_factory=list, description="conditions whose acceptance holds")
    acceptances: list[AcceptanceState] = Field(default_factory=list)
    path_to_go: PathToGo | None = None
    next_review: NextReview | None = None
    verdict: str = Field(description="label of the rubric's verdict")
    verdict_id: str
    temperature: float
    checks: list[CheckSummary]
    completeness: float = Field(ge=0, le=1, description="share of required and recommended answers filled in")
    sign_offs: list[SignOff]
    answers: dict[str, Any] = Field(description="the answers file as read, never changed by run options")
    profiles: dict[str, SourceProfile] = Field(default_factory=dict)
    freshness: list[Freshness] = Field(default_factory=list)
    drift: DriftSection | None = Field(None, description="comparisons with the baseline record")
    history: list[HistoryPoint] = Field(default_factory=list)
    calendar: str | None = Field(None, description="the audit calendar file beside the record")
    frameworks: list[FrameworkCoverage] = Field(
        default_factory=list,
        description="evidence for each item of the frameworks the answers name (the kit's reading, "
        "not legal advice); also written as coverage.json",
    )


class Record(Strict):
    """record.json. A failed run has status "failed", a failure, and no evidence fields."""

    project: str
    status: Literal["ok", "failed"]
    failure: Failure | None = None
    as_of: dt.date | None = None
    decision: Decision | None = None
    blockers: list[Item] = Field(default_factory=list)
    conditions: list[Item] = Field(default_factory=list)
    accepted: list[Item] = Field(default_factory=list)
    acceptances: list[AcceptanceState] = Field(default_factory=list)
    path_to_go: PathToGo | None = None
    next_review: NextReview | None = None
    verdict: str | None = None
    verdict_id: str | None = None
    temperature: float | None = None
    checks: list[CheckSummary] = Field(default_factory=list)
    completeness: float | None = None
    sign_offs: list[SignOff] = Field(default_factory=list)
    answers: dict[str, Any] | None = None
    profiles: dict[str, SourceProfile] = Field(default_factory=dict)
    freshness: list[Freshness] = Field(default_factory=list)
    drift: DriftSection | None = None
    history: list[HistoryPoint] = Field(default_factory=list)
    calendar: str | None = None
    frameworks: list[FrameworkCoverage] = Field(default_factory=list)
    provenance: Provenance


def build(
    project: str,
    provenance: dict[str, Any],
    emitted: dict[str, Any] | None,
    failure: dict[str, Any] | None,
    previous: Path | None = None,
) -> dict[str, Any]:
    """The one way a record is made: the emitted evidence of a finished run, or the failure. A
    finished run written over an earlier record of the project (``previous``) carries its trend.

    This is where the record data is validated, once: the kernel emits it unchecked (kit.workbook
    .record_data), so a malformed emission (a wrong value, a field the model lacks) is refused
    here with pydantic's ValidationError. The evidence validated as ``Body`` becomes the
    ``Record`` without a second validation; the carried trend's points are made by their model."""
    if failure is not None:
        record = Record(project=project, status="failed", failure=failure, provenance=provenance)
    else:
        evidence = Body.model_validate(emitted or {})
        record = Record.model_construct(
            **dict(evidence), status="ok", failure=None, provenance=Provenance.model_validate(provenance)
        )
    data = record.model_dump(mode="json")
    return carry_history(data, previous) if previous is not None else data


def json_schema() -> dict[str, Any]:
    schema = Record.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "wbk record.json"
    return schema


if __name__ == "__main__":
    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
