"""Where outputs fail: for every output rule that fails, its failure rate per value of each
``generated_outputs.slice_by`` column (one group-by in the engine). A slice that fails at least
twice as often as all outputs, with at least 20 outputs and 5 failing ones, is a condition: it asks
whether GenAI is the right tool for that part of the input.

Row-level kinds are sliced; a set-level kind (unique, references, row_count, grounded) has no
per-row verdict to group, and the template's implied rules are counted per output by their own
queries, so neither is sliced.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit import phrases
from kit.checks import rules
from kit.checks.engine import datasets
from kit.checks.engine.kinds import KINDS
from kit.checks.result import CheckResult, could_not_run

MIN_OUTPUTS, MIN_FAILING, RATIO = 20, 5, 2.0


@dataclass(frozen=True)
class Sliced:
    """What a slice check measured: the rule, the column, all outputs' rate, and per value
    {value, outputs, failing, rate, ratio} (for the record's chart and table)."""

    rule: str
    column: str
    overall: float
    rows: list[dict]


def sliced_rules(answers) -> list:
    """The output rules whose kind judges each row (those a slice can count)."""
    spec = answers.data_quality.generated_outputs
    if spec is None or not spec.slice_by:
        return []
    return [
        r
        for r in answers.data_quality.rules
        if r.dataset == spec.id and getattr(KINDS.get(r.check), "passes", None)
    ]


def planned(answers) -> list[str]:
    spec = answers.data_quality.generated_outputs
    return [f"slice.{r.id}.{column}" for r in sliced_rules(answers) for column in spec.slice_by]


def run(loaded, prepared: rules.Plan) -> list[CheckResult]:
    """Each sliced rule's failure rate per value of each slice_by column, counted on the prepared
    project's rule plan (its compiled rules and the outputs' table, made once per run)."""
    answers = loaded.answers
    spec = answers.data_quality.generated_outputs
    wanted = {r.id for r in sliced_rules(answers)}
    if not wanted:
        return []
    noun = (spec.noun or "output").strip()
    out = []
    for i, rule in enumerate(answers.data_quality.rules):
        if rule.id not in wanted:
            continue
        for column in spec.slice_by:
            check_id = f"slice.{rule.id}.{column}"
            compiled = prepared.compiled.get(i)
            try:
                if compiled is None or column not in prepared.tables.get(spec.id, {}).columns:
                    raise ValueError(prepared.broken.get(i) or f"column {column!r} is not in the outputs")
                table = prepared.tables[spec.id]
                out.append(_slice(check_id, compiled, table, column, noun))
            except Exception as exc:  # a slice that cannot be counted is an error, never a pass
                out.append(could_not_run(check_id, exc))
    return out


def rates(compiled, table, column: str) -> list[dict]:
    """Outputs and failing outputs per value of ``column`` (missing values as one slice)."""
    scope = table.filter(compiled.applies) if compiled.applies is not None else table
    fails = compiled.fails if compiled.applies is None else compiled.applies & compiled.fails
    grouped = scope.group_by(value=scope[column].cast("string")).aggregate(
        outputs=scope.count(), failing=(fails.ifelse(1, 0)).sum()
    )
    found = datasets.rows(grouped.order_by("value"))
    return [
        {"value": r["value"], "outputs": int(r["outputs"]), "failing": int(r["failing"] or 0)} for r in found
    ]


def flagged(rows: list[dict], overall: float) -> list[dict]:
    return [
        r
        for r in rows
        if overall > 0
        and r["outputs"] >= MIN_OUTPUTS
        and r["failing"] >= MIN_FAILING
        and r["failing"] / r["outputs"] >= RATIO * overall
    ]


def _many(noun: str) -> str:
    return phrases.plural(2, noun).split(" ", 1)[1]


def _slice(check_id: str, compiled, table, column: str, noun: str) -> CheckResult:
    rows = rates(compiled, table, column)
    total, failing = sum(r["outputs"] for r in rows), sum(r["failing"] for r in rows)
    overall = failing / total if total else 0.0
    worst = flagged(rows, overall)
    for r in rows:
        r["rate"] = r["failing"] / r["outputs"] if r["outputs"] else 0.0
        r["ratio"] = r["rate"] / overall if overall else 0.0
    if worst:
        top = max(worst, key=lambda r: r["rate"])
        detail = (
            f"{_many(noun)} with {column} = {top['value']} fail {compiled.rule.id} "
            f"{top['ratio']:.1f}x as often as all {_many(noun)} "
            f"({phrases.number(top['failing'])} of {phrases.number(top['outputs'])} against "
            f"{phrases.number(failing)} of {phrases.number(total)})"
        )
    else:
        detail = f"no value of {column} fails {compiled.rule.id} twice as often as all {_many(noun)}"
    measured = Sliced(compiled.rule.id, column, overall, rows)
    return CheckResult(check_id, len(rows), len(worst), "condition", detail=detail, judged=measured)
