"""Source profiles: what a source looked like when the record was made, measured where it lives.

A profile is computed with two aggregate queries on an Ibis table, so it runs unchanged on DuckDB,
PostgreSQL or Spark and never pulls the rows into Python:

1. one row of statistics: the row count and, per column, its non-null count, an approximate
   distinct count (HyperLogLog where the backend has one), and min/max of numbers and dates;
2. one scan, each row's values unnested and grouped: the value counts of every column with few distinct values
   (which makes their distinct count exact and gives categoricals their top values) and the bin
   counts of every numeric column (a fixed-bin histogram).

Histogram bins are equal-width between the column's min and max, unless the caller passes the bins
of an earlier profile: drift compares two histograms only when they share their bins. The outer bins
are open-ended, so a value beyond the earlier range lands in the first or last bin, not nowhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dtypes
from pydantic import BaseModel, Field

from kit.answers.schema import Answers
from kit.checks.engine.datasets import SourceError, opened

# A distinct count is counted exactly when the approximate one is at most this; above it the
# (HyperLogLog) estimate stands, and the profile says so.
EXACT_DISTINCT_LIMIT = 1_000
# A text column is categorical (top values, a distribution to compare) up to this many distinct
# values; above it, it is an identifier or free text whose top values say nothing.
CATEGORY_LIMIT = 50
TOP_VALUES = 20  # top values kept per categorical column; the rest are summed in other_count
HISTOGRAM_BINS = 10
SEPARATOR = "\x1f"  # ASCII unit separator: joins a measure's key to a value in query 2


class ValueCount(BaseModel):
    value: str
    count: int


class Histogram(BaseModel):
    """Equal-width bins from low to high; the first and last bins are open-ended."""

    low: float
    high: float
    counts: list[int] = Field(description="rows per bin, len(counts) bins")

    @property
    def bins(self) -> int:
        return len(self.counts)


class ColumnProfile(BaseModel):
    name: str
    type: str = Field(description="the engine's type, e.g. int64, float64, string, date")
    nulls: int
    null_share: float = Field(ge=0, le=1)
    distinct: int | None = Field(description="null for structs, lists, JSON and bytes")
    distinct_exact: bool = Field(description="false when distinct is a HyperLogLog estimate")
    min: float | str | None = Field(None, description="numbers as numbers, dates as ISO text")
    max: float | str | None = None
    top_values: list[ValueCount] | None = Field(
        None,
        description=f"text columns of at most {CATEGORY_LIMIT} distinct values: the {TOP_VALUES} most "
        "frequent, most frequent first",
    )
    other_count: int = Field(0, description="non-null rows whose value is not in top_values")
    histogram: Histogram | None = Field(None, description="numeric columns")

    @property
    def categorical(self) -> bool:
        return self.top_values is not None


class SourceProfile(BaseModel):
    source: str = Field(description="source id in the answers")
    sample: str = Field(description="the file(s) profiled, relative to the project, or connection:table")
    rows: int
    columns: list[ColumnProfile]

    def column(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)


def kind(dtype: dtypes.DataType) -> str:
    if dtype.is_numeric() and not dtype.is_boolean():
        return "number"
    if dtype.is_temporal():
        return "time"
    if dtype.is_nested() or dtype.is_json() or dtype.is_binary() or dtype.is_unknown():
        return "other"  # structs, lists, JSON, bytes: counted (rows, nulls), not described
    return "category"


def profile_table(
    table: ibis.Table,
    source: str,
    sample: str,
    bins: dict[str, Histogram] | None = None,
    sensitive: Iterable[str] = (),
) -> SourceProfile:
    """The profile of ``table``; ``bins`` (per column) makes histograms share an earlier profile's bins.
    A ``sensitive`` column keeps its counts only: no min, max, top values or histogram."""
    profile = _profile(table, source, sample, bins)
    hidden = set(sensitive)
    for i, column in enumerate(profile.columns):
        if column.name in hidden:
            profile.columns[i] = column.model_copy(
                update={"min": None, "max": None, "top_values": None, "other_count": 0, "histogram": None}
            )
    return profile


def _profile(table: ibis.Table, source: str, sample: str, bins: dict[str, Histogram] | None) -> SourceProfile:
    stats = _statistics(table)
    rows = int(stats["rows"] or 0)
    edges = _bins(table, stats, bins or {})
    counted = [c for i, c in enumerate(table.columns) if (stats.get(f"d{i}") or 0) <= EXACT_DISTINCT_LIMIT]
    counted = [c for c in counted if kind(table.schema()[c]) != "other"]
    values, histograms = _distributions(table, counted, edges)
    columns = []
    for i, name in enumerate(table.columns):
        dtype = table.schema()[name]
        nulls = rows - int(stats[f"n{i}"])
        exact = name in counted
        counts = sorted(values.get(name, []), key=lambda vc: (-vc.count, vc.value))
        categorical = exact and kind(dtype) == "category" and len(counts) <= CATEGORY_LIMIT
        top = counts[:TOP_VALUES] if categorical else None
        histogram = None
        if name in edges:
            low, high = edges[name]
            histogram = Histogram(low=low, high=high, counts=histograms.get(name, [0] * HISTOGRAM_BINS))
        columns.append(
            ColumnProfile(
                name=name,
                type=str(dtype.copy(nullable=True)),
                nulls=nulls,
                null_share=nulls / rows if rows else 0.0,
                distinct=len(counts) if exact else stats.get(f"d{i}"),
                distinct_exact=exact,
                min=_plain(stats.get(f"lo{i}")),
                max=_plain(stats.get(f"hi{i}")),
                top_values=top,
                other_count=sum(vc.count for vc in counts[TOP_VALUES:]) if top is not None else 0,
                histogram=histogram,
            )
        )
    return SourceProfile(source=source, sample=sample, rows=rows, columns=columns)


def _statistics(table: ibis.Table) -> dict[str, Any]:
    """Query 1: one row; column i's measures are named n<i>, d<i>, lo<i>, hi<i>."""
    measures: dict[str, Any] = {"rows": table.count()}
    for i, name in enumerate(table.columns):
        column = table[name]
        measures[f"n{i}"] = column.count()
        if kind(column.type()) == "other":
            continue
        measures[f"d{i}"] = column.approx_nunique()
        if kind(column.type()) != "category":
            measures[f"lo{i}"] = column.min()
            measures[f"hi{i}"] = column.max()
    return table.aggregate(**measures).to_pyarrow().to_pylist()[0]


def _bins(table: ibis.Table, stats: dict[str, Any], given: dict[str, Histogram]) -> dict[str, tuple]:
    """(low, high) of every numeric column's histogram: an earlier profile's, else its own range."""
    out = {}
    for i, name in enumerate(table.columns):
        if kind(table.schema()[name]) != "number":
            continue
        if name in given and given[name].bins == HISTOGRAM_BINS:
            out[name] = (given[name].low, given[name].high)
        elif stats.get(f"lo{i}") is not None:
            out[name] = (float(stats[f"lo{i}"]), float(stats[f"hi{i}"]))
    return out


def _distributions(table: ibis.Table, counted: list[str], edges: dict[str, tuple]):
    """Query 2, one scan: every counted column's values and every numeric column's bin index as
    text, tagged with their key, unnested into one row each and counted."""
    keys: dict[str, tuple[str, str]] = {}  # generated key -> (column, "value" or "bin")
    measures = {}
    for name in counted:
        key = f"v{len(keys)}"
        keys[key] = (name, "value")
        measures[key] = table[name].cast("string")
    for name, (low, high) in edges.items():
        key = f"h{len(keys)}"
        keys[key] = (name, "bin")
        width = (high - low) / HISTOGRAM_BINS or 1.0
        index = ((table[name].cast("float64") - low) / width).floor().cast("int64")
        measures[key] = index.clip(0, HISTOGRAM_BINS - 1).cast("string")
    values: dict[str, list[ValueCount]] = {}
    histograms: dict[str, list[int]] = {}
    if not measures:
        return values, histograms
    # One array of "key<US>value" texts per row, unnested: a single generator, which every backend
    # has (Spark allows one per select). Ibis' pivot_longer returns JSON-quoted text on PostgreSQL.
    tagged = [ibis.literal(f"{key}{SEPARATOR}") + value for key, value in measures.items()]
    cells = table.select(cell=ibis.array(tagged).unnest())
    counts = cells.filter(cells.cell.notnull()).group_by("cell").aggregate(n=ibis._.count())
    for row in counts.to_pyarrow().to_pylist():
        key, value = row["cell"].split(SEPARATOR, 1)
        name, what = keys[key]
        if what == "value":
            values.setdefault(name, []).append(ValueCount(value=value, count=row["n"]))
        else:
            histograms.setdefault(name, [0] * HISTOGRAM_BINS)[int(value)] += row["n"]
    return values, histograms


def _plain(value: Any) -> float | str | None:
    """A min or max as JSON keeps it: dates and times as ISO text, numbers as floats."""
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    number = float(value)
    return None if math.isnan(number) else number


def newest_date(profile: SourceProfile, column: str) -> dt.date | None:
    """The latest date in a profiled column (a date, a timestamp or ISO text), None if it has none."""
    found = profile.column(column)
    if found is None or found.max is None or not isinstance(found.max, str):
        return None
    try:
        return dt.datetime.fromisoformat(found.max).date()
    except ValueError:
        return None


# --- every source of a project ----------------------------------------------------------------


def profile_sources(
    project_dir: Path,
    answers: Answers,
    bins: Callable[[str], dict[str, Histogram]] | None = None,
    tables: dict | None = None,
) -> dict[str, SourceProfile]:
    """The profile of every source the engine can open (a sample, or a table on a connection), by
    source id; ``bins(source_id)`` gives an earlier profile's histogram bins; ``tables``: the
    sources the prepared plan opened. A source that cannot be opened gets no profile: the rules
    that read it report why, located."""
    profiles = {}
    for source in answers.problem_boundaries.data.sources:
        if not source.sample and not (source.connection and source.table):
            continue
        where = source.sample or f"{source.connection}:{source.table}"
        try:
            table = opened(source, Path(project_dir), tables)
        except SourceError:
            continue
        earlier = bins(source.id) if bins else None
        profiles[source.id] = profile_table(table, source.id, where, earlier, source.sensitive)
    return profiles
