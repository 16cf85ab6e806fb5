"""Frameworks as data (templates/frameworks/*.yaml): loaded and validated with located errors, their
names checked against the kit's tables, and named by a project's answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CASES, EXAMPLES
from ruamel.yaml import YAML

from kit.answers import frameworks as catalogue
from kit.checks.engine.kinds import KINDS
from kit.checks.families import FAMILIES
from kit.decide import frameworks
from kit.findings import AnswersError

CASES_FILE = YAML(typ="safe").load((CASES / "frameworks.yaml").read_text(encoding="utf-8"))
LOCATED = re.compile(r"^\S+\.yaml:\d+:\d+: error: ")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_kit_holds_both_frameworks() -> None:
    assert catalogue.available() == ["eu_ai_act", "nist_ai_rmf"]


@pytest.mark.parametrize(
    "name, document, version",
    [
        ("eu_ai_act", "Regulation (EU) 2024/1689", "13 June 2024"),
        ("nist_ai_rmf", "NIST AI 100-1", "January 2023"),
    ],
)
def test_each_file_cites_its_source_and_version(name: str, document: str, version: str) -> None:
    framework = catalogue.load(name)
    assert document in framework.source.document
    assert version in framework.source.version


def test_eu_items_are_articles_9_to_15_and_17_at_paragraph_level() -> None:
    refs = [item.ref for item in catalogue.load("eu_ai_act").items]
    pattern = re.compile(r"^Art\. (9|1[0-5]|17)\(\d+\)(\([a-z]\))?(\([ivx]+\))?$")
    assert all(pattern.match(ref) for ref in refs), [r for r in refs if not pattern.match(r)]
    assert "Art. 10(2)(f)" in refs and "Art. 15(1)" in refs and "Art. 17(1)(m)" in refs


def test_nist_items_are_subcategories_of_the_four_functions() -> None:
    refs = [item.ref for item in catalogue.load("nist_ai_rmf").items]
    pattern = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) \d\.\d{1,2}$")
    assert all(pattern.match(ref) for ref in refs), [r for r in refs if not pattern.match(r)]
    assert {ref.split()[0] for ref in refs} == {"GOVERN", "MAP", "MEASURE", "MANAGE"}
    assert "MEASURE 2.11" in refs
    assert "design record" in catalogue.load("nist_ai_rmf").selection  # says it lists only some


@pytest.mark.parametrize("name", ["eu_ai_act", "nist_ai_rmf"])
def test_every_item_can_be_evidenced_by_something(name: str) -> None:
    for item in catalogue.load(name).items:
        e = item.evidence
        assert e.families or e.kinds or e.answers or e.roles or e.audits, item.ref


@pytest.mark.parametrize("name", ["eu_ai_act", "nist_ai_rmf"])
def test_the_files_name_only_families_and_kinds_of_the_kits_tables(name: str) -> None:
    assert frameworks.unknown_names(catalogue.path_of(name)) == []
    used = {f for item in catalogue.load(name).items for f in item.evidence.families}
    assert used <= {f.name for f in FAMILIES}
    kinds = {k for item in catalogue.load(name).items for k in item.evidence.kinds}
    assert kinds <= set(KINDS)


@pytest.mark.parametrize("case", CASES_FILE["valid"], ids=[c["name"] for c in CASES_FILE["valid"]])
def test_valid_framework_files_load(tmp_path: Path, case: dict) -> None:
    path = write(tmp_path, case["text"])
    assert catalogue.load_file(path).items
    assert frameworks.unknown_names(path) == []


@pytest.mark.parametrize("case", CASES_FILE["invalid"], ids=[c["name"] for c in CASES_FILE["invalid"]])
def test_invalid_framework_files_give_located_errors(tmp_path: Path, case: dict) -> None:
    path = write(tmp_path, case["text"])
    with pytest.raises(AnswersError) as exc:
        catalogue.load_file(path)
    lines = [str(f) for f in exc.value.findings]
    assert all(LOCATED.match(line) for line in lines), lines
    for expected in case["expect"]:
        assert any(expected in line for line in lines), f"{expected!r} not in {lines}"


@pytest.mark.parametrize(
    "case", CASES_FILE["unknown_names"], ids=[c["name"] for c in CASES_FILE["unknown_names"]]
)
def test_names_the_tables_do_not_define_are_located(tmp_path: Path, case: dict) -> None:
    path = write(tmp_path, case["text"])
    lines = [str(f) for f in frameworks.unknown_names(path)]
    assert lines and all(LOCATED.match(line) for line in lines), lines
    for expected in case["expect"]:
        assert any(expected in line for line in lines), f"{expected!r} not in {lines}"


def test_a_shipped_file_with_an_unknown_family_refuses_to_load(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    text = catalogue.path_of("nist_ai_rmf").read_text(encoding="utf-8")
    (folder / "nist_ai_rmf.yaml").write_text(
        text.replace("families: [bias]", "families: [fairness]"), "utf-8"
    )
    monkeypatch.setattr(catalogue, "FRAMEWORKS", folder)
    with pytest.raises(AnswersError, match="'fairness' is not one of the kit's families"):
        frameworks.load("nist_ai_rmf")


def test_domains_suggest_the_eu_ai_act() -> None:
    assert catalogue.suggested("hr") == ["eu_ai_act"]
    assert catalogue.suggested("medical") == ["eu_ai_act"]
    assert catalogue.suggested("finance") == []


def test_wbk_frameworks_lists_name_title_version_and_item_count(capsys) -> None:
    from kit.cli import main

    assert main(["frameworks"]) == 0
    out = capsys.readouterr().out
    for name, title, version in [
        ("eu_ai_act", "EU AI Act", "13 June 2024"),
        ("nist_ai_rmf", "NIST AI RMF", "January 2023"),
    ]:
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        items = catalogue.path_of(name).read_text(encoding="utf-8").count("\n  - ref: ")  # in the file
        assert title in line and version in line and f"{items} items" in line, line
    assert "suggested for hr, medical" in out


# --- coverage from evidence ----------------------------------------------------------------------

EXPECTED = YAML(typ="safe").load((CASES / "coverage_expected.yaml").read_text(encoding="utf-8"))


def coverage_of(project: Path) -> list[frameworks.FrameworkCoverage]:
    from kit.decide.evidence import gather

    ev = gather(project)
    checks = [c.summary() for c in ev.checks]
    return frameworks.coverage(ev.answers, checks, ev.team.sign_offs())


def by_ref(fc: frameworks.FrameworkCoverage) -> dict[str, frameworks.ItemCoverage]:
    return {item.ref: item for item in fc.items}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_example_coverage_is_the_hand_written_expectation(example: str) -> None:
    expected = EXPECTED[example]
    [fc] = coverage_of(EXAMPLES / example)
    assert fc.name == expected["framework"]
    assert {ref: item.status for ref, item in by_ref(fc).items()} == expected["items"]
    assert frameworks.summary_line(fc) == expected["summary"]


def test_evidence_is_only_checks_that_ran_and_whose_meaning_matches() -> None:
    [fc] = coverage_of(EXAMPLES / "job_adverts")
    items = by_ref(fc)
    bias = items["Art. 10(2)(f)"]
    assert [(c.id, c.family, c.status) for c in bias.checks] == [("bias.location_mix", "bias", "pass")]
    assert [p.who for p in bias.people] == ["Aylin Demir"]  # the equality and inclusion officer
    # Art. 10(2)(h): the not_null rules (salary_stated fails on planted rows, terms_stated passes)
    assert {c.id: c.status for c in items["Art. 10(2)(h)"].checks} == {
        "salary_stated": "fail",
        "terms_stated": "pass",
    }
    # an item answered, not checked, lists only the answers it names that are filled in
    assert items["Art. 10(2)(a)"].checks == [] and items["Art. 10(2)(a)"].answers == [
        "data_strategy.curation",
        "problem_boundaries.data.perfect_input",
    ]


def test_a_check_that_could_not_run_is_never_evidence() -> None:
    from kit.answers import loading

    answers = loading.load(EXAMPLES / "support_answers").answers
    framework = catalogue.load("nist_ai_rmf")
    errored = [{"id": "bias.language_mix", "family": "bias", "status": "error", "pass_rate": 1.0}]
    fc = frameworks.framework_coverage("nist_ai_rmf", framework, answers, errored, [])
    item = by_ref(fc)["MEASURE 2.11"]
    assert item.status != "evidenced" and item.checks == []
    assert [c.id for c in item.not_run] == ["bias.language_mix"]
    # and with no check at all (none declared), nothing is evidenced by checks
    fc = frameworks.framework_coverage("nist_ai_rmf", framework, answers, [], [])
    assert fc.count("evidenced") == fc.count("checks_fail") == 0


def test_a_planted_defect_moves_an_item_from_evidenced_to_checks_fail(tmp_path: Path) -> None:
    from conftest import copy_example

    project = copy_example("support_answers", tmp_path)
    [before] = coverage_of(project)
    assert by_ref(before)["MEASURE 2.5"].status == "evidenced"
    tickets = project / "data" / "tickets.csv"
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    tickets.write_text("".join([*lines, lines[1]]), encoding="utf-8")  # ticket T00000 twice
    [after] = coverage_of(project)
    item = by_ref(after)["MEASURE 2.5"]
    assert item.status == "checks_fail"
    assert [c.id for c in item.checks if c.status == "fail"] == ["ticket_id_unique"]
    assert by_ref(after)["MEASURE 2.11"].status == "evidenced"  # the bias check still passes


# --- record.json, coverage.json ------------------------------------------------------------------

COVERAGE_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "coverage.schema.json"


def test_committed_coverage_schema_is_current() -> None:
    """docs/coverage.schema.json is generated: python -m kit.record.coverage > docs/coverage.schema.json"""
    import json

    from kit.record.coverage import json_schema

    assert json.loads(COVERAGE_SCHEMA.read_text(encoding="utf-8")) == json_schema()


def test_coverage_json_has_one_valid_object_per_item() -> None:
    import json

    import jsonschema

    from kit import workbook as wb
    from kit.record.coverage import coverage_file

    rec = wb.record_data(wb.open_project(EXAMPLES / "medical_reports"))
    data = coverage_file(rec)
    jsonschema.validate(data, json.loads(COVERAGE_SCHEMA.read_text(encoding="utf-8")))
    refs = [item["reference"] for item in data["items"]]
    assert refs == list(EXPECTED["medical_reports"]["items"])  # every item once, in the file's order
    by = {item["reference"]: item for item in data["items"]}
    assert {r: by[r]["status"] for r in refs} == EXPECTED["medical_reports"]["items"]
    flags = by["Art. 15(4)"]
    assert {
        "kind": "check",
        "id": "flag_consistent",
        "status": "fail",
        "href": "record.html#check-flag_consistent",
    } in [link for link in flags["evidence"]]
    assert "not legal advice" in data["statement"] and "not compliance" in data["statement"]
    assert all(
        item["framework"] == "eu_ai_act" and "2024/1689" in item["framework_version"]
        for item in data["items"]
    )
    with pytest.raises(jsonschema.ValidationError):  # the schema can fail
        jsonschema.validate(
            {**data, "items": [{**data["items"][0], "status": "compliant"}]},
            json.loads(COVERAGE_SCHEMA.read_text(encoding="utf-8")),
        )


def test_a_project_naming_no_framework_has_empty_coverage() -> None:
    from kit import workbook as wb
    from kit.record.coverage import coverage_file

    rec = wb.record_data(wb.open_project(EXAMPLES / "invoice_processing"))
    assert rec["frameworks"] == [] and coverage_file(rec)["items"] == []


# --- the record, built by wbk run ----------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from kit.run.batch import run_projects

    out = tmp_path_factory.mktemp("records")
    assert run_projects([str(EXAMPLES / name) for name in sorted(EXPECTED)], out, jobs=2) == 0
    return out


def frameworks_section(html: str) -> str:
    start = html.index('<div class="wbk wbk-frameworks" id="frameworks">')
    return html[start : html.index("</table>", html.rindex("wbk-coverage"))]


@pytest.mark.notebook
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_wbk_run_writes_coverage_json_from_the_record(built: Path, example: str) -> None:
    import json

    import jsonschema

    from kit.record.coverage import coverage_file

    written = json.loads((built / example / "coverage.json").read_text(encoding="utf-8"))
    jsonschema.validate(written, json.loads(COVERAGE_SCHEMA.read_text(encoding="utf-8")))
    record = json.loads((built / example / "record.json").read_text(encoding="utf-8"))
    assert written == coverage_file(record)
    assert {i["reference"]: i["status"] for i in written["items"]} == EXPECTED[example]["items"]


@pytest.mark.notebook
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_first_screen_summarises_and_the_section_links_every_evidence(built: Path, example: str) -> None:
    html = (built / example / "record.html").read_text(encoding="utf-8")
    first = html[html.index('id="summary"') : html.index("</section>", html.index('id="summary"'))]
    name, summary = EXPECTED[example]["framework"], EXPECTED[example]["summary"]
    assert f'<a href="#framework-{name}">{summary}</a>' in first
    assert "not legal advice" in first
    section = frameworks_section(html)
    ids = set(re.findall(r'\sid="([^"]*)"', html))
    hrefs = re.findall(r'href="#([^"]*)"', section)
    assert len(hrefs) > len(EXPECTED[example]["items"]) and [h for h in hrefs if h not in ids] == []
    assert 'href="#member-1"' in section  # a member who guards an item links to their sign-off
    assert "compliant" not in section.lower() and "not legal advice" in section


@pytest.mark.browser
@pytest.mark.notebook
def test_the_coverage_and_its_summary_pass_axe(built: Path, browser) -> None:
    axe = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto((built / "job_adverts" / "record.html").as_uri())
    page.add_script_tag(content=axe.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run({include: [['#frameworks'], ['#summary']]}, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
            .then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target)})))"""
    )
    assert result == []
    context.close()


def test_the_readme_shows_the_job_adverts_coverage_as_expected() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "> " + EXPECTED["job_adverts"]["summary"] + "\n" in readme
    for ref, words in [("Art. 10(2)(h)", "checks fail"), ("Art. 15(4)", "checks fail")]:
        assert EXPECTED["job_adverts"]["items"][ref] == words.replace(" ", "_")
        assert re.search(rf"^\| {re.escape(ref)} [^|]*\| {words} \|", readme, re.M), ref


def test_wbk_diff_names_an_item_whose_status_changed(tmp_path: Path, capsys) -> None:
    import json

    from kit.cli import main

    def record(status: str) -> dict:
        item = {"ref": "MEASURE 2.5", "status": status}
        return {"decision": "GO", "frameworks": [{"name": "nist_ai_rmf", "items": [item]}]}

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(record("evidenced")), encoding="utf-8")
    new.write_text(json.dumps(record("checks_fail")), encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 1
    assert '~ frameworks.nist_ai_rmf.MEASURE 2.5: "evidenced" -> "checks_fail"' in capsys.readouterr().out


def test_an_hr_project_naming_no_framework_is_reminded_of_the_eu_ai_act(tmp_path: Path, capsys) -> None:
    from conftest import copy_example

    from kit.cli import main

    project = copy_example("job_adverts", tmp_path)
    answers = project / "answers.yaml"
    text = answers.read_text(encoding="utf-8")
    answers.write_text(re.sub(r"\n  frameworks: \[eu_ai_act\][^\n]*", "", text), encoding="utf-8")
    assert main(["validate", str(project)]) == 0  # a reminder, not an error
    out = capsys.readouterr().out
    assert re.search(
        r"answers\.yaml:7:3: warning: project: eu_ai_act \(EU AI Act\) is suggested for domain 'hr'", out
    )
