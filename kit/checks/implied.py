"""The output template's checks, as rules the template implies, run by the engine where the outputs
and their inputs live (never loaded whole into Python).

Each check keeps its id (``output.values_match`` ...) and counts an output once however many of its
entries fail. A repeated section's entries are unnested and matched to their input rows by the
section's key; a single section is compared with the values the record's input rows agree on; a
field whose column the input rows lack is compared through a declared join (generated_outputs.joins)
that has it, else not at all.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass

import ibis

from kit.answers.template import OutputTemplate, Section
from kit.checks.engine import datasets, joined, text
from kit.checks.result import MAX_EXAMPLES, CheckResult, could_not_run

VALUE_TYPES = {"number", "ucum", "string", "loinc", "date"}
MAX_FAILING_IDS = 10_000  # failing output ids kept for the record (the counts are always exact)


@dataclass
class Outputs:
    """What the implied rules read: the outputs (flattened), their input source and its key."""

    table: ibis.Table
    inputs: ibis.Table
    on: dict[str, str]  # output field path -> input column
    template: OutputTemplate
    joins: dict[str, tuple[ibis.Table, dict[str, str]]]  # dataset -> (table, input column -> its column)
    flags: tuple[str, str, str] = ("L", "N", "H")

    @property
    def id_column(self) -> str:
        return "report_id" if "report_id" in self.table.columns else self.table.columns[0]


def _has_type(template: OutputTemplate, kind: str) -> bool:
    return any(f.type == kind for s in template.sections for f in s.fields)


# What an implied rule needs in the template to have anything to look at; one not listed applies to
# every template. One that does not apply is not run (it would pass on nothing).
NEEDS: dict[str, tuple[str, Callable[[OutputTemplate], bool]]] = {
    "output.ranges_unchanged": ("range fields", lambda t: _has_type(t, "range")),
    "output.flags_consistent": ("flag fields", lambda t: _has_type(t, "flag")),
    "output.no_extra_tests": (
        "a repeated section with a key",
        lambda t: any(s.repeated and s.key for s in t.sections),
    ),
}


def applies(check_id: str, template: OutputTemplate) -> bool:
    need = NEEDS.get(check_id)
    return need is None or need[1](template)


# --- shared pieces ------------------------------------------------------------------------------


def _key(o: Outputs, table: ibis.Table) -> ibis.Value:
    """The output's record key as text (one column; several joined with a separator)."""
    parts = [table[path].cast("string") for path in o.on]
    return functools.reduce(lambda a, b: a.concat("\x1f", b), parts)


def _input_key(o: Outputs, table: ibis.Table) -> ibis.Value:
    parts = [table[column].cast("string") for column in o.on.values()]
    return functools.reduce(lambda a, b: a.concat("\x1f", b), parts)


def _found(o: Outputs) -> ibis.Table:
    """Outputs whose record exists in the input: report id and key."""
    keys = o.inputs.select(_k=_input_key(o, o.inputs)).distinct()
    mine = o.table.select(_id=o.table[o.id_column], _k=_key(o, o.table))
    return mine.semi_join(keys, "_k")


def _leaves(o: Outputs, section: Section) -> list[str]:
    prefix = f"sections.{section.id}."
    return [c for c in o.table.columns if c.startswith(prefix) or c == f"sections.{section.id}"]


def _present(o: Outputs, section: Section, table: ibis.Table | None = None) -> ibis.BooleanValue:
    """The section is there: a repeated one holds an entry, a single one a value."""
    table = o.table if table is None else table
    leaves = _leaves(o, section)
    if not leaves:
        return ibis.literal(False)
    if section.repeated:
        column = table[f"sections.{section.id}"] if f"sections.{section.id}" in table.columns else None
        if column is None or not column.type().is_array():
            return ibis.literal(column is not None) & (column.notnull() if column is not None else True)
        return column.notnull() & (column.length() > 0)
    return functools.reduce(operator.or_, [table[c].notnull() for c in leaves])


def _same(a: ibis.Value, b: ibis.Value) -> ibis.BooleanValue:
    """Equal as the old Python check judged: as numbers when both read as numbers, else as text;
    two missing values are equal, one missing value is not."""
    num_a, num_b = _number(a), _number(b)
    close = (num_a - num_b).abs() <= ibis.greatest(num_a.abs(), num_b.abs()) * 1e-9 + 1e-9
    as_text = a.cast("string") == b.cast("string")
    both = num_a.notnull() & num_b.notnull()
    equal = ibis.ifelse(both, close, as_text)
    return ibis.ifelse(a.isnull() | b.isnull(), a.isnull() & b.isnull(), equal.fill_null(False))


def _number(value: ibis.Value) -> ibis.Value:
    kind = value.type()
    if kind.is_boolean():
        return ibis.null("float64")
    if kind.is_numeric():
        return value.cast("float64")
    if kind.is_string():
        return ibis.cases(
            (value.re_search(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"), value.cast("float64")),
            else_=ibis.null("float64"),
        )
    return ibis.null("float64")


def _entries(o: Outputs, section: Section) -> ibis.Table | None:
    """One row per entry of a repeated section: _id, _k (record key) and the entry's fields."""
    column = f"sections.{section.id}"
    if column not in o.table.columns or not o.table[column].type().is_array():
        return None
    rows = o.table.select(_id=o.table[o.id_column], _k=_key(o, o.table), _entry=o.table[column]).unnest(
        "_entry"
    )
    names = o.table[column].type().value_type.names
    return rows.select("_id", "_k", **{f"e.{n}": rows._entry[n] for n in names})


def _matched(o: Outputs, section: Section, entries: ibis.Table) -> ibis.Table:
    """Entries left-joined with their input row (by record key and the section's key)."""
    key_input = next(f.input for f in section.fields if f.name == section.key and f.input)
    wanted = [f.input for f in section.fields if f.input and f.input in o.inputs.columns]
    rows = o.inputs.select(
        _ik=_input_key(o, o.inputs),
        _ie=o.inputs[key_input].cast("string"),
        **{f"i.{c}": o.inputs[c] for c in dict.fromkeys(wanted)},
    ).distinct()
    return entries.left_join(
        rows, [entries._k == rows._ik, entries[f"e.{section.key}"].cast("string") == rows._ie]
    )


def _single_rows(o: Outputs) -> ibis.Table:
    """The outputs with the values their record's input rows agree on (input.<column>), and the
    declared joins' columns (<dataset>.<column>)."""
    table = joined.join(o.table, [(joined.INPUT, o.inputs, o.on)]).table
    joins = [(name, other, on) for name, (other, on) in o.joins.items()]
    return joined.join(table, joins, prefix=f"{joined.INPUT}.").table if joins else table


def _reference(table: ibis.Table, field, section_id: str) -> ibis.Value | None:
    if f"{joined.INPUT}.{field.input}" in table.columns:
        return table[f"{joined.INPUT}.{field.input}"]
    if field.source and f"{field.source}.{field.input}" in table.columns:
        return table[f"{field.source}.{field.input}"]
    return None


# --- the six implied rules: each gives the failing outputs' ids ----------------------------------


def sections_present(o: Outputs) -> ibis.Table:
    missing = [~_present(o, s) for s in o.template.sections if s.required]
    if not missing:
        return o.table.select(_id=o.table[o.id_column]).limit(0)
    return o.table.filter(functools.reduce(operator.or_, missing)).select(_id=o.table[o.id_column])


def _compare(o: Outputs, types: set[str]) -> ibis.Table:
    found = _found(o)
    failing = [
        o.table.select(_id=o.table[o.id_column], _k=_key(o, o.table)).anti_join(found, "_id").select("_id")
    ]
    table = _single_rows(o)
    for section in o.template.sections:
        fields = [f for f in section.fields if f.type in types and f.input]
        if not fields:
            continue
        if not section.repeated:
            present = _present(o, section, table)
            checks = []
            for f in fields:
                mine, theirs = f"sections.{section.id}.{f.name}", _reference(table, f, section.id)
                if theirs is None:
                    continue
                value = table[mine] if mine in table.columns else ibis.null("string")
                checks.append(~_same(value, theirs))
            if checks:
                bad = table.filter(present & functools.reduce(operator.or_, checks))
                failing.append(bad.select(_id=bad[o.id_column]))
            continue
        entries = _entries(o, section) if section.key else None
        if entries is None:
            continue
        matched = _matched(o, section, entries)
        checks = [
            ~_same(
                matched[f"e.{f.name}"] if f"e.{f.name}" in matched.columns else ibis.null("string"),
                matched[f"i.{f.input}"],
            )
            for f in fields
            if f"i.{f.input}" in matched.columns
        ]
        if checks:
            bad = matched.filter(matched._ik.notnull() & functools.reduce(operator.or_, checks))
            failing.append(bad.select("_id"))
    return _union(failing)


def values_match(o: Outputs) -> ibis.Table:
    return _compare(o, VALUE_TYPES)


def ranges_unchanged(o: Outputs) -> ibis.Table:
    return _compare(o, {"range"})


def flags_consistent(o: Outputs) -> ibis.Table:
    low_letter, normal_letter, high_letter = o.flags
    failing = []
    for section in o.template.sections:
        by_type: dict[str, list[str]] = {}
        for f in section.fields:
            by_type.setdefault(f.type, []).append(f.name)
        if not (by_type.get("flag") and by_type.get("number") and len(by_type.get("range", [])) == 2):
            continue
        if section.repeated:
            rows = _entries(o, section) if section.key else None
            prefix = "e."
        else:
            rows = o.table.select(*_leaves(o, section), _id=o.table[o.id_column])
            prefix = f"sections.{section.id}."
        if rows is None:
            continue
        names = [by_type["number"][0], *by_type["range"]]
        if any(f"{prefix}{n}" not in rows.columns for n in [*names, by_type["flag"][0]]):
            continue
        value, low, high = (_number(rows[f"{prefix}{n}"]) for n in names)
        flag = rows[f"{prefix}{by_type['flag'][0]}"]
        expected = ibis.cases((value < low, low_letter), (value > high, high_letter), else_=normal_letter)
        known = value.notnull() & low.notnull() & high.notnull()
        bad = rows.filter(known & (flag.isnull() | (flag.cast("string") != expected)))
        failing.append(bad.select("_id"))
    return _union(failing, o)


def no_extra_tests(o: Outputs) -> ibis.Table:
    failing = []
    found = _found(o)
    for section in o.template.sections:
        if not (section.repeated and section.key):
            continue
        entries = _entries(o, section)
        if entries is None:
            continue
        matched = _matched(o, section, entries)
        bad = matched.filter(matched._ik.isnull()).semi_join(found, "_id")
        failing.append(bad.select("_id"))
    return _union(failing, o)


def numbers_grounded(o: Outputs) -> ibis.Table:
    """Through the grounded kind: the text fields of single sections against every number of the
    record's input rows (collected per record in the backend)."""
    texts = [
        f"sections.{s.id}.{f.name}"
        for s in o.template.sections
        if not s.repeated
        for f in s.fields
        if f.type == "text" and f"sections.{s.id}.{f.name}" in o.table.columns
    ]
    numeric = [
        c for c in o.inputs.columns if o.inputs[c].type().is_numeric() and not o.inputs[c].type().is_boolean()
    ]
    if not texts or not numeric:
        return o.table.select(_id=o.table[o.id_column]).limit(0)
    values = ibis.union(
        *[o.inputs.select(_ik=_input_key(o, o.inputs), _n=o.inputs[c].cast("float64")) for c in numeric],
        distinct=True,
    )
    known = values.filter(values._n.notnull()).group_by("_ik").aggregate(_known=values._n.collect())
    body = functools.reduce(
        lambda a, b: a.concat("\n", b), [o.table[c].cast("string").fill_null("") for c in texts]
    )
    mine = o.table.select(_id=o.table[o.id_column], _k=_key(o, o.table), _text=body)
    rows = mine.inner_join(known, mine._k == known._ik).select("_id", "_text", "_known")
    return _Streamed(rows)


@dataclass
class _Streamed:
    """Outputs judged in Python over streamed batches (the grounded kind's reading of text)."""

    rows: ibis.Table

    def ids(self) -> list:
        out, rows = [], self.rows
        if rows.get_backend().name == "duckdb":  # Python judges only what SQL cannot prove grounded
            rows = rows.filter(~text.certainly_grounded(rows._text, rows._known, None))
        for batch in datasets.batches(rows, text.BATCH):
            for row in batch.to_pylist():
                if text.ungrounded(row["_text"], list(row["_known"] or [])):
                    out.append(row["_id"])
        return out


def _union(parts: list[ibis.Table], o: Outputs | None = None) -> ibis.Table:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0].distinct()


IMPLIED: dict[str, tuple[Callable[[Outputs], ibis.Table], str]] = {
    "output.sections_present": (sections_present, "every required section of the template is there"),
    "output.values_match": (values_match, "values, units and codes equal the input record's"),
    "output.ranges_unchanged": (ranges_unchanged, "range fields equal the input record's"),
    "output.flags_consistent": (flags_consistent, "each flag agrees with its value and range"),
    "output.no_extra_tests": (no_extra_tests, "no entry that the input record lacks"),
    "output.numbers_grounded": (numbers_grounded, "every number in free text appears in the input"),
}


def count(o: Outputs, only: Collection[str] | None = None) -> list[CheckResult]:
    """The implied checks that apply to the template (those of ``only``, when given)."""
    checked = datasets.scalar(o.table.count())
    results = []
    for check_id, (build, meaning) in IMPLIED.items():
        if not applies(check_id, o.template) or (only is not None and check_id not in only):
            continue
        try:
            failed, ids = _failing(build(o))
        except Exception as exc:  # a rule that cannot run is an error, never a pass
            results.append(could_not_run(check_id, exc))
            continue
        examples = [{o.id_column: i} for i in ids[:MAX_EXAMPLES]]
        detail = f"{meaning} (a rule the output template implies)"
        results.append(CheckResult(check_id, checked, failed, detail=detail, examples=examples, failing=ids))
    return results


def _failing(found: ibis.Table | _Streamed | None) -> tuple[int, list]:
    """(how many outputs fail, their ids: all of them up to MAX_FAILING_IDS)."""
    if found is None:
        return 0, []
    if isinstance(found, _Streamed):
        ids = sorted(found.ids())
        return len(ids), ids[:MAX_FAILING_IDS]
    ids = [r["_id"] for r in datasets.rows(found.order_by("_id").limit(MAX_FAILING_IDS))]
    return (datasets.scalar(found.count()) if len(ids) == MAX_FAILING_IDS else len(ids)), ids
