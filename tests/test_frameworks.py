"""Frameworks as data (templates/frameworks/*.yaml): loaded and validated with located errors, their
names checked against the kit's tables, and named by a project's answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CASES
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
