"""Verdicts and decisions: three examples, three outcomes, each for a stated reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, apply_edits

from kit.answers import yamlfile
from kit.decide.decision import CONDITIONS, DETERMINISTIC, GO, NO_GO, decide, four_questions
from kit.decide.evidence import gather
from kit.decide.verdict import load_rubric
from kit.paths import RUBRICS

EXPECTED = {
    "medical_reports": ("genai_with_review", 0.0, CONDITIONS),
    "support_answers": ("genai", 0.4, GO),
    "invoice_processing": ("deterministic", 0.0, DETERMINISTIC),
}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_example_gets_its_verdict_and_decision(example: str) -> None:
    ev = gather(EXAMPLES / example)
    verdict_id, temperature, decision = EXPECTED[example]
    assert ev.verdict.id == verdict_id
    assert ev.verdict.temperature == temperature
    assert decide(ev).decision == decision
    assert all(r.answer.startswith("problem_boundaries.appropriateness.") for r in ev.verdict.reasons)


def by_hand(example: str) -> tuple[int, str]:
    """The rubric's total and verdict for an example, computed here from the two YAML files as the
    rubric's header describes it (sum of weight x score; first verdict whose max_score the total
    does not exceed), without the kit's verdict code."""
    rubric = yamlfile.read(RUBRICS / "solution_fit.yaml").data
    answers = yamlfile.read(EXAMPLES / example / "answers.yaml").data["problem_boundaries"]["appropriateness"]

    def key(value) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    total = sum(f["weight"] * f["scores"][key(answers[f["answer"]])] for f in rubric["factors"])
    verdict = next(v["id"] for v in rubric["verdicts"] if "max_score" not in v or total <= v["max_score"])
    return total, verdict


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_verdict_is_the_rubric_computed_by_hand(example: str) -> None:
    total, verdict = by_hand(example)
    assert gather(EXAMPLES / example).verdict.id == verdict, f"total {total}"


def test_the_three_examples_reach_three_different_verdicts() -> None:
    assert len({gather(EXAMPLES / example).verdict.id for example in EXPECTED}) == 3


def test_every_condition_names_its_evidence() -> None:
    ev = gather(EXAMPLES / "medical_reports")
    outcome = decide(ev)
    ids = {c.id for c in ev.checks}
    for item in outcome.conditions + outcome.blockers:
        assert item.evidence in ids or item.evidence.split(".")[0] in {"data_quality", "problem_boundaries"}
    assert any(c.evidence == "data_quality.validation_team[2].sign_off" for c in outcome.conditions)
    assert any(c.evidence == "source.reference_ranges" for c in outcome.conditions)


def test_a_rubric_file_change_changes_the_verdict(tmp_path: Path) -> None:
    rubric = tmp_path / "strict.yaml"
    text = (RUBRICS / "solution_fit.yaml").read_text(encoding="utf-8")
    rubric.write_text(text.replace("max_score: -10", "max_score: 0", 1), encoding="utf-8")
    ev = gather(EXAMPLES / "medical_reports", rubric=rubric)
    assert ev.verdict.id == "deterministic"
    assert decide(ev).decision == DETERMINISTIC


def test_a_broken_rubric_is_located(tmp_path: Path) -> None:
    rubric = tmp_path / "bad.yaml"
    text = (RUBRICS / "solution_fit.yaml").read_text(encoding="utf-8")
    rubric.write_text(text.replace("answer: input_structure", "answer: input_shape"), encoding="utf-8")
    with pytest.raises(
        Exception, match=r"bad\.yaml:\d+:\d+: error: factors\[4\]\.answer: no answer 'input_shape'"
    ):
        load_rubric(rubric)


NO_GO_CASES = {
    "rejected sign-off": (
        {"data_quality.validation_team[1].sign_off.decision": "rejected"},
        "laboratory scientist (Dr. Jonas Berg) rejected the design",
    ),
    "blocking risk": ({"problem_boundaries.legal.risks[0].blocking": True}, "unacceptable risk"),
    "health data without a basis": (
        {"problem_boundaries.legal.personal_data.legal_basis": ""},
        "health data is processed without a stated legal basis",
    ),
    "missing clinician": (
        {"data_quality.validation_team[0].role": "informatics lead"},
        "no clinician on the validation team",
    ),
}


@pytest.mark.parametrize("case", sorted(NO_GO_CASES))
def test_blockers_make_it_no_go(medical: Path, case: str) -> None:
    edits, reason = NO_GO_CASES[case]
    apply_edits(medical, edits)
    outcome = decide(gather(medical))
    assert outcome.decision == NO_GO
    assert any(reason in b.text for b in outcome.blockers), outcome.blockers


def test_an_unallowed_licence_blocks_only_when_the_source_is_used(medical: Path) -> None:
    apply_edits(medical, {"problem_boundaries.data.sources[1].licence": "CC-BY-NC-4.0"})
    outcome = decide(gather(medical))
    assert outcome.decision == NO_GO
    assert any(b.evidence == "problem_boundaries.data.sources[1].licence" for b in outcome.blockers)


def test_review_verdict_without_review_is_a_condition(medical: Path) -> None:
    apply_edits(
        medical,
        {
            "problem_boundaries.appropriateness.human_curates_outputs": False,
            "problem_boundaries.appropriateness.needs_creativity": "medium",
            "problem_boundaries.appropriateness.error_tolerance": "low",
        },
    )
    ev = gather(medical)
    assert ev.verdict.id == "genai_with_review"
    assert any("no one does" in c.text for c in decide(ev).conditions)


def test_the_four_questions_are_answered() -> None:
    ev = gather(EXAMPLES / "support_answers")
    questions = four_questions(ev, decide(ev))
    assert [q["question"] for q in questions] == [
        "What outcomes are we optimising for?",
        "Which constraints are non-negotiable?",
        "What data quality is required?",
        "Is GenAI the right tool?",
    ]
    assert all(q["answer"] and q["evidence"] for q in questions)


def test_support_example_is_clean() -> None:
    outcome = decide(gather(EXAMPLES / "support_answers"))
    assert outcome.blockers == [] and outcome.conditions == []


def test_copy_of_example_is_independent(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "support_answers", tmp_path / "s")
    assert decide(gather(tmp_path / "s")).decision == GO
