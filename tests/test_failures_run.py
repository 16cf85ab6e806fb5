"""wbk run --failures on the medical example: every failing rule's rows in Parquet, and the record
showing the query that lists them (run here as shown) with a link to the file."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import EXAMPLES

pytestmark = pytest.mark.notebook
MEDICAL = EXAMPLES / "medical_reports"


def test_every_failing_rule_has_its_rows_and_the_record_shows_the_query(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "kit.cli", "run", str(MEDICAL), "--out", str(out), "--failures"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = out / "medical_reports"
    rec = json.loads((folder / "record.json").read_text())
    rules = {r["id"]: r for r in rec["answers"]["data_quality"]["rules"]}
    failing = {c["id"]: c["failed"] for c in rec["checks"] if c["family"] == "rule" and c["failed"]}
    index = {w["rule"]: w for w in json.loads((folder / "failures" / "index.json").read_text())}
    page = (folder / "record.html").read_text(encoding="utf-8")
    assert set(index) == {r for r in failing if rules[r]["check"] != "row_count"}
    assert list(MEDICAL.glob("**/*.parquet")) == []  # nothing written into the project
    for rule, written in index.items():
        path = folder / "failures" / written["file"]
        stored = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
        with duckdb.connect() as con:  # the query as the record shows it, from the project folder
            con.execute(f"SET file_search_path = '{MEDICAL}'")
            listed = len(con.execute(written["sql"]).fetchall())
        if rules[rule]["check"] == "unique":  # every row of a repeated key; the count is the repeats
            assert stored == listed > failing[rule], rule
        else:
            assert stored == listed == failing[rule], rule
        assert f'href="failures/{written["file"]}"' in page
        assert html.escape(written["sql"], quote=False) in page.replace("&#34;", '"').replace("&#39;", "'")
