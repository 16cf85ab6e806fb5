"""Is GenAI the right tool? A transparent rubric (templates/rubrics/*.yaml) scores the Step 1 answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kit.answers import yamlfile
from kit.answers.schema import Appropriateness
from kit.findings import AnswersError, Finding, format_path
from kit.paths import RUBRICS

ANSWER_PREFIX = "problem_boundaries.appropriateness."


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str
    weight: float
    scores: dict[str, float]
    because: str | dict[str, str]  # one text with {value}, or a text per value


class VerdictBand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    max_score: float | None = None
    meaning: str


class TemperatureRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: dict[str, list[str]]
    value: float
    because: str


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    factors: list[Factor]
    verdicts: list[VerdictBand]
    temperature: list[TemperatureRow]


@dataclass
class Reason:
    answer: str  # dotted path of the answer that triggered it
    value: str
    points: float
    text: str


@dataclass
class Verdict:
    id: str
    label: str
    meaning: str
    score: float
    temperature: float
    temperature_because: str
    reasons: list[Reason]
    rubric: str


def load_rubric(path: Path | None = None) -> Rubric:
    path = path or RUBRICS / "solution_fit.yaml"
    document = yamlfile.read(path)
    try:
        rubric = Rubric.model_validate(document.data)
    except ValidationError as exc:
        raise AnswersError(
            [
                Finding(str(path), *document.locate(tuple(e["loc"])), format_path(tuple(e["loc"])), e["msg"])
                for e in exc.errors()
            ]
        ) from None
    problems = []
    for i, factor in enumerate(rubric.factors):
        if factor.answer not in Appropriateness.model_fields:
            problems.append(
                Finding(
                    str(path),
                    *document.locate(("factors", i, "answer")),
                    f"factors[{i}].answer",
                    f"no answer {factor.answer!r} in Step 1",
                )
            )
    if not rubric.verdicts or rubric.verdicts[-1].max_score is not None:
        problems.append(
            Finding(
                str(path),
                *document.locate(("verdicts",)),
                "verdicts",
                "the last verdict must have no max_score, so every total finds one",
            )
        )
    if problems:
        raise AnswersError(problems)
    return rubric


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _because(factor: Factor, value: str) -> str:
    if isinstance(factor.because, dict):
        return factor.because.get(value) or f"{factor.answer} is {value}"
    return factor.because.format(value=value.replace("-", " "))


def decide(answers: Appropriateness, rubric: Rubric, rubric_name: str = "") -> Verdict:
    reasons, total = [], 0.0
    for factor in rubric.factors:
        value = _text(getattr(answers, factor.answer))
        points = factor.weight * factor.scores.get(value, 0.0)
        total += points
        reasons.append(
            Reason(
                ANSWER_PREFIX + factor.answer,
                value,
                points,
                _because(factor, value),
            )
        )
    band = next(v for v in rubric.verdicts if v.max_score is None or total <= v.max_score)
    row = next(
        r for r in rubric.temperature if all(_text(getattr(answers, k)) in v for k, v in r.when.items())
    )
    reasons.sort(key=lambda r: -abs(r.points))
    return Verdict(
        band.id, band.label, band.meaning, total, row.value, row.because, reasons, rubric_name or rubric.name
    )
