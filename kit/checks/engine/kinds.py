"""The check kinds, as data. Each kind declares its parameters (a pydantic model, and so its JSON
Schema), how many columns it reads, a one-line meaning rendered with the rule's own values, and
either a row predicate (True = the row passes) or, for kinds that look at more than one row, a
query of its failing rows, and what a failing row does, in words (the record's condition or
blocker). Adding a kind touches this table and its tests, nothing else: a kind cannot ship
without its sentence (tests/test_house.py walks the table).

NULL semantics: a NULL value passes every kind but ``not_null`` (a missing value is counted once,
by the rule written for it); a predicate that still comes out NULL counts as a failure, except for
``expression``, which follows SQL CHECK constraints (NULL passes).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kit import phrases
from kit.checks.engine import expression, temporal, text


@dataclass
class Context:
    """What a rule needs beyond its own table: the day it is judged on and the other datasets."""

    as_of: dt.date
    timezone: str = "UTC"
    datasets: Mapping[str, ibis.Table] = field(default_factory=dict)
    project_dir: Path | None = None  # where files a rule names are found (contains_none's words_file)


class RuleError(Exception):
    """A rule that cannot run on this data, located inside the rule (e.g. ("columns", 0))."""

    def __init__(self, message: str, where: tuple = ()):
        super().__init__(message)
        self.where = where


@dataclass
class Failing:
    """A set-level kind's answer: its failing-row count, example rows, and rows checked (None: the
    rows the rule applies to)."""

    failed: ibis.Scalar
    examples: ibis.Table
    checked: ibis.Scalar | int | None = None
    measured: tuple[str, ...] = ()  # columns the query computes that examples show, e.g. "occurs"
    # The failing count as an aggregate over the examples' rows: the count and the examples then
    # come from ONE query (kit.checks.engine.count joins the one-row total to the examples). An
    # aggregate, not a window without PARTITION BY, which Spark runs on a single partition.
    total: Callable[[ibis.Table], ibis.Scalar] | None = None
    # Every failing row with all of the dataset's columns, for --failures (kit.checks.engine.failures);
    # None: the kind fails the dataset as a whole.
    rows: ibis.Table | None = None
    # Judged outside SQL over streamed batches (grounded): () -> (failing count, example rows).
    streamed: Callable[[], tuple[int, list[dict]]] | None = None


# --- parameters -------------------------------------------------------------------------------


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InSet(NoParams):
    values: list[Any] = Field(min_length=1)


class Between(NoParams):
    min: float | None = None
    max: float | None = None


class Matches(NoParams):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern


class FreshWithin(NoParams):
    days: int = Field(ge=0)


class FlagLetters(NoParams):
    low: str = "L"
    normal: str = "N"
    high: str = "H"


OPERATORS: dict[str, Callable] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}


class Compare(NoParams):
    op: Literal["<", "<=", "==", "!=", ">=", ">"]
    value: float | int | dt.datetime | dt.date | str | None = None


class References(NoParams):
    dataset: str
    column: str


class RowCount(NoParams):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _some_bound(self) -> RowCount:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self


class Expression(NoParams):
    sql: str = Field(min_length=1)

    @field_validator("sql")
    @classmethod
    def _parses(cls, sql: str) -> str:
        try:
            expression.parse(sql)
        except expression.ExpressionError as exc:
            raise ValueError(str(exc)) from None
        return sql


# --- helpers shared by the predicates ---------------------------------------------------------

_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def as_number(col: ibis.Value, index: int = 0) -> ibis.Value:
    """Numbers as numbers; text that reads as a number cast, other text NULL (never a cast error)."""
    kind = col.type()
    if kind.is_numeric():
        return col.cast("float64")
    if kind.is_string():
        return ibis.cases((col.re_search(_NUMBER), col.cast("float64")), else_=ibis.null("float64"))
    raise RuleError(f"{col.get_name()!r} holds {kind} values, not numbers", ("columns", index))


def code(text: str) -> str:
    """Text the user typed, as a Markdown code span (never read as Markdown or HTML)."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _names(columns: list[str]) -> str:
    return phrases.listing(columns)


def _one_of(values: list[Any]) -> str:
    shown = [str(v) for v in values]
    return f"equal to {shown[0]}" if len(shown) == 1 else f"one of {phrases.listing(shown, 'or')}"


# --- the kinds --------------------------------------------------------------------------------


def _not_null(t, cols, p, ctx):
    return functools.reduce(operator.and_, [t[c].notnull() for c in cols])


def _in_set(t, cols, p, ctx):
    col = t[cols[0]]
    kind = col.type()
    if kind.is_numeric():
        numbers = [float(v) for v in p.values if _is_number(v)]
        allowed = col.cast("float64").isin(numbers) if numbers else ibis.literal(False)
    elif kind.is_string():
        allowed = col.isin([str(v) for v in p.values])
    else:
        allowed = col.cast("string").isin([str(v) for v in p.values])
    return col.isnull() | allowed


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _between(t, cols, p, ctx):
    col = t[cols[0]]
    number = as_number(col)
    ok = number.notnull()
    if p.min is not None:
        ok &= number >= p.min
    if p.max is not None:
        ok &= number <= p.max
    return col.isnull() | ok


def _matches(t, cols, p, ctx):
    col = t[cols[0]]
    return col.isnull() | col.cast("string").re_search(f"^(?:{p.pattern})$")


def _fresh_within(t, cols, p, ctx):
    form = _form(t, cols[0], 0)
    limit = temporal.cutoff(ctx.as_of, p.days, ctx.timezone)
    return t[cols[0]].isnull() | temporal.at_or_after(temporal.as_time(t, cols[0], form), form, limit)


def _form(t, column, index):
    try:
        return temporal.form_of(t, column)
    except temporal.NotDates as exc:
        raise RuleError(str(exc), ("columns", index)) from None


def _consistent_flag(t, cols, p, ctx):
    flag = t[cols[0]]
    value, low, high = (as_number(t[c], i) for i, c in enumerate(cols) if i)
    expected = ibis.cases((value < low, p.low), (value > high, p.high), else_=p.normal)
    return flag.isnull() | value.isnull() | (flag == expected)


_RANK = {"date": 0, "naive": 1, "zoned": 2}


def _compare(t, cols, p, ctx):
    if (len(cols) == 2) == (p.value is not None):
        raise RuleError("compare takes two columns, or one column and params.value", ("columns",))
    left = t[cols[0]]
    if len(cols) == 2:
        right = t[cols[1]]
        if _temporal(left) or _temporal(right) or all(_dates_as_text(t, c) for c in cols):
            left, right = _common_time(t, cols)
        return left.isnull() | right.isnull() | OPERATORS[p.op](left, right)
    value = p.value
    if _temporal(left) or (isinstance(value, dt.date) and _dates_as_text(t, cols[0])):
        form = _form(t, cols[0], 0)
        left = temporal.as_time(t, cols[0], form)
        value = _time_literal(value, form)
    elif left.type().is_numeric() and not _is_number(value):
        raise RuleError(
            f"{cols[0]!r} holds numbers; compare it with a number, not {value!r}", ("params", "value")
        )
    elif left.type().is_string():
        value = str(value)
    return left.isnull() | OPERATORS[p.op](left, value)


def _temporal(col: ibis.Value) -> bool:
    return col.type().is_date() or col.type().is_timestamp()


def _dates_as_text(t, column: str) -> bool:
    """A text column whose every value is an ISO date or timestamp (e.g. JSON has no date type)."""
    if not t[column].type().is_string():
        return False
    try:
        temporal.form_of(t, column)
    except temporal.NotDates:
        return False
    return True


def _common_time(t, cols):
    """Two date-like columns in one form: a date widens to a timestamp; zoned and naive never mix."""
    forms = [_form(t, c, i) for i, c in enumerate(cols)]
    if "zoned" in forms and forms != ["zoned", "zoned"]:
        raise RuleError(
            f"{cols[0]!r} and {cols[1]!r}: one has a time zone and the other not; compare like with like",
            ("columns",),
        )
    widest = max(forms, key=_RANK.get)
    return tuple(
        temporal.as_time(t, c, f).cast(temporal.TYPES[widest]) if f != widest else temporal.as_time(t, c, f)
        for c, f in zip(cols, forms, strict=True)
    )


def _time_literal(value: Any, form: str) -> ibis.Value:
    try:
        when = value if isinstance(value, dt.date) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise RuleError(f"{value!r} is not a date; write YYYY-MM-DD", ("params", "value")) from None
    if form == "date":
        return ibis.date(when if type(when) is dt.date else when.date())
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    if form == "zoned":
        if when.tzinfo is None:
            raise RuleError(
                "the column has a time zone: give the value one too, e.g. 2026-01-01T00:00:00Z",
                ("params", "value"),
            )
        return ibis.literal(when.astimezone(dt.UTC).replace(tzinfo=None), type=temporal.TYPES["zoned"])
    return ibis.timestamp(when.replace(tzinfo=None))


def _expression(t, cols, p, ctx):
    try:
        predicate = expression.translate(p.sql, t)
    except expression.ExpressionError as exc:
        raise RuleError(str(exc), ("params", "sql")) from None
    if not predicate.type().is_boolean():
        raise RuleError(f"the expression gives {predicate.type()}, not true/false", ("params", "sql"))
    return predicate.fill_null(True)  # like a SQL CHECK constraint: unknown is not a violation


def _unique(t, cols, p, ctx):
    keyed = t.filter(*[t[c].notnull() for c in cols])  # a key with a NULL is never a duplicate
    groups = keyed.group_by(cols).aggregate(n=keyed.count())
    repeated = groups.filter(groups.n > 1)
    failed = (repeated.n - 1).sum()
    # One example per repeated key, saying how often it occurs; ordered, so examples are stable.
    examples = repeated.select(*cols, occurs=repeated.n).order_by(cols)
    sharing = keyed.join(repeated.select(*cols), cols, how="semi")  # every row of a repeated key
    return Failing(failed, examples, measured=("occurs",), total=lambda e: (e.occurs - 1).sum(), rows=sharing)


def _references(t, cols, p, ctx):
    other = ctx.datasets.get(p.dataset)
    if other is None:
        raise RuleError(f"dataset {p.dataset!r} has no data to look values up in", ("params", "dataset"))
    if p.column not in other.columns:
        raise RuleError(f"column {p.column!r} is not in dataset {p.dataset!r}", ("params", "column"))
    other = other.view()  # a dataset may refer to itself (e.g. parent_id -> id)
    keys = other.select(key=other[p.column]).filter(ibis._.key.notnull()).distinct()
    keyed = t.filter(t[cols[0]].notnull())
    left = keyed[cols[0]]
    if not (left.type() == keys.key.type() or (left.type().is_numeric() and keys.key.type().is_numeric())):
        keys, left = keys.select(key=keys.key.cast("string")), left.cast("string")  # e.g. 42 against "42"
    orphans = keyed.join(keys, left == keys.key, how="anti")
    key = cols[0]  # never null among orphans, so counting it counts them
    return Failing(
        orphans.count(), orphans.order_by(t.columns[0]), total=lambda e: e[key].count(), rows=orphans
    )  # ordered: stable examples


def _row_count(t, cols, p, ctx):
    rows = t.count()
    ok = ibis.literal(True)
    if p.min is not None:
        ok &= rows >= p.min
    if p.max is not None:
        ok &= rows <= p.max
    return Failing(ibis.ifelse(ok, 0, 1), t.aggregate(rows=t.count()), checked=1, measured=("rows",))


# --- meanings, rendered with the rule's own values --------------------------------------------


def _bounds(p: Between) -> str:
    if p.min is not None and p.max is not None:
        return f"between {phrases.number(p.min)} and {phrases.number(p.max)}"
    if p.min is not None:
        return f"at least {phrases.number(p.min)}"
    return f"at most {phrases.number(p.max)}" if p.max is not None else "any number"


def _fresh_meaning(cols, p, ctx):
    limit = temporal.cutoff(ctx.as_of, p.days, ctx.timezone)
    return (
        f"{phrases.a(cols[0])} no older than {phrases.plural(p.days, 'day')} before {ctx.as_of.isoformat()} 00:00 "
        f"{ctx.timezone}: on or after {limit.stated()}"
    )


def _compare_meaning(cols, p, ctx):
    right = cols[1] if len(cols) == 2 else repr(p.value) if isinstance(p.value, str) else str(p.value)
    return f"{code(f'{cols[0]} {p.op} {right}')} (a row with a missing value passes)"


def _row_count_meaning(cols, p, ctx):
    if p.min is not None and p.max is not None:
        return f"the dataset holds between {phrases.number(p.min)} and {phrases.number(p.max)} rows"
    return (
        f"the dataset holds at least {phrases.plural(p.min, 'row')}"
        if p.min is not None
        else (f"the dataset holds at most {phrases.plural(p.max, 'row')}")
    )


# --- failures: what a failing row does, a verb agreeing with the failing count and the rest ----
# "37 of 3,013 claims (1.2 %) have | an incident_date older than 365 days before 2026-11-24"

LONGEST_VALUE_LIST = 6  # longer allowed-value lists are counted, not spelled out


def _values(values: list[Any]) -> str:
    if len(values) > LONGEST_VALUE_LIST:
        return f"the {phrases.plural(len(values), 'allowed value')}"
    return phrases.listing([str(v) for v in values], "or")


def _range(p: Between) -> str:
    if p.min is not None and p.max is not None:
        return f"from {phrases.number(p.min)} to {phrases.number(p.max)}"
    return (
        f"of at least {phrases.number(p.min)}" if p.min is not None else f"of at most {phrases.number(p.max)}"
    )


def _fresh_failure(cols, p, ctx, noun):
    return "have", f"{phrases.a(cols[0])} older than {phrases.days(p.days)} before {phrases.date(ctx.as_of)}"


def _compare_failure(cols, p, ctx, noun):
    right = cols[1] if len(cols) == 2 else repr(p.value) if isinstance(p.value, str) else str(p.value)
    return "fail", f"{cols[0]} {p.op} {right}"


def _row_count_failure(cols, p, ctx, noun):
    if p.min is not None and p.max is not None:
        size = f"from {phrases.number(p.min)} to {phrases.plural(p.max, noun)}"
    else:
        size = (
            f"at least {phrases.plural(p.min, noun)}"
            if p.min is not None
            else f"at most {phrases.plural(p.max, noun)}"
        )
    return "fail", f"the size required of the dataset: {size}"


@dataclass(frozen=True)
class Kind:
    params: type[BaseModel]
    columns: tuple[int, int | None]  # at least, at most (None: any number)
    meaning: Callable[[list[str], Any, Context], str]
    # failure(columns, params, ctx, noun) -> (verb, rest): the verb agrees with the failing count
    # (kit.phrases.verb), the rest uses the rule's values, the row noun and ctx.as_of (the run's day).
    failure: Callable[[list[str], Any, Context, str], tuple[str, str]]
    passes: Callable[..., ibis.BooleanValue] | None = None  # row-level: True = the row passes
    failing: Callable[..., Failing] | None = None  # set-level: a query of its own
    reads: Callable[[Any], list[str]] = lambda params: []  # columns read beyond ``columns``
    # A rule of this kind as a user writes it, (columns, params): what `wbk kinds` and step 2 show.
    example: tuple[tuple[str, ...], dict[str, Any]] = ((), {})
    # What an example row shows besides its columns (e.g. the word a text held), by name.
    shows: Callable[..., dict[str, ibis.Value]] | None = None

    def example_meaning(self, as_of: dt.date = dt.date(2026, 11, 1)) -> str:
        """The meaning of the example rule: "a unit that is one of mg/dL or mmol/L"."""
        columns, params = self.example
        return self.meaning(list(columns), self.params.model_validate(params), Context(as_of))


KINDS: dict[str, Kind] = {
    "not_null": Kind(
        NoParams,
        (1, None),
        lambda c, p, x: f"{_names(c)} {'has' if len(c) == 1 else 'have'} a value",
        lambda c, p, x, noun: ("have", f"no value in {phrases.listing(c, 'or')}"),
        passes=_not_null,
        example=(("unit",), {}),
    ),
    "unique": Kind(
        NoParams,
        (1, None),
        lambda c, p, x: (
            f"each {c[0]} occurs once" if len(c) == 1 else f"each combination of {_names(c)} occurs once"
        ),
        lambda c, p, x, noun: ("repeat", f"the {_names(c)} of an earlier {noun}"),
        failing=_unique,
        example=(("result_id",), {}),
    ),
    "in_set": Kind(
        InSet,
        (1, 1),
        lambda c, p, x: f"{phrases.a(c[0])} that is {_one_of(p.values)}",
        lambda c, p, x, noun: ("have", f"{phrases.a(c[0])} other than {_values(p.values)}"),
        passes=_in_set,
        example=(("unit",), {"values": ["mg/dL", "mmol/L"]}),
    ),
    "between": Kind(
        Between,
        (1, 1),
        lambda c, p, x: f"{phrases.a(c[0])} that is a number {_bounds(p)}",
        lambda c, p, x, noun: ("have", f"{phrases.a(c[0])} that is not a number {_range(p)}"),
        passes=_between,
        example=(("value",), {"min": 0, "max": 1000}),
    ),
    "matches": Kind(
        Matches,
        (1, 1),
        lambda c, p, x: f"{phrases.a(c[0])} matching {code(p.pattern)} in full",
        lambda c, p, x, noun: ("have", f"{phrases.a(c[0])} that does not match {p.pattern}"),
        passes=_matches,
        example=(("test_code",), {"pattern": r"\d+-\d"}),
    ),
    "fresh_within": Kind(
        FreshWithin,
        (1, 1),
        _fresh_meaning,
        _fresh_failure,
        passes=_fresh_within,
        example=(("collected_on",), {"days": 365}),
    ),
    "consistent_flag": Kind(
        FlagLetters,
        (4, 4),
        lambda c, p, x: (
            f"{c[0]} agrees with {c[1]} against {c[2]}-{c[3]}: {p.low} below, {p.normal} within, {p.high} above"
        ),
        lambda c, p, x, noun: ("have", f"{phrases.a(c[0])} that disagrees with {c[1]} against {c[2]}-{c[3]}"),
        passes=_consistent_flag,
        example=(("flag", "value", "range_low", "range_high"), {}),
    ),
    "compare": Kind(
        Compare,
        (1, 2),
        _compare_meaning,
        _compare_failure,
        passes=_compare,
        example=(("reported_date", "incident_date"), {"op": ">="}),
    ),
    "references": Kind(
        References,
        (1, 1),
        lambda c, p, x: f"every {c[0]} exists in {p.dataset}.{p.column}",
        lambda c, p, x, noun: ("have", f"{phrases.a(c[0])} found nowhere in {p.dataset}.{p.column}"),
        failing=_references,
        example=(("patient_id",), {"dataset": "patients", "column": "id"}),
    ),
    "row_count": Kind(
        RowCount,
        (0, 0),
        _row_count_meaning,
        _row_count_failure,
        failing=_row_count,
        example=((), {"min": 100}),
    ),
    "expression": Kind(
        Expression,
        (0, None),
        lambda c, p, x: f"rows satisfy {code(p.sql)}",
        lambda c, p, x, noun: ("fail", p.sql),
        passes=_expression,
        reads=lambda p: expression.columns(p.sql),
        example=((), {"sql": "amount > 0 OR status = 'void'"}),
    ),
    # generated text (kit.checks.engine.text)
    "contains_none": Kind(
        text.ContainsNone,
        (1, 1),
        text.none_meaning,
        text.none_failure,
        passes=text.contains_none,
        shows=text.contains_none_shows,
        example=(("sections.body.text",), {"words_file": "banned_words.txt", "patterns": [r"\d{3} \d{4}"]}),
    ),
    "contains_all": Kind(
        text.ContainsAll,
        (1, 1),
        text.all_meaning,
        text.all_failure,
        passes=text.contains_all,
        shows=text.contains_all_shows,
        example=(("sections.body.text",), {"phrases": ["see our delay policy"]}),
    ),
    "length": Kind(
        text.Length,
        (1, 1),
        text.length_meaning,
        text.length_failure,
        passes=text.length,
        shows=text.length_shows,
        example=(("sections.body.text",), {"min_words": 5, "max_words": 80}),
    ),
    "grounded": Kind(
        text.Grounded,
        (2, None),
        text.grounded_meaning,
        text.grounded_failure,
        failing=text.grounded,
        example=(("sections.body.text", "input.dep_delay", "input.flight_date"), {}),
    ),
}
