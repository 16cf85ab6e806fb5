"""What a check measured, against what the answers require, in the project's own words: each
family's sentence (kit.checks.families names it in the family's table entry).

Every condition and blocker of the record is one of these sentences: the number that failed, the
total it failed out of, and the requirement, e.g. "37 of 3,013 claims (1.2 %) have an
incident_date older than 365 days before 2026-11-24; allowed: 0 %". Rows are counted with the
source's ``row_noun`` and generated outputs with ``generated_outputs.noun``, so the sentence uses
the project's words, not the kit's.
"""

from __future__ import annotations

import datetime as dt

from kit import phrases as say
from kit.answers.schema import Answers, Rule, Source
from kit.checks.bias import BiasResult
from kit.checks.engine.kinds import KINDS, Context
from kit.checks.result import CheckResult
from kit.checks.sources import FRESHNESS_TOLERANCE_DAYS, AuditStatus, SourceStatus

DEFAULT_ROW_NOUN = "row"
DEFAULT_OUTPUT_NOUN = "generated output"
SOURCE_REQUIREMENTS = 4  # licence allowed, verified, fresh within its SLA, accessible


# What a failing generated output does, per output check: a verb and the rest; {input} is the
# noun of the input record it was made from.
OUTPUT_FAILURES: dict[str, tuple[str, str]] = {
    "output.sections_present": ("lack", "a required section of the output template"),
    "output.values_match": ("state", "a value that differs from the source {input}"),
    "output.ranges_unchanged": ("state", "a range that differs from the source {input}"),
    "output.flags_consistent": ("carry", "a flag that disagrees with the value and range beside it"),
    "output.no_extra_tests": ("hold", "an entry the source {input} lacks"),
    "output.numbers_grounded": ("mention", "a number found nowhere in the source {input}"),
}


def row_noun(answers: Answers, source_id: str) -> str:
    """The source's own word for a row, else "<source id> row"."""
    source = next((s for s in answers.problem_boundaries.data.sources if s.id == source_id), None)
    return source.row_noun.strip() if source and source.row_noun else f"{source_id} {DEFAULT_ROW_NOUN}"


def output_noun(answers: Answers) -> str:
    spec = answers.data_quality.generated_outputs
    return (spec.noun if spec and spec.noun else DEFAULT_OUTPUT_NOUN).strip()


def _counted(check: CheckResult, noun: str, verb: str, rest: str) -> str:
    """ "37 of 3,013 claims (1.2 %) have ...; allowed: 0 %" """
    counted = say.of(check.failed, check.checked, noun)
    return f"{counted} {say.verb(check.failed, verb)} {rest}; allowed: {say.tolerance(check.min_pass_rate)}"


def rule_sentence(check: CheckResult, rule: Rule, answers: Answers, as_of: dt.date) -> str:
    """The rule's kind says what its failing rows do, with the rule's values, the source's row
    noun and ``as_of``, the run's date (--as-of), the day the rule was judged on."""
    spec = answers.data_quality.generated_outputs
    noun = output_noun(answers) if spec and rule.dataset == spec.id else row_noun(answers, rule.dataset)
    kind = KINDS[rule.check]
    ctx = Context(as_of, answers.project.timezone)
    verb, rest = kind.failure(list(rule.columns), kind.params.model_validate(rule.params), ctx, noun)
    return _counted(check, noun, verb, rest)


def output_sentence(check: CheckResult, answers: Answers) -> str:
    verb, rest = OUTPUT_FAILURES.get(check.id, ("fail", check.detail or check.id))
    spec = answers.data_quality.generated_outputs
    source = row_noun(answers, spec.input_dataset) if spec else "input record"
    return _counted(check, output_noun(answers), verb, rest.replace("{input}", source))


def source_sentence(status: SourceStatus, allowed_licences: list[str], as_of: dt.date) -> str:
    """Every way a source the product uses falls short, each against its requirement."""
    parts = []
    if not status.licence_allowed:
        parts.append(
            f"licence {status.licence!r} is not among the {say.plural(len(allowed_licences), 'allowed licence')} "
            f"({say.listing(allowed_licences)})"
        )
    if not status.verified:
        parts.append(
            f"verified on {say.date(status.verified_on)}, after {say.date(as_of)} (required: before)"
            if status.verified_by and status.verified_on
            else "no one has verified it (required: verified_by and verified_on)"
        )
    if status.stale:
        parts.append(
            f"last updated {say.date(status.last_updated)}, {say.days(status.age_days or 0)} before "
            f"{say.date(as_of)} (allowed: {say.days(status.freshness_sla_days or 0)})"
        )
    if status.stale is None:
        parts.append("its age is unknown (required: last_updated and freshness_sla_days)")
    if status.access != "granted":
        parts.append(f"access is {status.access} (required: granted)")
    unmet = f"{say.number(len(parts))} of {say.plural(SOURCE_REQUIREMENTS, 'requirement')} unmet"
    return f"source {status.id} ({status.name}), {unmet}: " + "; ".join(parts)


def audit_sentence(audit: AuditStatus, as_of: dt.date) -> str:
    every = f"required: every {say.days(audit.cadence_days)}"
    who = f"audit {audit.id} ({audit.name}, owner {audit.owner})"
    if audit.last_done is None:
        return f"{who} has never been done as of {say.date(as_of)}; {every}"
    return (
        f"{who} is {say.days(audit.overdue_days)} overdue as of {say.date(as_of)}: last done "
        f"{say.date(audit.last_done)}, due {say.date(audit.next_due)}; {every}"
    )


def bias_sentence(measure: BiasResult, noun: str) -> str:
    value = measure.largest_value

    def points(rate: float) -> str:
        return f"{say.number(round(rate * 100, 1))} percentage points"

    return (
        f"{measure.attribute} is {value} in {say.share(measure.observed[value])} of "
        f"{say.plural(measure.rows, noun)}, against a reference share of {say.share(measure.reference[value])}: "
        f"{points(measure.largest_difference)} apart; allowed: {points(measure.tolerance)} "
        f"(chi-square p = {measure.p_value:.3g})"
    )


# --- one sentence per check, by family: (check, answers, the run's date) -> sentence -----------


def of_rule(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    return rule_sentence(check, check.judged, answers, as_of)


def of_output(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    return output_sentence(check, answers)


def of_source(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    if isinstance(check.judged, Source):  # its freshness, measured against declared: the detail says both
        return f"{check.id}: {check.detail}; allowed: {say.plural(FRESHNESS_TOLERANCE_DAYS, 'day')} apart"
    return source_sentence(check.judged, answers.problem_boundaries.legal.allowed_licences, as_of)


def of_audit(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    return audit_sentence(check.judged, as_of)


def of_bias(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    measure = check.judged
    declared = next(b for b in answers.data_strategy.maintenance.bias_checks if b.id == measure.id)
    return bias_sentence(measure, row_noun(answers, declared.dataset))


def of_drift(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    return f"{check.id}: {check.detail}"  # each comparison states its threshold


def of_slice(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    return (
        f"{check.detail}; {say.of(check.failed, check.checked, 'value')} of the slice fail at least twice "
        "as often as all, over at least 20 outputs with 5 failing; allowed: none"
    )


def of_items(check: CheckResult, answers: Answers, as_of: dt.date) -> str:
    """A family without a sentence of its own still says how many of how many failed."""
    counted = say.of(check.failed, check.checked, "item")
    return f"{check.id}: {counted} {say.verb(check.failed, 'fail')}; allowed: {say.tolerance(check.min_pass_rate)}"
