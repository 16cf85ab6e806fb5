"""Counting: all row-level rules of one dataset in ONE aggregate query (one scan), each set-level
rule (unique, references, row_count) in one query of its own, and up to MAX_EXAMPLES example rows
per failing rule from a LIMIT query. Failing rows are never fetched in full.

A query that raises makes the rules it counted an ``error`` (the library's message, no
traceback), never a pass: when the shared aggregate fails, each rule is retried alone so one bad
rule does not take the others down.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import ibis

from kit.checks.engine.compile import Compiled
from kit.checks.engine.datasets import first_line, rows, scalar
from kit.checks.result import MAX_EXAMPLES, CheckResult


def count(table: ibis.Table, compiled: list[Compiled]) -> list[CheckResult]:
    """One CheckResult per compiled rule, in the given order."""
    totals, error = _aggregate(table, compiled)
    if error:
        return [_alone(table, c) for c in compiled]
    return [_result(table, c, totals, i) for i, c in enumerate(compiled)]


def _aggregate(table: ibis.Table, compiled: list[Compiled]) -> tuple[dict[str, int], str]:
    metrics = {"rows": table.count()}
    for i, c in enumerate(compiled):
        if c.applies is not None:
            metrics[f"n{i}"] = ibis.ifelse(c.applies, 1, 0).sum()
        if c.fails is not None:
            failing = c.fails if c.applies is None else c.applies & c.fails
            metrics[f"f{i}"] = ibis.ifelse(failing, 1, 0).sum()
    try:
        row = rows(table.aggregate(**metrics))[0]
    except Exception as exc:  # any backend error is reported, never a pass
        return {}, first_line(exc)
    return {k: int(v or 0) for k, v in row.items()}, ""


def _alone(table: ibis.Table, c: Compiled) -> CheckResult:
    totals, error = _aggregate(table, [c])
    return _error(c, error) if error else _result(table, c, totals, 0)


def _result(table: ibis.Table, c: Compiled, totals: dict[str, int], i: int) -> CheckResult:
    checked = totals.get(f"n{i}", totals["rows"])
    try:
        if c.fails is not None:
            failed = totals[f"f{i}"]
            failing = table.filter(c.fails if c.applies is None else c.applies & c.fails)
            examples = _examples(failing, c) if failed else []
        else:
            checked = checked if c.failing.checked is None else int(c.failing.checked)
            if c.failing.streamed is not None:
                failed, examples = c.failing.streamed()
                examples = [{k: _plain(v) for k, v in row.items()} for row in examples]
            elif c.failing.total is not None:
                failed, examples = _counted_examples(c)
            else:
                failed = int(scalar(c.failing.failed) or 0)
                examples = _examples(c.failing.examples, c) if failed else []
    except Exception as exc:
        return _error(c, first_line(exc))
    return _counted(c, checked, failed, examples)


def _counted(c: Compiled, checked: int, failed: int, examples: list[dict[str, Any]]) -> CheckResult:
    return CheckResult(
        c.rule.id,
        checked,
        failed,
        c.rule.severity,
        c.rule.min_pass_rate,
        examples=examples,
        detail=c.detail,
        judged=c.rule,
    )


TOTAL = "_wbk_failed"


def _counted_examples(c: Compiled) -> tuple[int, list[dict[str, Any]]]:
    """The failing count and up to MAX_EXAMPLES examples of a set-level rule, in one query."""
    table = c.failing.examples
    shown = [col for col in c.shown if col in table.columns] + list(c.failing.measured)
    total = table.aggregate(**{TOTAL: c.failing.total(table)})  # one row: a broadcast, never a window
    ordered = [col for col in shown if col in table.columns]
    fetched = rows(table.select(*shown).limit(MAX_EXAMPLES).cross_join(total).order_by(*ordered))
    failed = int(fetched[0][TOTAL] or 0) if fetched else 0
    return failed, [{k: _plain(v) for k, v in row.items() if k != TOTAL} for row in fetched]


def _examples(failing: ibis.Table, c: Compiled) -> list[dict[str, Any]]:
    measured = list(c.failing.measured) if c.failing is not None else []
    shown = [col for col in c.shown if col in failing.columns] + measured
    # Ordered by what they show (key columns first): a scan in parallel, or a join, returns rows in
    # no fixed order, and the record must name the same examples on every run.
    ordered = [col for col in shown if col in failing.columns]
    fetched = rows(failing.select(*shown, **c.shows).order_by(*ordered).limit(MAX_EXAMPLES))
    return [{k: _plain(v) for k, v in row.items()} for row in fetched]


def _error(c: Compiled, message: str) -> CheckResult:
    """What broke, for the record: the kind, its columns and the library's one-line message."""
    on = f" on {', '.join(c.rule.columns)}" if c.rule.columns else ""
    return CheckResult(
        c.rule.id,
        0,
        0,
        c.rule.severity,
        c.rule.min_pass_rate,
        detail=c.detail,
        error=f"{c.rule.check}{on}: {message}",
        judged=c.rule,
    )


def _plain(value: Any) -> Any:
    """A fetched value as JSON: dates as ISO text, decimals as floats, NaN as None."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
