"""wbk run: records, index, failures, provenance, the nbconvert template, XSS safety, offline opening."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import nbformat
import pytest
from conftest import EXAMPLES, ROOT, copy_example
from planted import expected_checked_among, expected_failing, planted

from kit.answers import yamlfile
from kit.cli import main
from kit.record.provenance import sha256
from kit.run.batch import run_projects
from kit.run.execute import UnknownParameterError, prepare, step_notebooks
from kit.run.project import validate

pytestmark = pytest.mark.notebook  # the module's fixtures run projects in kernels
RECORD_SCHEMA = json.loads((ROOT / "docs" / "record.schema.json").read_text())
STEPS = [p.stem for p in step_notebooks()]


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """The three examples and one broken project, run with two jobs."""
    work = tmp_path_factory.mktemp("projects")
    broken = copy_example("support_answers", work)
    text = (broken / "answers.yaml").read_text(encoding="utf-8")
    (broken / "answers.yaml").write_text(
        text.replace("domain: support", "domain: [support"), encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("build")
    projects = [str(EXAMPLES / name) for name in ("medical_reports", "support_answers", "invoice_processing")]
    status = run_projects([*projects, str(broken)], out, jobs=2)
    assert status == 2, "one project's answers are invalid, so the run exits 2"
    return out


def test_every_project_gets_its_files(build: Path) -> None:
    for name in ("medical_reports", "support_answers", "invoice_processing"):
        folder = build / name
        assert (folder / "record.html").stat().st_size > 10_000
        assert sorted(p.stem for p in (folder / "notebooks").glob("*.ipynb")) == STEPS
        record = json.loads((folder / "record.json").read_text())
        jsonschema.validate(record, RECORD_SCHEMA)
        assert record["status"] == "ok"


def test_record_json_carries_decision_checks_and_provenance(build: Path) -> None:
    record = json.loads((build / "medical_reports" / "record.json").read_text())
    assert record["decision"] == "GO WITH CONDITIONS"
    assert record["verdict"] == "GenAI with human review" and record["temperature"] == 0.0
    checks = {c["id"]: c for c in record["checks"]}
    assert checks["unit_present"] == {
        "id": "unit_present",
        "family": "rule",
        "status": "fail",
        "passed": 3492,
        "failed": 12,
        "pass_rate": round(3492 / 3504, 6),
        "severity": "condition",
    }
    prov = record["provenance"]
    assert prov["answers_sha256"] == sha256(EXAMPLES / "medical_reports" / "answers.yaml")
    assert prov["inputs"]["data/lab_results.csv"] == sha256(EXAMPLES / "medical_reports/data/lab_results.csv")
    assert "kit:templates/rubrics/solution_fit.yaml" in prov["inputs"]
    assert prov["parameters"] == {"project": ".", "as_of": None}


def test_decisions_of_the_three_examples(build: Path) -> None:
    decisions = {
        name: json.loads((build / name / "record.json").read_text())["decision"]
        for name in ("medical_reports", "support_answers", "invoice_processing")
    }
    assert decisions == {
        "medical_reports": "GO WITH CONDITIONS",
        "support_answers": "GO",
        "invoice_processing": "USE A DETERMINISTIC SYSTEM",
    }


@pytest.mark.parametrize("name", ["medical_reports", "support_answers", "invoice_processing"])
def test_every_count_in_record_json_is_the_planted_truth(build: Path, name: str) -> None:
    record = json.loads((build / name / "record.json").read_text())
    counts = {
        c["id"]: (c["passed"] + c["failed"], c["failed"])
        for c in record["checks"]
        if c["family"] in ("rule", "output")
    }
    failing = expected_failing(name, counts)
    assert {c: n[1] for c, n in counts.items()} == {c: len(ids) for c, ids in failing.items()}
    checked = expected_checked_among(name, counts)
    assert {c: counts[c][0] for c in checked} == checked


def test_a_failing_project_fails_alone_and_says_where(build: Path) -> None:
    record = json.loads((build / "support_answers-2" / "record.json").read_text())
    jsonschema.validate(record, RECORD_SCHEMA)
    assert record["status"] == "failed" and record["decision"] is None
    assert record["failure"]["step"] == "01_problem_boundaries"
    assert record["failure"]["error"].startswith("AnswersError")
    html = (build / "support_answers-2" / "record.html").read_text()
    assert "This run failed" in html and "01_problem_boundaries" in html
    assert "answers.yaml:9:8: error: project.domain[0]: YAML syntax" in html, (
        "the located YAML error reaches the reviewer"
    )
    index = (build / "index.html").read_text()
    assert "RUN FAILED" in index and "support_answers-2/record.html" in index
    assert index.count("GO WITH CONDITIONS") == 1


def test_record_has_decision_first_toc_and_no_code(build: Path) -> None:
    html = (build / "medical_reports" / "record.html").read_text()
    assert html.index("Decision: GO WITH CONDITIONS") < html.index('id="01_problem_boundaries"')
    assert 'class="wbk-toc"' in html and 'href="#01_problem_boundaries"' in html
    for code in (
        "from kit import workbook",
        "wb.open_project",
        "show_form = False",
        "%reset",
        "Run all cells",
    ):
        assert code not in html
    assert "@media print" in html and 'class="wbk-chart"' in html and "<svg" in html
    for needle in ("cdnjs", "unpkg", "require.js", "MathJax", "<script", "application/vnd.jupyter.widget"):
        assert needle not in html


def test_executed_notebooks_keep_the_papermill_parameter_cell(build: Path) -> None:
    nb = nbformat.read(build / "medical_reports" / "notebooks" / "02_data_quality.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert ["injected-parameters"] in tags and ["parameters"] in tags
    assert not any("wbk-reset" in t for t in tags)
    assert all(c.get("outputs") is not None for c in nb.cells if c.cell_type == "code")


def test_the_template_is_a_real_nbconvert_template(build: Path, tmp_path: Path) -> None:
    executed = build / "medical_reports" / "notebooks" / "02_data_quality.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--template",
            "wbk-record",
            str(executed),
            "--output-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / "02_data_quality.html").read_text()
    assert "Step 2 · Data quality requirements" in html and "<script" not in html
    assert "wb.rules(ev)" not in html


def test_unknown_parameter_is_an_error() -> None:
    with pytest.raises(UnknownParameterError, match="no parameter projcet"):
        prepare(step_notebooks()[0], {"projcet": "x"})


def test_wbk_diff_reports_field_level_changes(build: Path, tmp_path: Path, capsys) -> None:
    old = build / "medical_reports" / "record.json"
    data = json.loads(old.read_text())
    data["decision"] = "NO-GO"
    data["answers"]["project"]["owner"] = "Someone else"
    data["checks"][0]["failed"] = 0
    new = tmp_path / "record.json"
    new.write_text(json.dumps(data))
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert '~ decision: "GO WITH CONDITIONS" -> "NO-GO"' in out
    assert '~ answers.project.owner: "Dr. Amira Haddad, Clinical Informatics" -> "Someone else"' in out
    assert "~ checks.result_id_unique.failed: 4 -> 0" in out
    assert main(["diff", str(old), str(old)]) == 0
    assert main(["diff", str(old), str(tmp_path / "nothing.json")]) == 2


def test_run_refuses_bad_arguments(tmp_path: Path, capsys) -> None:
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert main(["run", str(EXAMPLES / "medical_reports"), "--out", str(tmp_path), "--as-of", "soon"]) == 2
    assert main(["run", str(EXAMPLES / "medical_reports"), "--out", str(tmp_path), "--jobs", "0"]) == 2


# --- a shared record is safe: user text never becomes live markup ------------------------------

PAYLOADS = [
    "<script>alert('s')</script>",
    "<img src=x onerror=alert('i')>",
    "[click me](javascript:alert('j'))",
    "</style><script>alert('st')</script>",
    "<svg onload=alert('v')><circle r=5 /></svg>",
    "![tracker](http://example.invalid/pixel.png)",
]


def poison(project: Path) -> int:
    """Put a payload into every free-text answer that still validates; return how many."""
    path = project / "answers.yaml"
    data = yamlfile.read(path).data
    changed = 0

    def still_valid() -> bool:
        path.write_text(yamlfile.dump(data), encoding="utf-8")
        return not validate(project).errors

    def walk(node):
        nonlocal changed
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in list(items):
            if isinstance(value, dict | list):
                walk(value)
            elif isinstance(value, str):
                node[key] = f"{PAYLOADS[changed % len(PAYLOADS)]} {value}"
                if still_valid():
                    changed += 1
                else:
                    node[key] = value

    walk(data)
    assert still_valid()
    return changed


class LiveMarkup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed"}:
            self.problems.append(f"<{tag}>")
        if tag == "svg" and ("class", "wbk-chart") not in attrs:  # only the kit's own charts
            self.problems.append("<svg>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in {"href", "src"} and value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag} {name}=javascript:")
            if tag == "img" and name == "src" and value and not value.startswith("data:image/png;base64,"):
                self.problems.append(f"img src={value}")


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> Path:
    project = copy_example("medical_reports", tmp_path_factory.mktemp("xss"))
    assert poison(project) > 100
    out = tmp_path_factory.mktemp("xss-build")
    assert run_projects([str(project)], out) == 0
    return out / "medical_reports" / "record.html"


def test_payloads_are_never_live_markup(poisoned: Path) -> None:
    html = poisoned.read_text()
    parser = LiveMarkup()
    parser.feed(html)
    assert parser.problems == []
    assert "&lt;script&gt;alert" in html, "the payload text is shown, escaped"


@pytest.mark.browser
def test_poisoned_record_fires_nothing_and_loads_nothing(poisoned: Path, browser) -> None:
    page = browser.new_page()
    dialogs, requests = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(poisoned.as_uri())
    page.wait_for_load_state("load")
    page.mouse.wheel(0, 20000)
    for link in page.locator("a[href]").all()[:50]:
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript:")
    assert dialogs == []
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    page.close()


@pytest.mark.browser
def test_record_opens_offline_with_nothing_missing(build: Path, browser) -> None:
    page = browser.new_page()
    failed, errors = [], []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((build / "medical_reports" / "record.html").as_uri())
    page.wait_for_load_state("load")
    images = page.locator("img")
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("svg.wbk-chart").count() >= 3, "charts are inline SVG"
    assert page.locator(".wbk-decision").inner_text() == "Decision: GO WITH CONDITIONS"
    assert failed == [] and errors == []
    page.click("nav.wbk-toc >> text=Step 2")
    assert page.evaluate("location.hash") == "#02_data_quality"
    page.close()


def test_index_links_every_record(build: Path) -> None:
    index = (build / "index.html").read_text()
    for name in ("medical_reports", "support_answers", "invoice_processing"):
        assert f'href="{name}/record.html"' in index


def test_rerun_replaces_records_whole(build: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    shutil.copytree(build / "invoice_processing", out / "invoice_processing")
    before = json.loads((out / "invoice_processing" / "record.json").read_text())
    (out / "invoice_processing" / "notebooks" / "00_from_an_older_kit.ipynb").write_text("{}")
    assert run_projects([str(EXAMPLES / "invoice_processing")], out) == 0
    after = json.loads((out / "invoice_processing" / "record.json").read_text())
    assert after["provenance"]["executed_at"] > before["provenance"]["executed_at"], "a new record"
    assert after["decision"] == "USE A DETERMINISTIC SYSTEM"
    rules = {
        c["id"]: (c["passed"] + c["failed"], c["failed"]) for c in after["checks"] if c["family"] == "rule"
    }
    truth = planted("invoice_processing")["checks"]
    assert rules == {c: (t["checked"], len(t["failing"])) for c, t in truth.items()}
    assert sorted(p.stem for p in (out / "invoice_processing" / "notebooks").iterdir()) == STEPS
    assert not list(out.rglob("*.tmp")), "no temporary file is left behind"
    assert not list((out / ".wbk").glob("*.staging")), "no staging folder is left behind"


def late_at(as_of: dt.date) -> dict[str, int]:
    """Checks of the support example that fail at as_of, with their failing counts, worked out here
    from answers.yaml and kb_articles.csv: stale sources, overdue audits, articles past 365 days."""
    project = EXAMPLES / "support_answers"
    data = yamlfile.read(project / "answers.yaml").data
    late = {}
    for source in data["problem_boundaries"]["data"]["sources"]:
        if source["last_updated"] + dt.timedelta(days=source["freshness_sla_days"]) < as_of:
            late[f"source.{source['id']}"] = 1
    for audit in data["data_strategy"]["maintenance"]["audits"]:
        if audit["last_done"] + dt.timedelta(days=audit["cadence_days"]) < as_of:
            late[f"audit.{audit['id']}"] = 1
    with open(project / "data" / "kb_articles.csv", newline="") as handle:
        updated = [dt.date.fromisoformat(row["updated_on"]) for row in csv.DictReader(handle)]
    old = sum(1 for day in updated if (as_of - day).days > 365)
    return {**late, **({"article_fresh": old} if old else {})}


def test_as_of_override_reaches_every_check(tmp_path: Path) -> None:
    out = tmp_path / "later"
    assert run_projects([str(EXAMPLES / "support_answers")], out, as_of="2027-06-01") == 0
    record = json.loads((out / "support_answers" / "record.json").read_text())
    assert record["as_of"] == "2027-06-01"
    assert record["provenance"]["parameters"]["as_of"] == "2027-06-01"
    assert record["decision"] == "GO WITH CONDITIONS"
    failing = {c["id"]: c["failed"] for c in record["checks"] if c["status"] != "pass"}
    expected = late_at(dt.date(2027, 6, 1))
    assert expected["article_fresh"] == 1 and len(expected) == 5, "the hand count itself"
    assert failing == expected
