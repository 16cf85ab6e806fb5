"""A record speaks its own project's language, in any domain (issue 13).

- validate reports every problem of a file in one pass;
- every unacceptable output is guarded by something that exists and runs;
- every condition names what was measured, out of what total, against what requirement;
- records and executed notebooks hold no path of the machine that built them;
- no record carries a term that belongs only to another example's domain.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, apply_edits, copy_example

from kit.answers import yamlfile
from kit.checks import families
from kit.checks.engine.kinds import KINDS
from kit.cli import main
from kit.decide.decision import decide
from kit.decide.evidence import gather
from kit.run.project import validate

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "answers.yaml").exists())
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error: (?P<path>\S+): (?P<msg>.+)$")

# Terms that belong to one example's domain only: no other example's record may contain them.
VOCABULARY = {
    "medical_reports": [
        r"\bpatient",
        r"\bclinician",
        r"\blaborator",
        r"\bLOINC\b",
        r"reference range",
        r"diagnos",
    ],
    "support_answers": [r"\bticket", r"knowledge.base", r"\bhelpdesk"],
    "invoice_processing": [r"\binvoice", r"\bVAT\b", r"\bsupplier", r"\bGL account", r"\bledger"],
    "job_adverts": [
        r"\brequisition",
        r"\bsalar(y|ies)",
        r"\brecruit",
        r"job advert",
        r"\bapplicant",
        r"\bhiring",
    ],
}


def test_every_example_has_a_vocabulary_and_uses_it() -> None:
    assert sorted(VOCABULARY) == EXAMPLE_NAMES
    for name, terms in VOCABULARY.items():
        text = (EXAMPLES / name / "answers.yaml").read_text(encoding="utf-8")
        assert all(re.search(t, text, re.IGNORECASE) for t in terms), name


# --- validate: one pass ----------------------------------------------------------------------


def test_validate_reports_schema_and_semantic_errors_at_once_sorted_by_line(tmp_path: Path, capsys) -> None:
    project = copy_example("support_answers", tmp_path)
    apply_edits(
        project,
        {
            "project.colour": "blue",  # schema: an unknown key
            "data_quality.rules[0].check": "unik",  # semantic: an unknown check kind
            "data_quality.rules[2].columns": ["lang"],  # semantic: a column the sample lacks
        },
    )
    assert main(["validate", str(project)]) == 2  # invalid answers
    lines = capsys.readouterr().out.strip().splitlines()
    found = [LOCATED.match(line) for line in lines[:-1]]
    assert all(found), lines
    messages = {m["path"]: m["msg"] for m in found}
    assert messages["project.colour"].startswith("unknown key 'colour'")
    assert messages["data_quality.rules[0].check"].startswith("unknown check 'unik'; did you mean 'unique'")
    assert messages["data_quality.rules[2].columns[0]"].startswith("column 'lang' is not in data/tickets.csv")
    assert len(found) == 3 and lines[-1].endswith("INVALID, 3 errors, 0 warnings")
    numbers = [int(m["line"]) for m in found]
    assert numbers == sorted(numbers)


def test_a_rule_with_a_schema_error_is_still_checked_for_its_column(tmp_path: Path) -> None:
    project = copy_example("support_answers", tmp_path)
    apply_edits(
        project, {"data_quality.rules[2].severity": "fatal", "data_quality.rules[2].columns": ["lang"]}
    )
    paths = {f.path: f.message for f in validate(project).errors}
    assert set(paths) == {"data_quality.rules[2].severity", "data_quality.rules[2].columns[0]"}


def test_a_schema_error_is_not_reported_twice(tmp_path: Path) -> None:
    """A field that fails the schema is left empty for the semantic checks; its emptiness is no
    second problem (no "unknown check ''", no "no source with id ''")."""
    project = copy_example("support_answers", tmp_path)
    apply_edits(project, {"data_quality.rules[0].check": 5, "data_quality.rules[1].dataset": ["x"]})
    errors = validate(project).errors
    assert sorted(f.path for f in errors) == ["data_quality.rules[0].check", "data_quality.rules[1].dataset"]


# --- guards of unacceptable outputs ----------------------------------------------------------


def test_output_checks_without_generated_outputs_are_located_errors(tmp_path: Path) -> None:
    project = copy_example("support_answers", tmp_path)
    apply_edits(project, {}, delete=("data_quality.generated_outputs",))
    errors = validate(project).errors
    cited = {"output.values_match": 0, "output.sections_present": 1, "output.numbers_grounded": 3}
    on_outputs = ["data_quality.rules[6].dataset", "data_quality.rules[7].dataset"]  # rules on the drafts
    assert sorted(f.path for f in errors) == sorted(
        [f"data_quality.unacceptable_outputs[{i}].caught_by[0]" for i in cited.values()] + on_outputs
    )
    assert all("none are declared" in f.message and f.line > 0 for f in errors if f.path not in on_outputs)


def test_an_output_check_with_nothing_to_check_is_not_run_and_not_a_guard(tmp_path: Path) -> None:
    """The support template has no range, flag or repeated section: those checks would pass on
    nothing, so they are not run, and citing one is a located error."""
    project = copy_example("support_answers", tmp_path)
    assert {c.id for c in gather(project).checks_of(families.OUTPUTS)} == {
        "output.sections_present",
        "output.values_match",
        "output.numbers_grounded",
    }
    apply_edits(project, {"data_quality.unacceptable_outputs[1].caught_by[0]": "output.flags_consistent"})
    [error] = validate(project).errors
    assert error.path == "data_quality.unacceptable_outputs[1].caught_by[0]"
    assert (
        error.message
        == "'output.flags_consistent' checks flag fields, and the output template 'Drafted support answer' has none"
    )


def test_a_colon_in_free_text_gets_a_plain_hint(tmp_path: Path) -> None:
    project = copy_example("job_adverts", tmp_path)
    path = project / "answers.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "description: One advert per requisition.", "description: Note: one advert."
    )
    path.write_text(text, encoding="utf-8")
    [error] = validate(project).errors
    assert "put the text in quotes" in error.message and error.line > 0


def test_an_unacceptable_output_nothing_guards_is_a_condition(tmp_path: Path) -> None:
    """caught_by may be empty, or name only a check that reads no row: either output is unguarded. A
    role that reviews outputs keeps contact_details guarded whatever its check does."""
    project = copy_example("support_answers", tmp_path)
    path = project / "answers.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("caught_by: [output.sections_present]", "caught_by: []")
    text = text.replace(
        "params: {min_words: 5, max_words: 80}",
        "params: {min_words: 5, max_words: 80}\n      where: input.language = 'none'",
    )
    path.write_text(text, encoding="utf-8")
    conditions = [c for c in decide(gather(project)).conditions if "unacceptable_outputs" in c.evidence]
    assert [c.evidence for c in conditions] == [
        "data_quality.unacceptable_outputs[1].caught_by",
        "data_quality.unacceptable_outputs[5].caught_by",
    ]
    assert "guarded by 0 of its 0 named guards (none)" in conditions[0].text
    assert "guarded by 0 of its 1 named guard (answer_length)" in conditions[1].text
    assert "required: at least 1" in conditions[0].text


def test_an_empty_outputs_file_is_a_located_error(tmp_path: Path) -> None:
    project = copy_example("support_answers", tmp_path)
    (project / "outputs" / "drafted_answers.jsonl").write_text("", encoding="utf-8")
    [error] = validate(project).errors
    assert (
        error.path == "data_quality.generated_outputs.path"
        and "drafted_answers.jsonl is empty" in error.message
    )


# --- measured conditions ---------------------------------------------------------------------

MEASURED = re.compile(r"\d.*(allowed|required): ")


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_condition_names_a_measure_and_a_requirement(example: str) -> None:
    outcome = decide(gather(EXAMPLES / example))
    for item in outcome.conditions + outcome.blockers:  # sign-offs too: how many of the team approved
        assert MEASURED.search(item.text), item.text
        assert " of " in item.text or "overdue" in item.text or "never" in item.text, item.text


def test_blockers_name_a_measure_and_a_requirement_too(tmp_path: Path) -> None:
    project = copy_example("medical_reports", tmp_path)
    apply_edits(
        project,
        {
            "data_quality.validation_team[0].role": "informatics lead",
            "data_strategy.maintenance.bias_checks[0].dataset": "guidelines",
            "problem_boundaries.data.sources[0].licence": "CC-BY-NC-4.0",
        },
    )
    texts = {b.evidence: b.text for b in decide(gather(project)).blockers}
    assert texts["data_quality.validation_team"] == (
        "no clinician on the validation team: 2 of the 3 roles the medical domain expects are covered; "
        "required: all"
    )
    assert texts["bias.sex_mix"].startswith(
        "check bias.sex_mix could not be checked (source 'guidelines' has no sample"
    )
    assert "required: it runs" in texts["bias.sex_mix"]
    assert texts["problem_boundaries.data.sources[0].licence"] == (
        "licence 'CC-BY-NC-4.0' is not among the 3 allowed licences (internal, CC-BY-4.0 and CC0-1.0) "
        "and the product uses it"
    )
    conditions = {c.evidence: c.text for c in decide(gather(project)).conditions}
    assert conditions["source.lab_results"].startswith("fix before launch: source lab_results (")
    assert (
        "1 of 4 requirements unmet: licence 'CC-BY-NC-4.0' is not among the 3"
        in conditions["source.lab_results"]
    )


def test_a_rule_condition_counts_the_projects_own_rows() -> None:
    """Counted in the source's row_noun, against the rule's required pass rate."""
    outcome = decide(gather(EXAMPLES / "support_answers"))
    assert not outcome.conditions
    ev = gather(EXAMPLES / "job_adverts")
    text = next(c.text for c in decide(ev).conditions if c.evidence == "requisition_open")
    assert text == (
        "resolve or accept: 9 of 1,203 requisitions (0.7 %) have an opened_on older than 180 days "
        "before 2026-11-20; allowed: 0 %"
    )


# --- the fourth example: every count equals the planted truth --------------------------------

ADVERTS = EXAMPLES / "job_adverts"
PLANTED = json.loads((ADVERTS / "planted.json").read_text(encoding="utf-8"))
RULE_TRUTH = {
    "requisition_id_unique": "duplicate",
    "requisition_id_format": "malformed_id",
    "salary_stated": "missing_salary",
    "salary_plausible": "implausible_salary",
    "contract_known": "unknown_contract",
    "hours_legal": "excessive_hours",
    "requisition_open": "stale",
    "salary_in_band": ("out_of_band", "implausible_salary"),  # a salary of 0 or 999,000 is out of band too
}
ADVERT_RULE_TRUTH = {"inclusive_wording": "non_inclusive"}  # rules on the drafted adverts
OUTPUT_TRUTH = {
    "output.sections_present": "missing_section",
    "output.values_match": "wrong_title",
    "output.ranges_unchanged": "changed_salary",
    "output.numbers_grounded": "invented_number",
}


def test_job_adverts_rules_find_exactly_the_planted_rows() -> None:
    import pandas as pd

    ev = gather(ADVERTS)
    frame = pd.read_csv(ADVERTS / "data" / "requisitions.csv")
    adverts = len((ADVERTS / "outputs" / "drafted_adverts.jsonl").read_text(encoding="utf-8").splitlines())
    for result in ev.checks_of(families.RULES):
        # counts exact; the examples (the engine never holds every failing row) only planted rows
        if result.id in ADVERT_RULE_TRUTH:
            planted, key, rows = PLANTED["adverts"][ADVERT_RULE_TRUTH[result.id]], "report_id", adverts
        else:
            planted, key, rows = planted_rows(result.id), "requisition_id", len(frame)
        assert result.failed == len(planted), result.id
        shown = {e.get(key) for e in result.examples}
        assert shown <= set(planted), result.id
        assert len(result.examples) >= min(10, result.failed), result.id
        assert result.checked == rows or result.id == "band_grade_unique"


def planted_rows(rule_id: str) -> list[str]:
    kinds = RULE_TRUTH.get(rule_id, ())
    return [r for kind in ((kinds,) if isinstance(kinds, str) else kinds) for r in PLANTED["rows"][kind]]


def test_job_adverts_word_list_examples_name_the_phrase_they_hit() -> None:
    result = next(r for r in gather(ADVERTS).checks_of(families.RULES) if r.id == "inclusive_wording")
    listed = (ADVERTS / "inclusive_language.txt").read_text(encoding="utf-8").lower()
    for example in result.examples:
        assert example["hit"] in listed.splitlines()
        assert example["hit"] in example["sections.advert.text"].lower()


def test_job_adverts_output_checks_find_exactly_the_planted_adverts() -> None:
    ev = gather(ADVERTS)
    for result in ev.checks_of(families.OUTPUTS):
        assert sorted(result.failing) == PLANTED["adverts"].get(OUTPUT_TRUTH.get(result.id), []), result.id


def test_job_adverts_conditions_state_the_planted_counts() -> None:
    rows = len((ADVERTS / "data" / "requisitions.csv").read_text(encoding="utf-8").splitlines()) - 1
    lines = (ADVERTS / "outputs" / "drafted_adverts.jsonl").read_text(encoding="utf-8").splitlines()
    adverts = len([line for line in lines if line.strip()])
    texts = {c.evidence: c.text for c in decide(gather(ADVERTS)).conditions}
    for rule in RULE_TRUTH:
        assert f": {len(planted_rows(rule))} of {rows:,} requisitions (" in texts[rule]
    for check, kind in OUTPUT_TRUTH.items():
        assert f": {len(PLANTED['adverts'][kind])} of {adverts} drafted adverts (" in texts[check]
    assert (
        "audit.pay_band_review" in texts
        and "is 80 days overdue as of 2026-11-20" in texts["audit.pay_band_review"]
    )
    assert "bias.location_mix" not in texts  # sampled with the reference shares: within tolerance
    assert not [e for e in texts if e.startswith(("source.", "data_quality.output_template"))]


def test_job_adverts_generator_reproduces_the_committed_data(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ADVERTS / "generate_data.py"), "--out", str(tmp_path)], check=True)
    for name in (
        "data/requisitions.csv",
        "data/pay_bands.csv",
        "outputs/drafted_adverts.jsonl",
        "planted.json",
    ):
        assert (tmp_path / name).read_bytes() == (ADVERTS / name).read_bytes(), name


# --- records built on another machine: no absolute path, no other domain's words ----------------

MARKER = "wbk-marker-5d1c"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """Every example and one broken project, under a folder named MARKER, built by `wbk run`."""
    base = tmp_path_factory.mktemp("build") / MARKER
    for name in EXAMPLE_NAMES:
        copy_example(name, base)
    broken = copy_example("support_answers", base / "broken")
    apply_edits(broken, {"data_quality.rules[2].columns": ["lang"]})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    projects = [str(base / n) for n in EXAMPLE_NAMES] + [str(broken)]
    run = subprocess.run(
        [sys.executable, "-m", "kit.cli", "run", *projects, "--out", str(base / "out"), "--jobs", "2"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 2, run.stderr  # the broken project is invalid, the examples are not
    return base / "out", run.stdout


def test_no_output_file_holds_the_build_machines_paths(built) -> None:
    out, _ = built
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 4 * len(EXAMPLE_NAMES)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert MARKER not in text, f"{path.relative_to(out)} holds the build path"
        assert str(ROOT) not in text, f"{path.relative_to(out)} holds the kit's path"
    record = json.loads((out / "job_adverts" / "record.json").read_text(encoding="utf-8"))
    assert record["provenance"]["parameters"]["project"] == "."


def test_wbk_run_prints_the_projects_names(built) -> None:
    _, stdout = built
    titles = [yamlfile.read(EXAMPLES / n / "answers.yaml").data["project"]["name"] for n in EXAMPLE_NAMES]
    printed = [line.split("  ")[0].strip() for line in stdout.splitlines()[2:]]
    assert set(titles) <= set(printed), stdout
    assert not set(printed) & set(EXAMPLE_NAMES), stdout


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_no_record_holds_another_domains_vocabulary(built, example: str) -> None:
    out, _ = built
    text = "".join((out / example / f).read_text(encoding="utf-8") for f in ("record.html", "record.json"))
    assert json.loads((out / example / "record.json").read_text(encoding="utf-8"))["status"] == "ok"
    for other, terms in VOCABULARY.items():
        if other == example:
            continue
        leaked = [t for t in terms if re.search(t, text, re.IGNORECASE)]
        assert not leaked, f"{example}'s record uses {other}'s words: {leaked}"


# --- notebook prose: the kit's tables and the project's own examples --------------------------


def test_notebook_prose_names_no_check_kind_role_or_domain_of_its_own() -> None:
    """Lists in prose come from the kit's tables at run time, never typed into a notebook."""
    import nbformat

    from kit.checks.outputs import OUTPUT_CHECKS
    from kit.decide.team import expected_roles
    from kit.paths import NOTEBOOKS

    domains = ("medical", "finance", "software", "support", "hr", "public_sector")
    # one-word roles ("legal", "risk") are everyday words; the named roles are the ones to watch
    roles = {r.role for d in domains for r in expected_roles(d) if " " in r.role}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        prose = " ".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
        )
        named = [k for k in [*KINDS, *OUTPUT_CHECKS, *roles] if re.search(rf"\b{re.escape(k)}\b", prose)]
        assert not named, f"{path.name} types {named} into its prose"
        for terms in VOCABULARY.values():
            assert not [t for t in terms if re.search(t, prose, re.IGNORECASE)], path.name


def cell(value: str, html: str) -> bool:
    """A table cell holding exactly ``value``, shown as text or as code."""
    return re.search(rf"<td>(<code>)?{re.escape(value)}(</code>)?</td>", html) is not None


def test_guide_tables_list_every_kind_the_kit_runs() -> None:
    from kit import guide
    from kit.checks.outputs import OUTPUT_CHECKS

    kinds, outputs = str(guide.check_kinds()), str(guide.output_checks())
    assert all(cell(k, kinds) for k in KINDS) and f"The {len(KINDS)} rule kinds" in kinds
    assert all(cell(k, outputs) for k in OUTPUT_CHECKS)
    roles = str(guide.roles(ADVERTS))
    assert "<td>equality and inclusion</td><td>Aylin Demir</td>" in roles


def test_guide_shows_the_projects_own_answers_even_while_they_are_invalid(tmp_path: Path) -> None:
    from kit import guide

    project = copy_example("job_adverts", tmp_path)
    apply_edits(project, {"project.colour": "blue", "data_quality.rules[0].severity": "fatal"})
    shown = str(guide.unacceptable_outputs(project))
    assert "7 unacceptable outputs" in shown and cell("wrong_pay", shown)
    assert "requisitions.salary_min" in str(guide.template_fields(project))
    (project / "answers.yaml").write_text("project: [unclosed\n", encoding="utf-8")
    assert "none yet" in str(guide.sources(project))


def test_wbk_kinds_lists_every_rule_kind_and_output_check(capsys) -> None:
    from kit.checks.engine.kinds import KINDS
    from kit.checks.outputs import OUTPUT_CHECKS

    assert main(["kinds"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")}
    assert listed == set(KINDS) | set(OUTPUT_CHECKS) | {"blocker", "condition", "warning"}


# --- where outputs fail: slices ----------------------------------------------------------------


def test_a_slice_that_fails_far_more_often_is_a_condition_with_its_numbers(tmp_path: Path) -> None:
    """Twelve Technology adverts planted with an excluded phrase: that department's failure rate,
    counted here from the JSONL with json and re, is flagged; the others are not."""
    project = copy_example("job_adverts", tmp_path)
    path = project / "outputs" / "drafted_adverts.jsonl"
    adverts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    planted_tech = 0
    for advert in adverts:
        text = advert["sections"]["advert"]["text"]
        if text.startswith("Our Technology team") and planted_tech < 12 and "young" not in text.lower():
            advert["sections"]["advert"]["text"] = text + " Ideal for a young go-getter."
            planted_tech += 1
    path.write_text("".join(json.dumps(a) + "\n" for a in adverts), encoding="utf-8")
    words = [w.strip() for w in (project / "inclusive_language.txt").read_text(encoding="utf-8").splitlines()]
    words = [w for w in words if w and not w.startswith("#")]
    hit = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, words)) + r")(?![\w])", re.IGNORECASE)
    by_department: dict[str, list[bool]] = {}
    for advert in adverts:
        text = advert["sections"]["advert"]["text"]
        department = re.match(r"Our (\w+) team", text).group(1)
        by_department.setdefault(department, []).append(bool(hit.search(text)))
    overall = sum(sum(v) for v in by_department.values()) / len(adverts)
    expected = sorted(
        d for d, v in by_department.items() if len(v) >= 20 and sum(v) >= 5 and sum(v) / len(v) >= 2 * overall
    )
    assert expected == ["Technology"]
    ev = gather(project)
    [result] = [
        c for c in ev.checks_of(families.SLICES) if c.id == "slice.inclusive_wording.input.department"
    ]
    rows = {r["value"]: (r["outputs"], r["failing"]) for r in result.judged.rows}
    assert rows == {d: (len(v), sum(v)) for d, v in by_department.items()}
    assert result.failed == 1 and "input.department = Technology" in result.detail
    texts = {c.evidence: c.text for c in decide(ev).conditions}
    assert "slice.inclusive_wording.input.department" in texts
