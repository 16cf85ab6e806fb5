"""wbk run --failures on the medical example: every failing rule's rows in Parquet, and the record
showing the query that lists them (run here as shown) with a link to the file."""

from __future__ import annotations

import html
import json
import re
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


def test_without_failures_the_record_shows_each_failing_rules_query_and_writes_no_rows(
    tmp_path: Path,
) -> None:
    """Planted truth (tests/planted.py): the rules that fail, and how many rows each fails; the SQL
    the record shows, run on DuckDB from the project folder, lists exactly as many."""
    from planted import expected_failing

    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "kit.cli", "run", str(MEDICAL), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = out / "medical_reports"
    assert not (folder / "failures").exists()
    rec = json.loads((folder / "record.json").read_text())
    rules = {r["id"]: r for r in rec["answers"]["data_quality"]["rules"]}
    sources = {s["id"] for s in rec["answers"]["problem_boundaries"]["data"]["sources"]}
    planted = expected_failing("medical_reports", list(rules))
    reported = {c["id"]: c["failed"] for c in rec["checks"] if c["family"] == "rule"}
    shown = _queries_shown((folder / "record.html").read_text(encoding="utf-8"))
    listed_rules = {  # unique lists every row of a repeated key; row_count fails the whole table
        r
        for r, ids in planted.items()
        if ids and rules[r]["check"] not in ("row_count", "unique") and rules[r]["dataset"] in sources
    }
    assert listed_rules and listed_rules <= set(shown)
    for rule in listed_rules:
        with duckdb.connect() as con:
            con.execute(f"SET file_search_path = '{MEDICAL}'")
            listed = len(con.execute(shown[rule]).fetchall())
        assert listed == reported[rule] == len(planted[rule]), rule
    assert list(MEDICAL.glob("**/*.parquet")) == []


def _queries_shown(page: str) -> dict[str, str]:
    """rule -> the SQL under its heading in the record's "Failing rows" section."""
    section = page[page.index('id="failing-rows"') :]
    found = re.findall(
        r'<h3 id="failing-[^"]*"><a [^>]*>([^<]+)</a>.*?<pre class="wbk-sql"><code>(.*?)</code>',
        section,
        re.S,
    )
    return {html.unescape(rule): html.unescape(sql) for rule, sql in found}
