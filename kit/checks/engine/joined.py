"""The table a rule reads when it reaches beyond one flat dataset: generated outputs with nested
fields flattened to dotted paths and the output's input row as ``input.<column>``, and any dataset
with its joins as ``<dataset>.<column>``.

A join never multiplies rows: the joined side is first reduced to one row per key. A key that
matches several rows keeps the values those rows agree on; a value they disagree on is missing
(NULL, so only ``not_null`` fails on it), and the rows that met such a key are counted
(``Joined.ambiguous``) so the record can say so. A key that matches nothing leaves every joined
column missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import ibis

from kit.findings import did_you_mean

INPUT = "input"  # the alias of an output's input row
_ROWS = "__rows"  # per joined key: how many rows of the joined dataset it matched


class JoinError(Exception):
    """A join that cannot be made, located inside its declaration (e.g. ("on", "dest"))."""

    def __init__(self, message: str, where: tuple = ()):
        super().__init__(message)
        self.where = where


@dataclass
class Joined:
    table: ibis.Table
    ambiguous: dict[str, ibis.Scalar] = field(default_factory=dict)  # alias -> rows with a several-row key


def flatten(table: ibis.Table) -> ibis.Table:
    """Struct columns expanded into one column per leaf, named by dotted path (sections.pay.currency);
    lists (repeated sections) stay lists."""
    columns: dict[str, ibis.Value] = {}

    def walk(value: ibis.Value, name: str) -> None:
        kind = value.type()
        if kind.is_struct():
            for child in kind.names:
                walk(value[child], f"{name}.{child}")
        else:
            columns[name] = value

    for name in table.columns:
        walk(table[name], name)
    return table.select(**columns)


def join(
    left: ibis.Table,
    joins: list[tuple[str, ibis.Table, Mapping[str, str]]],
    prefix: str = "",
) -> Joined:
    """``left`` with each (alias, table, {left column: joined column}) joined as <alias>.<column>;
    ``prefix`` is put before each left column named in ``on`` (e.g. "input." for an output's joins)."""
    ambiguous: dict[str, ibis.Scalar] = {}
    for index, (alias, other, on) in enumerate(joins):
        for mine, theirs in on.items():
            if f"{prefix}{mine}" not in left.columns:
                known = [c.removeprefix(prefix) for c in left.columns if c.startswith(prefix)]
                raise JoinError(
                    f"column {mine!r} is not there to join on{did_you_mean(mine, known)}", (index, "on", mine)
                )
            if theirs not in other.columns:
                raise JoinError(
                    f"column {theirs!r} is not in {alias}{did_you_mean(theirs, other.columns)}",
                    (index, "on", mine),
                )
        reduced = beside(left, materialised(one_per_key(flatten(other), list(on.values()), alias)))
        predicates = [
            _same_key(left[f"{prefix}{mine}"], reduced[f"{alias}.{theirs}"]) for mine, theirs in on.items()
        ]
        left = left.left_join(reduced, predicates)
        counted = left[f"{alias}.{_ROWS}"]
        ambiguous[alias] = ibis.ifelse(counted > 1, 1, 0).sum()
    hidden = [c for c in left.columns if c.endswith(f".{_ROWS}")]
    return Joined(left.drop(*hidden) if hidden else left, ambiguous)


def materialised(table: ibis.Table) -> ibis.Table:
    """On the kit's own DuckDB (files as sources) a joined side, one row per key, is computed once
    into a temporary table that every query reads (else each count, example and form query regroups
    it); named connections (DuckDB files, PostgreSQL, Spark) keep the query, planned as a view."""
    from kit.checks.engine import datasets  # datasets imports the answers' schema; keep this module light

    con = table.get_backend()
    if con is not datasets.default_backend():  # a named connection's tables may change under it
        return table
    key = str(ibis.to_sql(table))  # files opened again, unchanged, are the same view: the same query
    if key not in _MATERIALISED:
        _MATERIALISED[key] = con.create_table(f"wbk_one_per_key_{uuid.uuid4().hex}", table, temp=True)
    return _MATERIALISED[key]


_MATERIALISED: dict[str, ibis.Table] = {}  # one temporary table per query, for the life of the process


def beside(left: ibis.Table, other: ibis.Table) -> ibis.Table:
    """``other`` where ``left`` lives. A joined side on another backend (outputs in files, their
    input on PostgreSQL or Spark) cannot be joined where it is: it is brought across, already
    reduced to one row per key, as an in-memory table that Ibis registers with ``left``'s backend
    when a query runs (and drops when it is no longer used)."""
    if other.get_backend() is left.get_backend():
        return other
    return ibis.memtable(other.to_pyarrow())


def one_per_key(table: ibis.Table, keys: list[str], alias: str) -> ibis.Table:
    """One row per key, every column named <alias>.<column>: values the key's rows agree on, else
    NULL; plus how many rows the key had. Lists and maps cannot be compared and are left out."""
    keyed = table.filter(*[table[k].notnull() for k in keys])
    values = {}
    for name in keyed.columns:
        kind = keyed[name].type()
        if name in keys or kind.is_array() or kind.is_map() or kind.is_struct():
            continue
        column = keyed[name].cast("int8") if kind.is_boolean() else keyed[name]
        agreed = ibis.ifelse(column.min() == column.max(), column.min(), ibis.null(column.type()))
        values[f"{alias}.{name}"] = agreed.cast("boolean") if kind.is_boolean() else agreed
    return keyed.group_by({f"{alias}.{k}": keyed[k] for k in keys}).aggregate(
        **values, **{f"{alias}.{_ROWS}": keyed.count()}
    )


def _same_key(mine: ibis.Value, theirs: ibis.Value) -> ibis.BooleanValue:
    """Equal keys; 42 and "42" are the same key (a JSON field against a text column)."""
    a, b = mine.type(), theirs.type()
    if a == b or (a.is_numeric() and b.is_numeric()):
        return mine == theirs
    return mine.cast("string") == theirs.cast("string")


def joins_of(
    left: ibis.Table, declared: list, tables: Mapping[str, ibis.Table], where: tuple, prefix: str = ""
) -> Joined:
    """``left`` with the declared joins ({dataset, on}); errors located at ``where`` + (index, ...)."""
    for index, item in enumerate(declared):
        if item.dataset not in tables:
            raise JoinError(f"source {item.dataset!r} has no data to join", (*where, index, "dataset"))
    try:
        return join(left, [(j.dataset, tables[j.dataset], j.on) for j in declared], prefix)
    except JoinError as exc:
        raise JoinError(str(exc), (*where, *exc.where)) from None


def open_outputs(spec, project_dir, tables: Mapping[str, ibis.Table], backend=None) -> Joined:
    """Generated outputs as one table: their fields by dotted path, their input row as
    input.<column>, the declared joins as <dataset>.<column>. Raises datasets.SourceError for a
    file that cannot be read, JoinError located inside ``generated_outputs``."""
    from kit.checks.engine import datasets  # datasets imports the answers' schema; keep this module light

    table = flatten(datasets.open_data(project_dir, spec.path, spec.connection, spec.table, backend))
    ambiguous: dict[str, ibis.Scalar] = {}
    if spec.input is not None:
        if spec.input.dataset not in tables:
            raise JoinError(f"source {spec.input.dataset!r} has no data to join", ("input", "dataset"))
        try:
            joined = join(table, [(INPUT, tables[spec.input.dataset], spec.input.on)])
        except JoinError as exc:
            raise JoinError(str(exc), ("input", *exc.where[1:])) from None
        table, ambiguous = joined.table, joined.ambiguous
    joined = joins_of(table, spec.joins, tables, ("joins",), prefix=f"{INPUT}.")
    return Joined(joined.table, {**ambiguous, **joined.ambiguous})
