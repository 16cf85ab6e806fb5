"""Every failing row of a rule, where an analyst can act on it (``wbk run --failures``).

A compiled rule knows its failing rows as an Ibis table: the rows its predicate fails (inside its
``where``) for row-level kinds, the rows without a match for ``references``, every row sharing a
repeated key for ``unique`` (the count says how many repeat an earlier one). They are listed with
the key columns first (the dataset's first column, then the rule's columns), and written by the
engine that ran the rule: DuckDB's COPY into Parquet, other backends streamed as Arrow batches into
one Parquet file (never through pandas, never truncated); with a schema, as a table created on the
rule's own database (``CREATE TABLE ... AS SELECT``, like dbt's --store-failures). The SQL that
lists them is compiled by Ibis for the backend the rule ran on, so it can be pasted into that
database's console.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import ibis

from kit.checks.engine.compile import Compiled


@dataclass(frozen=True)
class Written:
    """Where one rule's failing rows went, and how to list them again."""

    rule: str
    dataset: str
    backend: str
    rows: int
    sql: str
    file: str | None = None  # relative to the failures folder
    table: str | None = None  # schema.table on the rule's database

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def failing_rows(compiled: Compiled, table: ibis.Table) -> ibis.Table | None:
    """The rule's failing rows with every column of its dataset, key columns first; None for a
    kind that fails the dataset as a whole (row_count)."""
    if compiled.fails is not None:
        rows = table.filter(compiled.fails if compiled.applies is None else compiled.applies & compiled.fails)
    elif compiled.failing is not None and compiled.failing.rows is not None:
        rows = compiled.failing.rows
    else:
        return None
    first = [c for c in compiled.shown if c in rows.columns]
    return rows.select(*first, *[c for c in rows.columns if c not in first])


def sql(rows: ibis.Table) -> str:
    """The query listing the rows, in the dialect of the backend they live on."""
    return str(ibis.to_sql(rows)).strip()


def file_name(rule_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", rule_id).strip("._") or "rule"


def write_parquet(rows: ibis.Table, path: Path) -> None:
    backend = rows.get_backend()
    path.parent.mkdir(parents=True, exist_ok=True)
    if backend.name == "duckdb":
        backend.to_parquet(rows, path)  # COPY ... TO, inside DuckDB
        return
    import pyarrow.parquet as pq

    batches = rows.to_pyarrow_batches()
    with pq.ParquetWriter(path, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)


def write_table(rows: ibis.Table, schema: str, name: str) -> str:
    """CREATE TABLE schema.name AS the failing rows, on the rows' own database (replaced if there)."""
    backend = rows.get_backend()
    if schema not in backend.list_databases():
        backend.create_database(schema, force=True)
    _drop(backend, schema, name)
    backend.create_table(name, rows, database=schema)
    return f"{schema}.{name}"


def _drop(backend, schema: str, name: str) -> None:
    """DROP TABLE IF EXISTS schema.name, quoted for the backend: ibis 12's drop_table and
    create_table(overwrite=True) emit a bare "DROP TABLE IF EXISTS" on PostgreSQL."""
    import sqlglot.expressions as sge

    table = sge.Table(this=sge.to_identifier(name, quoted=True), db=sge.to_identifier(schema, quoted=True))
    result = backend.raw_sql(f"DROP TABLE IF EXISTS {table.sql(dialect=backend.dialect)}")
    getattr(result, "close", lambda: None)()


def count_rows(rows: ibis.Table) -> int:
    return int(rows.count().to_pyarrow().as_py())
