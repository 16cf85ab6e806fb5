"""What a check measured, against what the answers require, in the project's own words.

Every condition and blocker of the record is one of these sentences: the number that failed, the
total it failed out of, and the requirement, e.g. "37 of 3,013 claims (1.2 %) have an
incident_date older than 365 days before 2026-11-24; allowed: 0 %". Rows are counted with the
source's ``row_noun`` and generated outputs with ``generated_outputs.noun``, so the sentence uses
the project's words, not the kit's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kit import phrases as say
from kit.answers.schema import Answers, Rule
from kit.checks.bias import BiasResult
from kit.checks.engine.kinds import KINDS, Context
from kit.checks.result import CheckResult
from kit.checks.sources import FRESHNESS_TOLERANCE_DAYS, AuditStatus, SourceStatus
from kit.decide.evidence import Evidence

DEFAULT_ROW_NOUN = "row"
DEFAULT_OUTPUT_NOUN = "generated output"
SOURCE_REQUIREMENTS = 4  # licence allowed, verified, fresh within its SLA, accessible
LONGEST_VALUE_LIST = 6  # longer allowed-value lists are counted, not spelled out


def _cols(rule: Rule, conjunction: str = "and") -> str:
    return say.listing(list(rule.columns), conjunction)


def _values(values: list) -> str:
    if len(values) > LONGEST_VALUE_LIST:
        return f"the {say.plural(len(values), 'allowed value')}"
    return say.listing([str(v) for v in values], "or")


def _range(params: dict) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"from {say.number(low)} to {say.number(high)}"
    return f"of at least {say.number(low)}" if low is not None else f"of at most {say.number(high)}"


# What a failing row does, per rule kind: a verb (agreeing with the count) and the rest.
RULE_FAILURES: dict[str, tuple[str, Callable[[Rule, str, dt.date], str]]] = {
    "not_null": ("have", lambda r, noun, as_of: f"no value in {_cols(r, 'or')}"),
    "unique": ("repeat", lambda r, noun, as_of: f"the {_cols(r)} of an earlier {noun}"),
    "in_set": (
        "have",
        lambda r, noun, as_of: f"{say.a(r.columns[0])} other than {_values(r.params.get('values', []))}",
    ),
    "between": (
        "have",
        lambda r, noun, as_of: f"{say.a(r.columns[0])} that is not a number {_range(r.params)}",
    ),
    "matches": (
        "have",
        lambda r, noun, as_of: f"{say.a(r.columns[0])} that does not match {r.params.get('pattern')}",
    ),
    "fresh_within": (
        "have",
        lambda r, noun, as_of: (
            f"{say.a(r.columns[0])} older than {say.days(r.params.get('days', 0))} before {say.date(as_of)}"
        ),
    ),
    "consistent_flag": (
        "have",
        lambda r, noun, as_of: (
            f"{say.a(r.columns[0])} that disagrees with {r.columns[1]} against {r.columns[2]}-{r.columns[3]}"
        ),
    ),
}

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


def rule_sentence(check: CheckResult, rule: Rule, answers: Answers) -> str:
    spec = answers.data_quality.generated_outputs
    noun = output_noun(answers) if spec and rule.dataset == spec.id else row_noun(answers, rule.dataset)
    kind = KINDS.get(rule.check)
    if rule.check not in RULE_FAILURES and kind is not None and kind.failure is not None:
        params = kind.params.model_validate(rule.params)
        verb, rest = kind.failure(list(rule.columns), params, Context(answers.project.as_of), noun)
        return _counted(check, noun, verb, rest)
    verb, describe = RULE_FAILURES.get(rule.check, ("fail", lambda r, n, d: f"the {r.check} check"))
    return _counted(check, noun, verb, describe(rule, noun, answers.project.as_of))


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


# --- one sentence per check, by family ----------------------------------------------------------


def _of_rule(ev: Evidence, check: CheckResult) -> str:
    rule = next(r for r in ev.answers.data_quality.rules if r.id == check.id)
    return rule_sentence(check, rule, ev.answers)


def _of_output(ev: Evidence, check: CheckResult) -> str:
    return output_sentence(check, ev.answers)


def _of_source(ev: Evidence, check: CheckResult) -> str:
    if check.id.startswith("freshness."):  # measured against declared: the detail says both
        return f"{check.id}: {check.detail}; allowed: {say.plural(FRESHNESS_TOLERANCE_DAYS, 'day')} apart"
    status = next(s for s in ev.sources if f"source.{s.id}" == check.id)
    return source_sentence(status, ev.answers.problem_boundaries.legal.allowed_licences, ev.as_of)


def _of_audit(ev: Evidence, check: CheckResult) -> str:
    return audit_sentence(next(a for a in ev.audits if f"audit.{a.id}" == check.id), ev.as_of)


def _of_bias(ev: Evidence, check: CheckResult) -> str:
    measure = next(b for b in ev.bias_measures if f"bias.{b.id}" == check.id)
    declared = next(b for b in ev.answers.data_strategy.maintenance.bias_checks if b.id == measure.id)
    return bias_sentence(measure, row_noun(ev.answers, declared.dataset))


def _of_drift(ev: Evidence, check: CheckResult) -> str:
    return f"{check.id}: {check.detail}"  # each comparison states its threshold


def _of_slice(ev: Evidence, check: CheckResult) -> str:
    return (
        f"{check.detail}; {say.of(check.failed, check.checked, 'value')} of the slice fail at least twice "
        "as often as all, over at least 20 outputs with 5 failing; allowed: none"
    )


SENTENCES: dict[str, Callable[[Evidence, CheckResult], str]] = {
    "rule": _of_rule,
    "slice": _of_slice,
    "output": _of_output,
    "source": _of_source,
    "audit": _of_audit,
    "bias": _of_bias,
    "drift": _of_drift,
}


def sentence(ev: Evidence, check: CheckResult) -> str:
    """What the check measured against what the answers require; a family without a sentence of
    its own (one added later) still says how many of how many failed."""
    of_family = SENTENCES.get(check.family)
    if of_family is not None:
        return of_family(ev, check)
    counted = say.of(check.failed, check.checked, "item")
    return f"{check.id}: {counted} {say.verb(check.failed, 'fail')}; allowed: {say.tolerance(check.min_pass_rate)}"
