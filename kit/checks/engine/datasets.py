"""Sources as Ibis tables: sample files (and globs of them) through embedded DuckDB, or a table on a
named connection. Files are scanned where they lie, never loaded whole into memory."""

from __future__ import annotations

import atexit
import csv
import functools
import glob
import re
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from kit.answers.schema import Source
from kit.findings import Finding, did_you_mean

READERS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
}


class SourceError(Exception):
    """A source that cannot be read; the message says what is wrong and what to do."""


@functools.cache
def default_backend() -> BaseBackend:
    """One embedded DuckDB for the process; it spills to a temp dir when data exceeds memory, and
    shows its progress line on long scans only when a person watches a terminal."""
    con = ibis.duckdb.connect()
    con.raw_sql(f"SET temp_directory = '{tempfile.gettempdir()}/wbk-duckdb'")
    con.raw_sql(f"SET enable_progress_bar = {str(sys.stderr.isatty()).lower()}")
    return con


@functools.cache
def _columnar_dir() -> Path:
    """Where text samples are kept as Parquet for the life of the process."""
    folder = Path(tempfile.mkdtemp(prefix="wbk-columnar-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def open_source(source: Source, project_dir: Path, backend: BaseBackend | None = None) -> ibis.Table:
    """The source's data as an Ibis table: ``table`` on its ``connection``, else its sample file(s)."""
    if not source.sample and not (source.connection and source.table):
        raise SourceError(f"source {source.id!r} has neither a sample file nor a connection and table")
    return open_data(
        project_dir,
        source.sample,
        source.connection,
        source.table,
        backend,
        source.encoding,
        source.delimiter,
    )


def open_data(
    project_dir: Path,
    files: str | None,
    connection: str | None = None,
    table: str | None = None,
    backend: BaseBackend | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ibis.Table:
    """``table`` on ``connection``, else the file or glob ``files`` (sources and generated outputs)."""
    if connection and table:
        from kit.checks.engine import connections  # imported when a dataset first names a connection

        return connections.open_table(connection, table, Path(project_dir), backend)
    found = sample_files(Path(project_dir), files)
    return _open_files(backend or default_backend(), found, encoding, delimiter)


def opened(source: Source, project_dir: Path, tables: dict[str, ibis.Table] | None) -> ibis.Table:
    """The source's table from ``tables`` (every source opened once by a run's prepared rule plan,
    kit.checks.prepared), else opened now (a source the plan could not open raises its own error)."""
    table = (tables or {}).get(source.id)
    return table if table is not None else open_source(source, project_dir)


def sample_files(project_dir: Path, sample: str) -> tuple[Path, ...]:
    """The files a sample names: one path, or every match of a glob, in name order."""
    if glob.has_magic(sample):
        files = tuple(sorted(p for p in project_dir.glob(sample) if p.is_file()))
        if not files:
            raise SourceError(f"no file matches {sample}")
    else:
        files = (project_dir / sample,)
        if not files[0].is_file():
            raise SourceError(f"file not found: {sample}")
    kinds = {reader_of(f) for f in files}
    if len(kinds) > 1:
        raise SourceError(f"{sample} matches files of different formats; name one format")
    return files


def reader_of(path: Path) -> str:
    return READERS.get(path.suffix.lower(), "csv")


def _open_files(
    con: BaseBackend, files: tuple[Path, ...], encoding: str | None, delimiter: str | None
) -> ibis.Table:
    # Opened once per version of the files: rules, output checks and bias checks share the view.
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _open_cached(con, stamp, encoding, delimiter)


@functools.lru_cache(maxsize=32)
def _open_cached(con: BaseBackend, stamp: tuple, encoding: str | None, delimiter: str | None) -> ibis.Table:
    paths = [name for name, _, _ in stamp]
    empty = [name for name, _, size in stamp if size == 0]
    if empty:
        raise SourceError(f"{Path(empty[0]).name} is empty: write a header line and at least one row")
    text_columns: dict[str, str] = {}
    while True:
        table = _read(con, paths, encoding, delimiter, text_columns)
        try:
            return _scan(con, table, paths[0])
        except _Misfit as misfit:
            if misfit.column in text_columns:  # cannot happen twice for one column; never loop forever
                raise SourceError(f"{Path(paths[0]).name}: column {misfit.column!r} cannot be read") from None
            text_columns[misfit.column] = "VARCHAR"


class _Misfit(Exception):
    """A value after DuckDB's sniffed sample does not fit the column's sniffed type."""

    def __init__(self, column: str):
        self.column = column


def _read(con: BaseBackend, paths: list[str], encoding, delimiter, text_columns: dict) -> ibis.Table:
    kind = reader_of(Path(paths[0]))
    try:
        if kind == "parquet":
            return con.read_parquet(paths)
        if kind == "json":
            return con.read_json(paths, format="newline_delimited")
        options = {"header": True, "encoding": encoding or "utf-8"}
        if delimiter:
            options["delim"] = delimiter
        if text_columns:
            options["types"] = text_columns
        table = con.read_csv(paths, **options)
    except Exception as exc:  # every reader error becomes a message saying what to do
        raise SourceError(explain(exc, paths[0])) from None
    if len(table.columns) == 1 and not delimiter:
        _refuse_unsplit_header(paths[0], table.columns[0], encoding)
    return table


def _scan(con: BaseBackend, table: ibis.Table, path: str) -> ibis.Table:
    """One pass over every value: a bad byte, a ragged row or a value that does not fit the type
    sniffed from the first rows surfaces now, not in the middle of a run (raises _Misfit naming
    the column: it is then read as text, and rules on it say why). Text formats are parsed once,
    into a Parquet copy in a temp dir that every later query reads (columnar, never in memory)."""
    try:
        if reader_of(Path(path)) == "parquet":
            rows(table.aggregate(**{f"c{i}": table[c].count() for i, c in enumerate(table.columns)}))
        else:
            copy = _columnar_dir() / f"{uuid.uuid4().hex}.parquet"
            con.to_parquet(table, copy)
            table = con.read_parquet(copy)
        empty = scalar(table.count()) == 0
    except Exception as exc:
        misfit = re.search(r'converting column "([^"]+)"', str(exc))
        if misfit:
            raise _Misfit(misfit.group(1)) from None
        raise SourceError(explain(exc, path)) from None
    if empty:
        raise SourceError(f"{Path(path).name} has a header but no rows: add the rows the rules should check")
    return table


def _refuse_unsplit_header(path: str, header: str, encoding: str | None) -> None:
    """DuckDB's sniffer falls back to one column when rows disagree on their field count: find the
    first ragged row (streamed, stops there) so the message can name its line."""
    delimiter = next((d for d in ",;\t|" if d in header), None)
    if delimiter is None:
        return
    with open(path, encoding=encoding or "utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        width = len(next(rows))
        for row in rows:
            if len(row) != width:
                raise SourceError(
                    f"{Path(path).name} line {rows.line_num}: the row has {len(row)} fields, the header has "
                    f"{width}; fix the row, or quote a value that contains {delimiter!r}"
                )


# DuckDB's messages, translated to what the analyst should do. First match wins.
_EXPLAIN: list[tuple[str, str]] = [
    (
        r"not utf-8 encoded|Invalid unicode",
        "{name}{line} is not UTF-8 text: declare the source's encoding, e.g. `encoding: latin-1` or `encoding: utf-16`",
    ),
    (
        r"Expected Number of Columns: (?P<want>\d+) Found: (?P<got>\d+)",
        "{name}{line}: the row has {got} fields, the header has {want}; fix the row, or quote a value that "
        "contains the delimiter",
    ),
    (
        r"No magic bytes|not a parquet file|Invalid Parquet|parquet",
        "{name} is not a complete Parquet file (truncated or not Parquet): write it again",
    ),
    (
        r"not possible to automatically detect the CSV",
        "{name}: could not tell how fields are separated{line}; "
        "declare `delimiter:` on the source (e.g. ';' or '\\t')",
    ),
    (r"Malformed JSON|JSON", "{name}{line}: not valid JSON lines: each line must be one JSON object"),
]


def explain(exc: Exception, path: str) -> str:
    """A reader's error as one sentence naming the file (and its line when the reader knows it)."""
    text = str(exc)
    found = re.search(r"(?:CSV Error on Line|line)[: ]+(\d+)", text)
    shift = 1 if "Malformed JSON" in text else 0  # DuckDB 2 names the line after a bad JSON line
    line = f" line {int(found.group(1)) - shift}" if found else ""
    for pattern, message in _EXPLAIN:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return message.format(name=Path(path).name, line=line, **match.groupdict())
    return f"{Path(path).name}: {first_line(text)}"


def first_line(text: str) -> str:
    """A library's message without the traceback or hints that follow it."""
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "unknown error")


def scalar(expr: ibis.Scalar):
    """One value from the backend, through Arrow (no pandas conversion on the way)."""
    return expr.to_pyarrow().as_py()


def rows(table: ibis.Table) -> list[dict]:
    return table.to_pyarrow().to_pylist()


def batches(table: ibis.Table, size: int):
    """The table's rows as Arrow record batches of ``size`` rows, streamed (never all at once).
    DuckDB 2 renamed the cursor method Ibis 12 streams with, so its reader is asked for directly."""
    con = table.get_backend()
    if con.name == "duckdb":
        con._run_pre_execute_hooks(table)  # registers in-memory tables the query reads, as execute does
        return con.con.sql(con.compile(table)).to_arrow_reader(size)
    return table.to_pyarrow_batches(chunk_size=size)


def missing_column(
    loaded, source: Source, column: str, loc: tuple, tables: dict[str, ibis.Table] | None = None
) -> list[Finding]:
    """A located finding at ``loc`` when the source's data lacks ``column``; nothing when it has
    it, or when the source cannot be read (the rules' declaration findings locate that).
    ``tables``: the sources a prepared plan opened (see ``opened``)."""
    if not (source.sample or source.table):
        return []
    try:
        columns = list(opened(source, loaded.project_dir, tables).columns)
    except Exception:  # an unreadable source is located by the rules' declaration findings
        return []
    if column in columns:
        return []
    where = source.sample or source.table
    return [
        loaded.document.finding(loc, f"column {column!r} is not in {where}" + did_you_mean(column, columns))
    ]
