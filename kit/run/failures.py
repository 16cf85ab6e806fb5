"""``wbk run --failures [--failures-schema NAME]``: every failing rule's failing rows, after the run.

For each rule the record counts failing rows for, the project's rules are compiled again where
the data lives (the same plan the checks ran) and the rows are written by the engine
(kit.checks.engine.failures) into OUT/PROJECT/failures/<rule>.parquet, or with a schema, for a
rule on a connection, into a table of that schema on the rule's own database. failures/index.json
lists per rule: the dataset, the backend, the rows written, the file or table, and the SQL that
lists them on that backend; failures/<rule>.sql holds the same SQL, to paste into a console.
Without --failures the same SQL is compiled (``listed``) for the record, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.atomic import write_atomic
from kit.record import links

INDEX = "index.json"


@dataclass(frozen=True)
class Options:
    schema: str | None = None  # --failures-schema: tables on the database instead of files
    include_sensitive: bool = False  # --include-sensitive: keep the sources' sensitive columns


def listed(project: Path, rec: dict[str, Any]) -> list[dict]:
    """Every failing rule of ``rec`` with the SQL that lists its failing rows on the backend it ran
    on, compiled only (nothing is read or written): the record shows it on every run."""
    return [entry for _rule_id, entry, _rows, _on_database in _failing(project, rec, Options())]


def write(project: Path, rec: dict[str, Any], folder: Path, options: Options) -> list[dict]:
    """Write the failing rows of every rule of ``rec`` that failed; returns the index written."""
    from kit.checks.engine import failures

    index = []
    for rule_id, written, rows, on_database in _failing(project, rec, options):
        name = failures.file_name(rule_id)
        if options.schema and on_database:
            written["table"] = failures.write_table(rows, options.schema, name)
            written["rows"] = failures.count_rows(rows)
        else:
            failures.write_parquet(rows, folder / f"{name}.parquet")
            written["file"] = f"{name}.parquet"
            written["rows"] = _parquet_rows(folder / f"{name}.parquet")
        write_atomic(folder / f"{name}.sql", written["sql"] + ";\n")
        index.append(written)
    if index:
        write_atomic(folder / INDEX, json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    return index


def _failing(project: Path, rec: dict[str, Any], options: Options) -> Iterator[tuple[str, dict, Any, bool]]:
    """Per failing rule with failing rows (row_count fails the dataset as a whole): its id, its entry (rule,
    dataset, backend, the count the record reports, SQL, anchor), its failing rows as an Ibis table
    without the sensitive columns (unless kept), and whether the rule reads a connection."""
    from kit.answers import loading
    from kit.checks import families, rules
    from kit.checks.engine import failures

    rule_family = families.RULES.name
    failed = {
        c["id"]: c["failed"] for c in rec.get("checks", []) if c["family"] == rule_family and c.get("failed")
    }
    if not failed:
        return
    loaded = loading.load(project)
    as_of = dt.date.fromisoformat(str(rec["as_of"])) if rec.get("as_of") else None
    plan = rules.plan(loaded, as_of=as_of)
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    for i, compiled in sorted(plan.compiled.items()):
        rule = compiled.rule
        if rule.id not in failed:
            continue
        rows = failures.failing_rows(compiled, plan.table_of(plan.read[i]))
        if rows is None:
            continue
        hidden = [] if options.include_sensitive else rules.sensitive_columns(loaded.answers, rule)
        rows = rows.drop(*[c for c in hidden if c in rows.columns])
        source = sources.get(rule.dataset)
        on_database = bool(
            source.connection if source else loaded.answers.data_quality.generated_outputs.connection
        )
        entry = {
            "rule": rule.id,
            "dataset": rule.dataset,
            "backend": rows.get_backend().name,
            "failed": failed[rule.id],  # as the record counts them (for unique: the repeats)
            "sql": _with_sample_files(failures.sql(rows), plan.tables, sources),
            "anchor": links.check_anchor(rule.id),  # the rule's row in record.html
        }
        yield rule.id, entry, rows, on_database


def _with_sample_files(sql: str, tables: dict, sources: dict) -> str:
    """DuckDB reads a sample through a view of a temporary copy; the SQL shown names the sample
    file instead (DuckDB queries a quoted path as a table), so it runs from the project folder.
    Generated outputs are no source: their fields are flattened in the engine, so their SQL keeps
    the engine's own table name."""
    for source_id, table in tables.items():
        source = sources.get(source_id)
        sample = source.sample if source else None
        op = table.op()
        if sample and not source.connection and hasattr(op, "name"):
            sql = sql.replace(f'"{op.name}"', "'" + sample.replace("'", "''") + "'")
    return sql


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows
