"""One truth in the house (issue 21): the run's date reaches every sentence, a crashed project
stays in the index, the review page finds a project given by a relative path."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from conftest import EXAMPLES, apply_edits, copy_example

from kit import phrases
from kit.answers import yamlfile
from kit.checks.engine.kinds import KINDS, Context
from kit.cli import main
from kit.decide.decision import CONDITIONS, NO_GO, decide
from kit.decide.evidence import gather
from kit.run import batch, review


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
