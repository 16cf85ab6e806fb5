"""The answers schema: one pydantic model per part of the working-backwards method.

Every field is required (no default), recommended (``recommended(...)``) or optional
(``optional(...)``). The importance travels in the JSON Schema as ``x-importance`` so that
completeness, forms and the committed ``answers.schema.json`` all read it from one place.
"""

from __future__ import annotations

import codecs
import datetime as dt
import zoneinfo
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from kit.findings import did_you_mean

SCHEMA_VERSION = 1

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A recommended or optional text left blank ("") counts as not answered, not as an error.
MaybeText = Annotated[Text | None, BeforeValidator(_blank_to_none)]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]


def recommended(default: Any = None, description: str = "", **kw: Any) -> Any:
    """A field the record can live without, reported as a completeness warning when empty."""
    return Field(default, description=description, json_schema_extra={"x-importance": "recommended"}, **kw)


def optional(default: Any = None, description: str = "", **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"x-importance": "optional"}, **kw)


def required(description: str = "", **kw: Any) -> Any:
    return Field(description=description, json_schema_extra={"x-importance": "required"}, **kw)


def listing(description: str = "", importance: str = "recommended") -> Any:
    """A list; a required list must be present and hold at least one item."""
    extra = {"x-importance": importance}
    if importance == "required":
        return Field(min_length=1, description=description, json_schema_extra=extra)
    return Field(default_factory=list, description=description, json_schema_extra=extra)


def _time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not an IANA time zone, e.g. UTC, Europe/Berlin, America/New_York"
        ) from None
    return name


# The encodings DuckDB reads without an extension; other names are refused where they are written.
ENCODINGS = {"utf-8": "utf-8", "utf-16": "utf-16", "latin-1": "latin-1", "iso8859-1": "latin-1"}


def _encoding(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name.replace("_", "-")
    except LookupError:
        canonical = name
    if canonical not in ENCODINGS:
        raise ValueError(f"encoding {name!r} cannot be read; use utf-8, utf-16 or latin-1")
    return ENCODINGS[canonical]


def _delimiter(text: str) -> str:
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise ValueError("a delimiter is one character, e.g. ';', ',' or '\\t' (tab)")
    return text


def _framework(name: str) -> str:
    """A framework of the kit (templates/frameworks/<name>.yaml); ``wbk frameworks`` lists them."""
    from kit.answers.frameworks import available  # that module imports this one: import when first used

    known = available()
    if name not in known:
        raise ValueError(f"unknown framework {name!r}" + did_you_mean(name, known, list_known=True))
    return name


TimeZone = Annotated[str, AfterValidator(_time_zone)]
FrameworkName = Annotated[str, AfterValidator(_framework)]
Encoding = Annotated[str, AfterValidator(_encoding)]
Delimiter = Annotated[str, AfterValidator(_delimiter)]


class Part(BaseModel):
    """Base of every answers model: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=True)

    def not_applicable(self) -> set[str]:
        """Recommended fields that other answers make irrelevant (not counted as incomplete)."""
        return set()


# --- Project -------------------------------------------------------------------------------


class Project(Part):
    name: Text = required("What the product is called")
    owner: Text = required("Who answers for this design record")
    domain: Literal["medical", "finance", "software", "support", "hr", "public_sector", "other"] = required(
        "The field the product works in; decides which reviewer roles are expected"
    )
    as_of: dt.date = required("The date every freshness, audit and sign-off check is evaluated against")
    summary: MaybeText = recommended(description="Two sentences a reviewer reads first")
    timezone: TimeZone = optional(
        "UTC", description="IANA time zone in which as_of is a day, e.g. Europe/Berlin (default UTC)"
    )
    frameworks: list[FrameworkName] = optional(
        [],
        description="Frameworks the record answers to, item by item, from evidence (wbk frameworks lists "
        "them): eu_ai_act, nist_ai_rmf",
    )


# --- Step 1: problem boundaries -------------------------------------------------------------


class SuccessMeasure(Part):
    name: Text = required("What is measured")
    target: Text = required("The value that counts as success")


class Outcome(Part):
    desired_outcome: Text = required("The outcome the product is optimised for, in the user's words")
    users: list[Text] = listing("Who uses the output")
    success_measures: list[SuccessMeasure] = listing("How we will know the outcome is reached")
    non_negotiables: list[Text] = listing("What the system must never do", importance="required")


class AccessStatus(StrEnum):
    granted = "granted"
    requested = "requested"
    denied = "denied"
    unknown = "unknown"


class Source(Part):
    id: Ident = required("Short id that rules and output templates refer to")
    name: Text = required("What the source is")
    kind: Literal["database", "catalogue", "document", "api", "web", "file", "human"] = required("")
    owner: MaybeText = recommended(description="Who maintains the source")
    licence: Text = required("Licence or terms of use, e.g. internal, CC-BY-4.0, proprietary")
    access: AccessStatus = required("Can we access it today?")
    sample: str | None = optional(
        description="Sample file or glob (CSV, Parquet or JSONL, e.g. data/claims-*.parquet), relative to the project"
    )
    connection: Ident | None = optional(
        description="Name of a connection defined outside the answers (connections.yaml or WBK_CONNECTION_<NAME>)"
    )
    table: str | None = optional(description="Table (or schema.table) on the connection that rules run on")
    encoding: Encoding | None = optional(
        description="Text encoding of a CSV sample: utf-8 (default), utf-16, latin-1"
    )
    delimiter: Delimiter | None = optional(
        description="Field delimiter of a CSV sample; sniffed when not given"
    )
    verified_by: MaybeText = recommended(description="Who checked the source is what it claims")
    verified_on: dt.date | None = recommended(description="When it was verified")
    freshness_sla_days: int | None = recommended(description="Maximum age in days before it is stale", ge=1)
    last_updated: dt.date | None = recommended(description="When its content last changed")
    updated_column: str | None = optional(
        description="Column of the sample that dates its rows; its newest date is the measured last update"
    )
    scope: Literal["domain", "broad"] = required("Domain-specific (curated) or broad (general) content")
    row_noun: MaybeText = optional(
        description="What one row of the sample is, singular (e.g. claim): the record counts rows in it"
    )
    sensitive: list[str] = listing(
        "Columns whose values never appear in a record (e-mail, name, patient id): examples show a "
        "hash prefix, profiles no values, failure files leave them out unless --include-sensitive",
        importance="optional",
    )


class DataAvailability(Part):
    perfect_input: Text = required("What perfect input data would look like")
    sources: list[Source] = listing("Every source the product could draw on", importance="required")
    curate_and_maintain: MaybeText = recommended(description="Can we curate and maintain these sources?")


class Risk(Part):
    id: Ident = required("")
    description: Text = required("A risk of the product")
    mitigation: MaybeText = recommended(description="How it is reduced")
    blocking: bool = required("True when the product must not ship while this risk stands")


class PersonalData(Part):
    personal: bool = required("Does the input contain personal data?")
    health: bool = required("Does the input contain health data?")
    legal_basis: MaybeText = recommended(
        description="The stated basis for processing it (e.g. GDPR art. 9(2)(h))"
    )

    def not_applicable(self) -> set[str]:
        return set() if self.personal or self.health else {"legal_basis"}


class LegalBoundaries(Part):
    allowed_licences: list[Text] = listing("Licences our use may rely on", importance="required")
    copyright_and_fair_use: MaybeText = recommended(description="Copyright and fair-use position")
    personal_data: PersonalData = required("")
    risks: list[Risk] = listing("Risks, including the ones we cannot accept")


class Level(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"


class Appropriateness(Part):
    needs_creativity: Level = required("Does the outcome need creativity and variance?")
    output_consistency: Literal["exact", "high", "moderate", "low"] = required(
        "How consistent must two outputs for the same input be?"
    )
    error_tolerance: Level = required("How much error can the users absorb?")
    human_curates_outputs: bool = required("Does a person review every output before it is used?")
    unsolved_task: Text = required("Which task can the existing system not solve?")
    input_structure: Literal["structured", "semi-structured", "free-text"] = required(
        "What the input looks like"
    )
    deterministic_alternative: MaybeText = recommended(
        description="What a rules or template system would do instead"
    )


class ProblemBoundaries(Part):
    outcome: Outcome = required("")
    data: DataAvailability = required("")
    legal: LegalBoundaries = required("")
    appropriateness: Appropriateness = required("")


# --- Step 2: data quality requirements ------------------------------------------------------


# What guards an unacceptable output: a rule or output-check id, a team role that reviews outputs
# before use (review:<role>), or an audit (audit:<id>).
Guard = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
GUARD_PREFIXES = ("review:", "audit:")


class UnacceptableOutput(Part):
    id: Ident = required("")
    description: Text = required("What would make this output unacceptable?")
    caught_by: list[Guard] = listing(
        "What catches it: rule or output-check ids, review:<role of the validation team> (that role reviews "
        "outputs before use), audit:<audit id>; empty when nothing guards it yet (the record says unguarded)",
    )


class Join(Part):
    """Another source joined by key; its columns are read as <dataset>.<column>. A join never
    multiplies rows: a key matching several rows keeps the values they agree on, the others missing."""

    dataset: Ident = required("Id of the source joined")
    on: dict[str, str] = Field(
        min_length=1,
        description="Column of this row -> column of the joined dataset",
        json_schema_extra={"x-importance": "required"},
    )


# What a failing rule does to the decision: the word is what happens, so a reader of the answers
# knows without looking it up. "blocking" was the old name of "condition": read, then warned about.
SEVERITIES: dict[str, str] = {
    "blocker": "a failure is a blocker: NO-GO until it passes",
    "condition": "a failure is a condition: fix before launch",
    "warning": "a failure is a warning: resolve or accept",
}
RENAMED_SEVERITIES: dict[str, str] = {"blocking": "condition"}
RuleSeverity = Literal["blocker", "condition", "warning"]


def _renamed_severity(value: Any) -> Any:
    return RENAMED_SEVERITIES.get(value, value) if isinstance(value, str) else value


class Rule(Part):
    id: Ident = required("")
    dataset: Ident = required("Id of the source (or of the generated outputs) the rule runs on")
    columns: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list,
        description="Columns the check reads (none for row_count; any for expression)",
        json_schema_extra={"x-importance": "required"},
    )
    check: Ident = required("One of the check kinds in kit.checks.engine.kinds.KINDS")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters of the check",
        json_schema_extra={"x-importance": "optional"},
    )
    severity: Annotated[RuleSeverity, BeforeValidator(_renamed_severity)] = required(
        "What a failure does: blocker (NO-GO until it passes), condition (fix before launch) or "
        "warning (resolve or accept)"
    )
    min_pass_rate: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of rows that must pass",
        json_schema_extra={"x-importance": "optional"},
    )
    where: MaybeText = optional(
        description="SQL condition: the rule applies only to rows matching it, e.g. status = 'final'"
    )
    join: list[Join] = listing(
        "Sources joined to each row by key (their columns read as <dataset>.<column>)", importance="optional"
    )
    description: MaybeText = recommended(description="Why this rule exists")
    owner: MaybeText = optional(
        description="Who fixes this rule's failures; default: the owner of its dataset's source"
    )


Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
DEFAULT_REVIEW_INTERVAL_DAYS = 90
DEFAULT_FIX_WITHIN_DAYS = 30


class SignOff(Part):
    decision: Literal["approved", "approved_with_conditions", "rejected", "pending"] = required("")
    date: dt.date | None = recommended()
    notes: MaybeText = optional()
    answers_sha256: Sha256 | None = optional(
        description="Hash of the answers the reviewer saw (kit.answers.signoff.content_sha256); "
        "written by wbk review. A sign-off without it is judged by its date only (unverified)"
    )
    evidence_sha256: Sha256 | None = optional(
        description="Digest of the decision and its blockers and conditions the reviewer saw "
        "(kit.decide.seen); written by wbk review"
    )
    items_seen: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]] = optional(
        [],
        description="Short keys of the blockers and conditions the reviewer saw (kit.decide.seen): "
        "one that is not among them is new since the sign-off",
    )


class TeamMember(Part):
    role: Text = required("The discipline; templates/rubrics/roles.yaml lists the roles each domain expects")
    person: Text = required("")
    validates: list[Text] = listing("What this role validates", importance="required")
    sign_off: SignOff = Field(
        default_factory=lambda: SignOff(decision="pending"), json_schema_extra={"x-importance": "recommended"}
    )
    review_interval_days: int | None = optional(
        description="Days a sign-off of this role stays valid; default: the team's", ge=1
    )
    may_accept: bool = optional(
        False,
        description="May this role accept a 'resolve or accept' condition or a warning (acceptances)?",
    )


class OutputInput(Part):
    dataset: Ident = required("Source id of the input rows")
    on: dict[str, str] = Field(
        min_length=1,
        description="Output field path -> input column, e.g. {departure.year: year}; one or several",
        json_schema_extra={"x-importance": "required"},
    )


class GeneratedOutputs(Part):
    """Generated outputs as a dataset of the rule engine: rules with ``dataset: <id>`` read output
    fields by dotted path, input.<column> of the output's input row, <dataset>.<column> of a join."""

    id: Ident = optional("outputs", description="Id that output rules name as their dataset")
    path: str | None = optional(
        description="Generated outputs (JSONL, CSV or Parquet, or a glob), relative to the project"
    )
    connection: Ident | None = optional(description="Connection holding the outputs (with table)")
    table: str | None = optional(description="Table of outputs on the connection")
    input: OutputInput | None = recommended(description="How each output finds its input row")
    input_dataset: Ident | None = optional(description="One-column form of input: the input's source id")
    record_id: str | None = optional(
        description="One-column form of input: the input column each output's record_id refers to"
    )
    joins: list[Join] = listing("Further sources joined to the input row by key", importance="optional")
    slice_by: list[str] = listing(
        "Columns (e.g. input.carrier) whose values failure rates are compared across", importance="optional"
    )
    noun: MaybeText = optional(
        description="What one output is, singular (e.g. drafted letter): the record counts outputs in it"
    )
    sensitive: list[str] = listing(
        "Fields of the outputs (dotted paths, e.g. sections.contact.email) whose values never appear in a "
        "record: examples show a hash prefix, failure files leave them out unless --include-sensitive",
        importance="optional",
    )

    @model_validator(mode="after")
    def _one_input_form(self) -> GeneratedOutputs:
        legacy = (self.input_dataset, self.record_id)
        if self.input is None and all(legacy):
            # the one-column form: each output's record_id field names the input's record_id column
            self.__dict__["input"] = OutputInput(dataset=legacy[0], on={"record_id": legacy[1]})
        elif self.input is None and any(legacy):
            raise ValueError("input_dataset and record_id go together")
        elif self.input is not None and self.input_dataset not in (None, self.input.dataset):
            raise ValueError("give input, or input_dataset with record_id (its one-column form), not both")
        if self.input is not None and self.input_dataset is None:
            self.__dict__["input_dataset"] = self.input.dataset
        if not self.path and not (self.connection and self.table):
            raise ValueError("give path, or connection and table")
        return self

    def not_applicable(self) -> set[str]:
        return {"input"} if self.input is not None else set()


class DataQuality(Part):
    output_template: Text = required("Output template file, relative to the project or to templates/")
    unacceptable_outputs: list[UnacceptableOutput] = listing("", importance="required")
    rules: list[Rule] = listing("Data-quality rules run on the sample data")
    validation_team: list[TeamMember] = listing("Who validates what", importance="required")
    review_interval_days: int | None = optional(
        description=f"Days a sign-off stays valid before the team reviews again, judged at as_of "
        f"(default {DEFAULT_REVIEW_INTERVAL_DAYS})",
        ge=1,
    )
    generated_outputs: GeneratedOutputs | None = optional(description="Sample outputs to check")
    fix_within_days: int | None = optional(
        description=f"Days from as_of by which each blocker and condition is due "
        f"(default {DEFAULT_FIX_WITHIN_DAYS})",
        ge=1,
    )


# --- Step 3: data strategy -------------------------------------------------------------------


class Curation(Part):
    approach: Literal["curated", "broad", "mixed"] = required("")
    rationale: Text = required("Why this mix of curated and broad sources")


class Audit(Part):
    id: Ident = required("")
    name: Text = required("")
    cadence_days: int = Field(ge=1, json_schema_extra={"x-importance": "required"})
    owner: Text = required("")
    last_done: dt.date | None = recommended()
    source: Ident | None = optional(
        description="Id of the source this audit reviews: the source inventory shows the audit's state"
    )


class SourceMonitor(Part):
    source: Ident = required("")
    method: Text = required("")
    owner: Text = required("")


class BiasCheck(Part):
    id: Ident = required("")
    dataset: Ident = required("Source id")
    attribute: str = required("Column whose distribution is compared")
    reference_shares: dict[str, float] = required("Expected share of each value (sums to 1)")
    tolerance: float = Field(0.05, gt=0, le=1, json_schema_extra={"x-importance": "optional"})
    owner: MaybeText = recommended()


class Maintenance(Part):
    audits: list[Audit] = listing("")
    source_monitoring: list[SourceMonitor] = listing("")
    bias_checks: list[BiasCheck] = listing("")


class Monitoring(Part):
    """When a change between two records of the project is big enough to become a condition."""

    psi: float = Field(
        0.25, gt=0, description="Population stability index from which a distribution has shifted"
    )
    psi_moderate: float = Field(0.1, gt=0, description="PSI from which a change is shown as moderate")
    null_share_change: float = Field(
        0.05, gt=0, le=1, description="Change of a column's null share (0.05 = 5 points)"
    )
    row_count_change: float = Field(0.2, gt=0, description="Relative change of a source's row count")
    group_share_change: float = Field(
        0.05, gt=0, le=1, description="Change of a bias attribute's group share (0.05 = 5 points)"
    )
    pass_rate_drop: float = Field(0.01, gt=0, le=1, description="Drop of a rule's pass rate (0.01 = 1 point)")
    review_every_days: int = Field(90, ge=1, description="Days from as_of to the record's next review")
    role_review_every_days: int = Field(
        180, ge=1, description="Days from a team member's sign-off to their re-review"
    )
    source_review_every_days: int = Field(
        365, ge=1, description="Days from a source's verification to its next audit"
    )


class DataStrategy(Part):
    curation: Curation = required("")
    verification: list[Text] = listing("What a source must pass before it is used")
    maintenance: Maintenance = required("")
    monitoring: Monitoring = Field(
        default_factory=Monitoring,
        description="Thresholds of the comparison with the previous record, and review cadences",
        json_schema_extra={"x-importance": "optional"},
    )


# --- Acceptances: a named role accepts a "resolve or accept" condition, for a reason, until a date ---


class Acceptance(Part):
    item: Ident = required("The check id of the condition or warning accepted, e.g. requisition_open")
    by_role: Text = required("The accepting team member's role; the member must have may_accept: true")
    reason: Text = required("Why the condition may stand")
    date: dt.date = required("When it was accepted (no later than as_of)")
    expires: dt.date = required("The day after which the acceptance no longer holds")
    evidence_sha256: Sha256 | None = optional(
        description="Digest of the condition as it read when accepted (kit.decide.acceptances); written "
        "by wbk review. When the condition reads otherwise now, the acceptance is stale"
    )


# --- The whole file -------------------------------------------------------------------------


class Answers(Part):
    schema_version: Literal[1] = required("Version of this schema")
    project: Project = required("")
    problem_boundaries: ProblemBoundaries = required("")
    data_quality: DataQuality = required("")
    data_strategy: DataStrategy = required("")
    acceptances: list[Acceptance] = listing(
        "Conditions accepted instead of fixed; an acceptance replaced by a later one is kept as history",
        importance="optional",
    )


# The top-level parts of the answers file that each step's form edits.
STEP_KEYS = {
    "problem_boundaries": ["project", "problem_boundaries"],
    "data_quality": ["data_quality"],
    "data_strategy": ["data_strategy"],
}


def json_schema() -> dict[str, Any]:
    schema = Answers.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Working Backwards Kit answers file"
    return schema
