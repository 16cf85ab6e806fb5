"""One truth in the house (issue 21): the run's date reaches every sentence, a crashed project
stays in the index, the review page finds a project given by a relative path."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from conftest import EXAMPLES, apply_edits, copy_example

from kit import phrases
from kit import workbook as wb
from kit.answers import template, yamlfile
from kit.checks import rules, sources
from kit.checks.engine import datasets
from kit.checks.engine.kinds import KINDS, Context
from kit.cli import main
from kit.decide.decision import CONDITIONS, NO_GO, decide
from kit.decide.evidence import gather
from kit.findings import AnswersError
from kit.record import links
from kit.run import batch, review
from kit.run.project import validate


def test_the_run_date_is_the_date_in_every_rule_sentence() -> None:
    """support_answers is written as of 2026-11-01; judged at 2027-06-01 one article is older than
    365 days (tests/test_batch.py counts it by hand), and its condition says against which day."""
    ev = gather(EXAMPLES / "support_answers", as_of="2027-06-01")
    fresh = [c for c in decide(ev).conditions if c.evidence == "article_fresh"]
    assert len(fresh) == 1
    assert "before 2027-06-01" in fresh[0].text, fresh[0].text
    assert "2026-11-01" not in fresh[0].text


def test_a_project_that_crashed_in_the_kit_is_in_the_index(tmp_path: Path, monkeypatch) -> None:
    """A crash of the kit's own (here planted in run_project) leaves no record: the index still
    lists the project, failed, with the reason."""

    def crash(job, folder, session, report=None):
        raise RuntimeError("planted crash 5c1e")

    monkeypatch.setattr(batch, "run_project", crash)
    out = tmp_path / "out"
    assert batch.run_projects([str(EXAMPLES / "support_answers")], out) == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "support_answers/record.html" in index
    assert "planted crash 5c1e" in index


def test_wbk_review_hands_the_kernel_an_absolute_project_path(tmp_path: Path, monkeypatch) -> None:
    """Voilà's kernel runs in the notebooks folder, not here: a relative path would point nowhere."""
    copy_example("medical_reports", tmp_path)
    monkeypatch.chdir(tmp_path)
    served = {}
    monkeypatch.setattr(review, "serve", lambda command, env: served.update(env) or 0)
    assert review.start_review(Path("medical_reports"), port=0, open_browser=False) == 0
    handed = Path(served["WBK_REVIEW_PROJECT"])
    assert handed.is_absolute()
    assert os.path.samefile(handed, tmp_path / "medical_reports")


def _rule_index(project: Path, rule_id: str) -> int:
    rules = yamlfile.read(project / "answers.yaml").data["data_quality"]["rules"]
    return next(i for i, r in enumerate(rules) if r["id"] == rule_id)


def test_a_failing_blocker_rule_makes_it_no_go(medical: Path) -> None:
    """The medical sample plants 12 results without a unit (planted.json, missing_unit)."""
    planted = json.loads((medical / "planted.json").read_text())["rows"]["missing_unit"]
    i = _rule_index(medical, "unit_present")
    apply_edits(medical, {f"data_quality.rules[{i}].severity": "blocker"})
    outcome = decide(gather(medical))
    assert outcome.decision == NO_GO
    [blocker] = [b for b in outcome.blockers if b.evidence == "unit_present"]
    assert blocker.text.startswith(f"blocks the launch until it passes: {len(planted)} of ")
    assert "unit_present" not in {c.evidence for c in outcome.conditions}


def test_blocking_is_read_as_condition_with_a_located_warning(medical: Path, capsys) -> None:
    i = _rule_index(medical, "unit_present")
    before = decide(gather(medical))
    apply_edits(medical, {f"data_quality.rules[{i}].severity": "blocking"})
    after = decide(gather(medical))
    assert after.decision == before.decision == CONDITIONS
    assert [c.text for c in after.conditions] == [c.text for c in before.conditions]
    assert main(["validate", str(medical)]) == 0
    line = next(
        n
        for n, text in enumerate((medical / "answers.yaml").read_text().splitlines(), 1)
        if "severity: blocking" in text
    )
    warnings = [w for w in capsys.readouterr().out.splitlines() if "old name" in w]
    assert warnings == [
        f"{medical / 'answers.yaml'}:{line}:{warnings[0].split(':')[2]}: warning: data_quality.rules[{i}]"
        f".severity: 'blocking' is the old name of 'condition' (a failure is a condition: fix before "
        "launch); write severity: condition"
    ]


PLANTED_DAY = dt.date(2031, 2, 17)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_says_what_its_failing_rows_do_on_the_runs_day(name: str) -> None:
    """Each kind's failure sentence renders with its example rule's values; a kind whose meaning
    depends on the day it is judged on names that day (the run's as_of, planted here) in its
    failure too."""
    kind = KINDS[name]
    assert kind.example != ((), {}) or kind.columns == (0, 0), f"{name} has no example rule"
    columns, params = list(kind.example[0]), kind.params.model_validate(kind.example[1])
    least, most = kind.columns
    assert least <= len(columns) and (most is None or len(columns) <= most)
    verb, rest = kind.failure(columns, params, Context(PLANTED_DAY), "widget")
    assert verb and rest and phrases.verb(2, verb) == verb
    for column in columns:
        assert column in rest, (name, rest)
    earlier, later = (
        kind.meaning(columns, params, Context(day)) for day in (dt.date(2001, 1, 1), PLANTED_DAY)
    )
    uses_the_day = earlier != later
    assert (PLANTED_DAY.isoformat() in rest) == uses_the_day, (name, rest)
    assert "2001-01-01" not in rest


def _counting(monkeypatch, module, name: str, key=lambda *args: None) -> collections.Counter:
    """Count the calls of ``module.name`` (by ``key`` of their arguments), still calling it."""
    calls, real = collections.Counter(), getattr(module, name)

    def counted(*args, **kwargs):
        calls[key(*args)] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_one_gather_prepares_each_thing_once(medical: Path, monkeypatch) -> None:
    """Part 3 of issue 21: the template is loaded, the rule plan made, the source inventory and the
    audit calendar computed, and each source's data and the generated outputs opened once per
    gather (before: twice, twice, twice, twice and 13 openings for 3 sources). The sources are read
    from the answers file here."""
    opened = _counting(monkeypatch, datasets, "open_source", key=lambda source, *rest: source.id)
    read = _counting(monkeypatch, datasets, "open_data", key=lambda project_dir, files, *rest: files)
    counts = {
        name: _counting(monkeypatch, module, name)
        for module, name in (
            (template, "load"),
            (rules, "plan"),
            (sources, "inventory"),
            (sources, "audit_calendar"),
        )
    }
    ev = gather(medical)
    assert ev.checks and ev.template.sections
    assert {name: sum(c.values()) for name, c in counts.items()} == dict.fromkeys(counts, 1)
    declared = yamlfile.read(medical / "answers.yaml").data["problem_boundaries"]["data"]["sources"]
    with_data = {s["id"] for s in declared if s.get("sample") or s.get("table")}
    assert len(with_data) == 3
    # Once by the rule plan, except what the output checks read again: the outputs and their input
    # source, opened by kit.checks.outputs.run itself so that both sit on one backend (the plan's
    # tables of a connection source live on that connection: IbisError "Multiple backends").
    spec = yamlfile.read(medical / "answers.yaml").data["data_quality"]["generated_outputs"]
    again = collections.Counter({spec["input_dataset"]: 1})
    assert opened == collections.Counter(dict.fromkeys(with_data, 1)) + again
    samples = {s["sample"] for s in declared if s.get("sample")}
    assert read == collections.Counter(dict.fromkeys(samples, 1)) + collections.Counter(
        {spec["path"]: 2, next(s["sample"] for s in declared if s["id"] == spec["input_dataset"]): 1}
    )


def test_validate_and_run_refuse_the_same_planted_answers(medical: Path) -> None:
    """A bias check on a column its dataset lacks and a rule on a column its dataset lacks: wbk
    validate and a run refuse both, with the same located findings, from the one prepared project."""
    i = _rule_index(medical, "unit_present")
    apply_edits(
        medical,
        {
            "data_strategy.maintenance.bias_checks[0].attribute": "sexx",
            f"data_quality.rules[{i}].columns": ["unit_planted_c0l"],
        },
    )
    validated = validate(medical).errors
    with pytest.raises(AnswersError) as refused:
        gather(medical)
    paths = {f.path for f in validated}
    assert "data_strategy.maintenance.bias_checks[0].attribute" in paths
    assert any(p.startswith(f"data_quality.rules[{i}]") for p in paths), paths
    assert any("unit_planted_c0l" in f.message for f in validated)

    def located(findings):
        return sorted((f.file, f.line, f.path, f.message) for f in findings)

    assert located(refused.value.findings) == located(validated)


def test_the_decisions_links_are_made_once_per_evidence(medical: Path, monkeypatch) -> None:
    """Every block that says what raised an item (legal register, sources, rules, team, decision)
    reads the links the evidence carries, made once; they number the decision's own items."""
    calls = _counting(monkeypatch, links, "linked_items")
    ev = gather(medical)
    for block in (wb.legal_register, wb.sources, wb.rules, wb.outputs, wb.team, wb.decision):
        block(ev)
    assert sum(calls.values()) == 1
    outcome = decide(ev)
    numbered = [(item.severity, item.number, item.text) for item in ev.links]
    expected = [("blocker", n, b.text) for n, b in enumerate(outcome.blockers, 1)]
    expected += [("condition", n, c.text) for n, c in enumerate(outcome.conditions, 1)]
    assert numbered == expected and expected
