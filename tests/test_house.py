"""One truth in the house (issue 21): the run's date reaches every sentence, a crashed project
stays in the index, the review page finds a project given by a relative path."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import EXAMPLES, copy_example

from kit.decide.decision import decide
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

    def crash(job, folder, report=None):
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
