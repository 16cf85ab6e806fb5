"""A rule compiled against its dataset's table: its kind's predicate or failing-row query, its
``where``, and its meaning with the rule's own values. Compiling runs no scan of the data (only
text date columns are classified by one small query), so validate and run share it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import ibis
from pydantic import BaseModel

from kit.answers.schema import Rule
from kit.checks.engine import expression
from kit.checks.engine.kinds import KINDS, Context, Failing, Kind, RuleError, code


@dataclass
class Compiled:
    rule: Rule
    kind: Kind
    params: BaseModel
    meaning: str
    applies: ibis.BooleanValue | None  # the rule's where; None: every row
    fails: ibis.BooleanValue | None  # row-level kinds: True when the row fails
    failing: Failing | None  # set-level kinds: their own query
    shown: list[str]  # columns an example row shows
    shows: dict[str, ibis.Value] = field(default_factory=dict)  # and what the kind measured on it

    @property
    def detail(self) -> str:
        return f"{self.rule.description} ({self.meaning})" if self.rule.description else self.meaning


def compile_rule(rule: Rule, table: ibis.Table, ctx: Context, label: str = "the dataset") -> Compiled:
    """Raises RuleError located inside the rule when the rule cannot run on this table (``label``
    names the table in messages, e.g. its sample file)."""
    kind = KINDS[rule.check]
    params = kind.params.model_validate(rule.params)
    for j, column in enumerate(rule.columns):
        if column not in table.columns:
            close = difflib.get_close_matches(column, table.columns, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleError(f"column {column!r} is not in {label}{hint}", ("columns", j))
    applies = _where(rule.where, table)
    scope = table.filter(applies) if applies is not None else table
    meaning = kind.meaning(list(rule.columns), params, ctx) + (
        f", where {code(rule.where)}" if rule.where else ""
    )
    fails = failing = None
    if kind.passes is not None:
        fails = ~kind.passes(table, list(rule.columns), params, ctx).fill_null(False)
    else:
        failing = kind.failing(scope, list(rule.columns), params, ctx)
    shows = kind.shows(table, list(rule.columns), params, ctx) if kind.shows else {}
    return Compiled(rule, kind, params, meaning, applies, fails, failing, _shown(rule, params, table), shows)


def _where(text: str | None, table: ibis.Table) -> ibis.BooleanValue | None:
    if not text:
        return None
    try:
        predicate = expression.translate(text, table)
    except expression.ExpressionError as exc:
        raise RuleError(str(exc), ("where",)) from None
    if not predicate.type().is_boolean():
        raise RuleError(f"where gives {predicate.type()}, not true/false", ("where",))
    return predicate.fill_null(False)  # like SQL WHERE: unknown does not apply


def _shown(rule: Rule, params: BaseModel, table: ibis.Table) -> list[str]:
    """The dataset's first column (usually its id), then what the rule reads."""
    read = list(rule.columns) + KINDS[rule.check].reads(params)
    return [c for c in dict.fromkeys([table.columns[0], *read]) if c in table.columns]
