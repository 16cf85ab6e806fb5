"""Source files as analysts have them (issue 9): encodings, delimiters and globs just work; an
empty, header-only, ragged, wrongly encoded or truncated file, or a missing column, is a located
error on the source's ``sample`` field (or the rule's column) in validate and in run alike."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import EXAMPLES

from kit.answers import loading
from kit.answers.schema import Source
from kit.checks import rules
from kit.checks.engine import datasets
from kit.run.project import validate

ROWS = [("P1", "Müller", "12.5"), ("P2", "Ødegaard", ""), ("P3", "Núñez", "3")]


def table_text(delimiter: str = ",") -> str:
    lines = [delimiter.join(("id", "name", "amount"))] + [delimiter.join(r) for r in ROWS]
    return "\n".join(lines) + "\n"


def parquet_parts(folder: Path) -> None:
    for i, row in enumerate(ROWS):
        part = pa.table({"id": [row[0]], "name": [row[1]], "amount": [float(row[2]) if row[2] else None]})
        pq.write_table(part, folder / f"part-{i}.parquet")


# name, how the file is written, the source's fields
READABLE: list[tuple[str, Callable[[Path], None], dict]] = [
    ("utf-8", lambda d: (d / "s.csv").write_text(table_text(), encoding="utf-8"), {"sample": "s.csv"}),
    (
        "utf-8 with BOM",
        lambda d: (d / "s.csv").write_text(table_text(), encoding="utf-8-sig"),
        {"sample": "s.csv"},
    ),
    (
        "latin-1 declared",
        lambda d: (d / "s.csv").write_text(table_text(), encoding="latin-1"),
        {"sample": "s.csv", "encoding": "ISO-8859-1"},
    ),
    (
        "utf-16 declared",
        lambda d: (d / "s.csv").write_text(table_text(), encoding="utf-16"),
        {"sample": "s.csv", "encoding": "utf-16"},
    ),
    (
        "semicolon sniffed",
        lambda d: (d / "s.csv").write_text(table_text(";"), encoding="utf-8"),
        {"sample": "s.csv"},
    ),
    (
        "tab sniffed",
        lambda d: (d / "s.tsv").write_text(table_text("\t"), encoding="utf-8"),
        {"sample": "s.tsv"},
    ),
    (
        "semicolon declared",
        lambda d: (d / "s.csv").write_text(table_text(";"), encoding="utf-8"),
        {"sample": "s.csv", "delimiter": ";"},
    ),
    ("glob of parquet files", parquet_parts, {"sample": "part-*.parquet"}),
]


def source(**fields) -> Source:
    return Source(id="s", name="s", kind="file", licence="x", access="granted", scope="domain", **fields)


@pytest.mark.parametrize(("name", "write", "fields"), READABLE, ids=[c[0] for c in READABLE])
def test_readable_files(tmp_path: Path, name, write, fields) -> None:
    write(tmp_path)
    table = datasets.open_source(source(**fields), tmp_path)
    fetched = datasets.rows(table.select("id", "name").order_by("id"))
    assert [(r["id"], r["name"]) for r in fetched] == [(r[0], r[1]) for r in ROWS]
    assert datasets.scalar(table.amount.isnull().sum()) == 1


def ragged(rows_before: int) -> bytes:
    body = "".join(f"{i},x{i},{i}\n" for i in range(rows_before))
    return ("id,name,amount\n" + body + "1,2\n" + "7,y,7\n").encode()


def truncated_parquet(folder: Path) -> bytes:
    pq.write_table(pa.table({"result_id": list(range(1000))}), folder / "whole.parquet")
    data = (folder / "whole.parquet").read_bytes()
    return data[: len(data) // 2]


# name, file name, bytes (or a function of the folder), extra source fields, expected message
BROKEN: list[tuple[str, str, Callable[[Path], bytes], dict, str]] = [
    ("empty file", "x.csv", lambda d: b"", {}, "x.csv is empty: write a header line and at least one row"),
    ("header only", "x.csv", lambda d: b"id,name\n", {}, "x.csv has a header but no rows"),
    (
        "undeclared latin-1",
        "x.csv",
        lambda d: table_text().encode("latin-1"),
        {},
        "x.csv line 2 is not UTF-8 text: declare the source's encoding, e.g. `encoding: latin-1`",
    ),
    (
        "ragged row, small file",
        "x.csv",
        lambda d: ragged(2),
        {},
        "x.csv line 4: the row has 2 fields, the header has 3",
    ),
    (
        "ragged row after the sniffed sample",
        "x.csv",
        lambda d: ragged(30_000),
        {},
        "x.csv line 30002: the row has 2 fields, the header has 3",
    ),
    (
        "truncated parquet",
        "x.parquet",
        truncated_parquet,
        {},
        "x.parquet is not a complete Parquet file (truncated or not Parquet): write it again",
    ),
    ("glob matching nothing", "x.csv", lambda d: b"a\n1\n", {"sample": "nothing-*.csv"}, "file not found"),
]


# Where the medical example names its patients sample (found, not hard-coded: the example evolves).
PATIENTS_SAMPLE = next(
    f"{number}:{line.index('data/patients.csv') + 1}"
    for number, line in enumerate(
        (EXAMPLES / "medical_reports" / "answers.yaml").read_text("utf-8").splitlines(), 1
    )
    if "sample: data/patients.csv" in line
)


def broken_project(tmp_path: Path, file_name: str, content, fields: dict) -> Path:
    """The medical example with its patients source replaced by the broken file."""
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "medical_reports", project)
    (project / "data" / file_name).write_bytes(content(project / "data"))
    sample = fields.get("sample", f"data/{file_name}")
    text = (project / "answers.yaml").read_text(encoding="utf-8")
    (project / "answers.yaml").write_text(
        text.replace("sample: data/patients.csv", f"sample: {sample}"), "utf-8"
    )
    return project


@pytest.mark.parametrize(
    ("name", "file_name", "content", "fields", "message"), BROKEN, ids=[c[0] for c in BROKEN]
)
def test_broken_files_are_located_errors(tmp_path: Path, name, file_name, content, fields, message) -> None:
    project = broken_project(tmp_path, file_name, content, fields)
    errors = [str(f) for f in validate(project).errors]
    answers = project / "answers.yaml"
    line = f"{answers}:{PATIENTS_SAMPLE}: error: problem_boundaries.data.sources[1].sample: "
    assert any(e.startswith(line) and message in e for e in errors), errors


def test_a_missing_column_is_located_on_the_rule(tmp_path: Path) -> None:
    project = broken_project(tmp_path, "x.csv", lambda d: b"patient_id,sex\nP1,F\n", {})
    errors = [str(f) for f in validate(project).errors]
    # the rule and the bias check that read the missing column, each located, nothing else
    assert len(errors) == 2
    assert "data_quality.rules[11].columns[0]: column 'age_band' is not in data/x.csv" in errors[0]
    assert "data_strategy.maintenance.bias_checks[1].attribute: column 'age_band' is not in" in errors[1]


def test_a_late_value_that_does_not_fit_the_sniffed_type_is_read_as_text(tmp_path: Path) -> None:
    """DuckDB sniffs types from the first rows; a non-date after them must not slip through."""
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "medical_reports", project)
    data = project / "data" / "lab_results.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    extra = [lines[1].replace("R0000000", f"Z{i:07d}") for i in range(30_000)]
    bad = lines[1].replace("R0000000", "ZBAD").rsplit(",", 1)[0] + ",31/12/2026"
    data.write_text("\n".join([*lines, *extra, bad]) + "\n", encoding="utf-8")
    errors = [str(f) for f in validate(project).errors]
    assert any(
        "rules[8].columns[0]: column 'collected_on' holds values that are not dates, e.g. '31/12/2026'" in e
        for e in errors
    ), errors


@pytest.mark.parametrize("command", ["validate", "run"])
def test_validate_and_run_both_exit_2_with_the_located_error(tmp_path: Path, command: str) -> None:
    project = broken_project(tmp_path, "x.csv", lambda d: b"", {})
    args = [str(project)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    done = subprocess.run(
        [sys.executable, "-m", "kit.cli", command, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2  # invalid answers
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert (
        # validate names the file as given; a run names it relative to the project (no machine paths)
        f"answers.yaml:{PATIENTS_SAMPLE}: error: problem_boundaries.data.sources[1].sample: "
        "x.csv is empty" in output
    )


def test_rules_report_carries_the_findings_so_run_refuses(tmp_path: Path) -> None:
    project = broken_project(tmp_path, "x.csv", lambda d: b"id\n", {})
    report = rules.run(loading.load(project))
    assert [f.path for f in report.findings] == ["problem_boundaries.data.sources[1].sample"]
    assert {r.id: r.status for r in report.results}["sex_recorded"] == "error"
