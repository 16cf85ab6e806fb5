"""wbk run's exit codes and gates (--fail-on), OUT/summary.json and the JUnit report (--junit).

Exit 1 through a check that could not run is tested with the whole stack in test_check_errors.py,
exit 2 through invalid answers in test_batch_safety.py and test_answers.py; here every code of the
table is reached by ``wbk run`` itself, and the JUnit file of the four examples is validated against
Apache Ant's JUnit schema and read back with junitparser.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, copy_example

from kit.decide import decision
from kit.run import gate

pytestmark = pytest.mark.notebook
SCHEMA = Path(__file__).resolve().parent / "schemas" / "JUnit.xsd"
NAMES = ("invoice_processing", "job_adverts", "medical_reports", "support_answers")


def wbk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def four(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """The four examples, gated on conditions, with a JUnit report outside OUT."""
    base = tmp_path_factory.mktemp("gate")
    out = base / "out"
    done = wbk(
        "run", *(str(EXAMPLES / n) for n in NAMES), "--out", str(out), "--jobs", "2",
        "--fail-on", "conditions", "--junit", str(base / "reports" / "wbk.xml"),
    )  # fmt: skip
    return done, out


def records(out: Path) -> dict[str, dict]:
    return {n: json.loads((out / n / "record.json").read_text()) for n in NAMES}


def test_a_decision_that_meets_fail_on_exits_3_and_the_summary_says_which(four) -> None:
    done, out = four
    assert done.returncode == 3, done.stderr
    decided = {n: r["decision"] for n, r in records(out).items()}
    assert decided == {
        "invoice_processing": "USE A DETERMINISTIC SYSTEM",
        "job_adverts": "GO WITH CONDITIONS",
        "medical_reports": "GO WITH CONDITIONS",
        "support_answers": "GO",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exit_code"] == 3 and summary["fail_on"] == "conditions"
    assert [(p["project"], p["exit_code"]) for p in summary["projects"]] == [
        ("invoice_processing", 3),
        ("job_adverts", 3),
        ("medical_reports", 3),
        ("support_answers", 0),
    ]
    assert "wbk run: medical_reports: decision GO WITH CONDITIONS fails --fail-on conditions (exit 3)" in (
        done.stderr
    )
    assert "support_answers" not in done.stderr


def test_the_junit_report_validates_against_the_schema_and_junitparser_reads_it(four) -> None:
    import xmlschema
    from junitparser import Error, Failure, JUnitXml

    _, out = four
    report = out.parent / "reports" / "wbk.xml"
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(report))
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(report))}
    recs = records(out)
    pages = {n: (out / n / "record.html").read_text(encoding="utf-8") for n in NAMES}
    assert sorted(suites) == sorted(r["project"] for r in recs.values())
    for name, rec in recs.items():
        suite = suites[rec["project"]]
        checks = {c["id"]: c for c in rec["checks"]}
        items = rec["blockers"] + rec["conditions"]
        untied = [i for i in items if i["evidence"] not in checks]
        not_passing = [c for c in checks.values() if c["status"] in ("fail", "warn")]
        assert suite.tests == len(checks) + len(untied), name
        assert suite.failures == len(not_passing) + len(untied), name
        assert suite.errors == sum(c["status"] == "error" for c in checks.values()), name
        cases = {case.name: case for case in suite}
        for check in checks.values():
            case = cases[check["id"]]
            results = case.result
            if check["status"] == "pass":
                assert results == [], check["id"]
                continue
            (result,) = results
            assert isinstance(result, Failure if check["status"] != "error" else Error)
            raised = [i["text"] for i in items if i["evidence"] == check["id"]]
            if raised:  # the measured sentence of the record, and where the check is shown
                assert result.message == raised[0]
            (anchor,) = re.findall(rf"^record: \.\./out/{name}/record\.html#(check-\S+)$", result.text, re.M)
            assert f'id="{anchor}"' in pages[name], (check["id"], anchor)  # the record shows it there
        for item in untied:  # a condition no check raised links to its own place in the record
            (case,) = [
                c
                for c in cases.values()
                if c.name.endswith(f": {item['evidence']}") and c.result[0].message == item["text"]
            ][:1]
            (anchor,) = re.findall(r"#((?:blocker|condition)-\d+)$", case.result[0].text, re.M)
            assert f'id="{anchor}"' in pages[name]
    medical = {case.name: case for case in suites["Lab result report drafting"]}
    assert medical["result_id_unique"].result[0].type == "condition"  # the answers: severity: condition
    assert (
        medical["result_id_unique"].result[0].message.startswith("fix before launch: 4 of 3,504 lab results")
    )
    sign_offs = [n for n in medical if n.startswith("condition") and "sign_off" in n]
    assert sign_offs and all(isinstance(medical[n].result[0], Failure) for n in sign_offs)
    # the path to GO's action of a planted overdue audit (medical answers: range_catalogue_review,
    # owner Dr. Jonas Berg, last done 2026-03-20, every 180 days) rides in its test case
    due = dt.date(2026, 3, 20) + dt.timedelta(days=180)
    (audit,) = [n for n in medical if "range_catalogue_review" in n]
    lines = [line for line in medical[audit].result[0].text.splitlines() if line.startswith("action ")]
    assert len(lines) == 1 and f"owner Dr. Jonas Berg; due {due.isoformat()} (overdue); closes by" in lines[0]


def test_a_project_that_meets_the_gate_exits_0(tmp_path: Path) -> None:
    done = wbk("run", str(EXAMPLES / "support_answers"), "--out", str(tmp_path), "--fail-on", "conditions")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["projects"][0]["decision"] == "GO" and summary["exit_code"] == 0


def test_a_failed_project_exits_1_and_invalid_answers_2_before_it(tmp_path: Path) -> None:
    """A failed step asks for 1, invalid answers for 2, and 2 wins in a batch (the table's
    precedence); wbk run on invalid answers exits 2 naming the project."""
    invalid = copy_example("support_answers", tmp_path / "b")
    text = (invalid / "answers.yaml").read_text(encoding="utf-8")
    (invalid / "answers.yaml").write_text(
        text.replace("domain: support", "domain: [support"), encoding="utf-8"
    )
    summary = gate.summary_json(
        [
            gate.judge("a", "failed", {"failure": {"step": "02", "cell": 3, "error": "KeyError: 'x'"}}, "error", False),
            gate.judge("b", "failed", {"failure": {"step": "01", "cell": 9, "error": "AnswersError: bad"}}, "error", False),
        ],
        "error",
        False,
    )  # fmt: skip
    assert [p["exit_code"] for p in json.loads(summary)["projects"]] == [1, 2]
    assert json.loads(summary)["exit_code"] == 2
    done = wbk("run", str(invalid), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert "support_answers: invalid answers: AnswersError" in done.stderr


def test_errors_exit_1_unless_allowed_and_then_the_gate_decides() -> None:
    errored = {"decision": "NO-GO", "checks": [{"id": "bias.age_mix", "status": "error"}]}
    assert gate.judge("p", "ok", errored, "error", False).code == 1
    assert gate.judge("p", "ok", errored, "error", True).code == 0
    assert gate.judge("p", "ok", errored, "no-go", True).code == 3
    conditions = {"decision": "GO WITH CONDITIONS", "checks": []}
    assert [gate.judge("p", "ok", conditions, f, False).code for f in gate.FAIL_ON] == [0, 0, 3]


def test_an_unknown_gate_is_a_usage_error() -> None:
    done = wbk(
        "run", str(EXAMPLES / "support_answers"), "--out", "/nonexistent/never", "--fail-on", "warnings"
    )
    assert done.returncode == 2 and "invalid choice: 'warnings'" in done.stderr


def test_the_gate_spells_decisions_as_the_decision_does() -> None:
    assert (gate.NO_GO, gate.CONDITIONS, gate.DETERMINISTIC) == (
        decision.NO_GO,
        decision.CONDITIONS,
        decision.DETERMINISTIC,
    )


def test_readme_and_help_show_the_one_exit_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d) \| (.+?) \|$", readme, re.MULTILINE))
    assert {int(k): v for k, v in rows.items()} == dict(gate.EXIT_CODES)
    for command in ("run", "validate"):
        assert gate.exit_table() in wbk(command, "--help").stdout
