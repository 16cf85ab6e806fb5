"""Sensitive columns: planted e-mail addresses in a column a source marks ``sensitive`` appear in no
file of a run (records, notebooks, index, summary, JUnit, failure files) and in none of its output;
repeats stay visible as equal hash prefixes; --include-sensitive puts them back in failure files only."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import apply_edits, copy_example

from kit.answers import yamlfile

pytestmark = pytest.mark.notebook
DOMAIN = "planted-mail.example"
RULES = [
    {
        "id": "email_present",
        "dataset": "patients",
        "columns": ["email"],
        "check": "not_null",
        "severity": "warning",
    },
    {
        "id": "email_unique",
        "dataset": "patients",
        "columns": ["email"],
        "check": "unique",
        "severity": "warning",
    },
    {
        "id": "email_lowercase",
        "dataset": "patients",
        "columns": ["email"],
        "check": "matches",
        "params": {"pattern": "^[a-z0-9.]+@[a-z.-]+$"},
        "severity": "warning",
    },
]


def planted_project(tmp_path: Path) -> tuple[Path, set[str]]:
    """The medical example whose patients carry an e-mail column marked sensitive: every address is
    planted (@planted-mail.example), 3 are missing, 2 repeat an earlier one, 4 have capitals."""
    project = copy_example("medical_reports", tmp_path)
    path = project / "data" / "patients.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for i, row in enumerate(rows):
        row["email"] = f"patient.{i:05d}@{DOMAIN}"
    for i in (3, 4, 5):
        rows[i]["email"] = ""
    rows[10]["email"], rows[11]["email"] = rows[20]["email"], rows[21]["email"]  # repeats
    for i in (30, 31, 32, 33):
        rows[i]["email"] = f"Patient.{i:05d}@{DOMAIN}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    document = yamlfile.read(project / "answers.yaml")
    document.tree["data_quality"]["rules"].extend(RULES)
    (project / "answers.yaml").write_text(yamlfile.dump(document.tree), encoding="utf-8")
    sources = document.tree["problem_boundaries"]["data"]["sources"]
    index = next(i for i, s in enumerate(sources) if s["id"] == "patients")
    apply_edits(project, {f"problem_boundaries.data.sources[{index}].sensitive": ["email"]})
    return project, {r["email"] for r in rows if r["email"]}


def wbk_run(project: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit.cli", "run", str(project), "--out", str(out), "--failures",
         "--junit", str(out / "junit.xml"), *extra],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_planted_addresses_appear_in_no_output_of_the_run(tmp_path: Path) -> None:
    project, addresses = planted_project(tmp_path)
    out = tmp_path / "out"
    done = wbk_run(project, out)
    assert done.returncode == 0, done.stderr
    rec = json.loads((out / "medical_reports" / "record.json").read_text())
    failed = {c["id"]: c["failed"] for c in rec["checks"]}
    assert (failed["email_present"], failed["email_unique"], failed["email_lowercase"]) == (3, 2, 4)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert DOMAIN not in text, path
        assert not any(a in text for a in addresses), path
    assert DOMAIN not in done.stdout + done.stderr
    # the examples show hash prefixes: the 4 capitalised addresses and the 2 repeated ones
    page = (out / "medical_reports" / "record.html").read_text(encoding="utf-8")
    prefixes = re.findall(r"#[0-9a-f]{10}\b", page)
    assert len(set(prefixes)) >= 6, prefixes
    profile = rec["profiles"]["patients"]
    email = next(c for c in profile["columns"] if c["name"] == "email")
    assert (email["min"], email["max"], email["top_values"], email["histogram"]) == (None, None, None, None)
    written = duckdb.sql(
        f"select * from read_parquet('{out / 'medical_reports' / 'failures' / 'email_lowercase.parquet'}')"
    )
    assert "email" not in written.columns and len(written.fetchall()) == 4


def test_include_sensitive_keeps_them_in_failure_files_only(tmp_path: Path) -> None:
    project, addresses = planted_project(tmp_path)
    out = tmp_path / "out"
    done = wbk_run(project, out, "--include-sensitive")
    assert done.returncode == 0, done.stderr
    failures = out / "medical_reports" / "failures"
    kept = duckdb.sql(f"select email from read_parquet('{failures / 'email_lowercase.parquet'}')").fetchall()
    assert sorted(r[0] for r in kept) == sorted(a for a in addresses if a.startswith("Patient."))
    for path in (p for p in out.rglob("*") if p.is_file() and p.parent != failures):
        assert DOMAIN not in path.read_bytes().decode("utf-8", errors="replace"), path


OUTPUTS_DOMAIN = "planted-outputs.example"
OUTPUT_FIELD = "sections.contact.email"


def planted_outputs_project(tmp_path: Path) -> tuple[Path, set[str]]:
    """The support example whose drafted answers carry a contact e-mail the outputs mark sensitive:
    every address is planted (@planted-outputs.example), 4 have capitals, which a rule fails."""
    project = copy_example("support_answers", tmp_path)
    path = project / "outputs" / "drafted_answers.jsonl"
    outputs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, output in enumerate(outputs):
        name = "Customer" if i in (2, 5, 7, 11) else "customer"
        output["sections"]["contact"] = {"email": f"{name}.{i:05d}@{OUTPUTS_DOMAIN}"}
    path.write_text("".join(json.dumps(o) + "\n" for o in outputs), encoding="utf-8")
    document = yamlfile.read(project / "answers.yaml")
    document.tree["data_quality"]["rules"].append(
        {
            "id": "contact_lowercase",
            "dataset": "drafted_answers",
            "columns": [OUTPUT_FIELD],
            "check": "matches",
            "params": {"pattern": "^[a-z0-9.]+@[a-z.-]+$"},
            "severity": "warning",
        }
    )
    document.tree["data_quality"]["generated_outputs"]["sensitive"] = [OUTPUT_FIELD]
    (project / "answers.yaml").write_text(yamlfile.dump(document.tree), encoding="utf-8")
    return project, {o["sections"]["contact"]["email"] for o in outputs}


def test_planted_addresses_in_outputs_marked_sensitive_appear_in_no_output_of_the_run(tmp_path: Path) -> None:
    project, addresses = planted_outputs_project(tmp_path)
    out = tmp_path / "out"
    done = wbk_run(project, out)
    assert done.returncode == 0, done.stderr
    folder = out / "support_answers"
    rec = json.loads((folder / "record.json").read_text())
    assert {c["id"]: c["failed"] for c in rec["checks"]}["contact_lowercase"] == 4
    files = [p for p in out.rglob("*") if p.is_file()]
    assert (folder / "failures" / "contact_lowercase.parquet") in files and len(files) > 10
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert OUTPUTS_DOMAIN not in text, path
        assert not any(a in text for a in addresses), path
    assert OUTPUTS_DOMAIN not in done.stdout + done.stderr
    page = (folder / "record.html").read_text(encoding="utf-8")
    assert len(set(re.findall(r"#[0-9a-f]{10}\b", page))) >= 4  # the 4 capitalised, as hash prefixes
    written = duckdb.sql(f"select * from read_parquet('{folder / 'failures' / 'contact_lowercase.parquet'}')")
    assert OUTPUT_FIELD not in written.columns and len(written.fetchall()) == 4
