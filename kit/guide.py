"""Prose aids of the step notebooks: the kit's own tables and this project's own examples.

A notebook's text is domain-neutral. Where a list belongs in it (check kinds, output checks, the
roles a domain expects) it comes from the kit's tables here, so it never goes stale when a kind is
added; where an example helps, it is drawn from the project's answers at run time. Each function
tolerates an unfinished or invalid answers file (it shows what can be read), because it runs
above the form that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kit import phrases as say
from kit.answers import loading as answers_io
from kit.answers import template as templates
from kit.answers.schema import Answers
from kit.checks.engine.kinds import KINDS
from kit.checks.outputs import OUTPUT_CHECKS
from kit.decide.team import expected_roles
from kit.findings import AnswersError
from kit.record import render
from kit.workbook import Block

MOST_EXAMPLES = 5  # a taste of the project's answers, not a copy of the form


def _answers(project: str | Path) -> Answers | None:
    """The project's answers as far as they validate; None when the file is not YAML at all."""
    try:
        loaded, _, _ = answers_io.inspect(project)
    except (AnswersError, OSError):
        return None
    return loaded.answers


def _block(lead: str, rows: list[dict[str, Any]], columns: list[str], empty: str = "none yet") -> Block:
    return Block(render.render("guide.html.j2", lead=lead, rows=rows, columns=columns, empty=empty))


def _example(name: str, kind) -> dict[str, Any]:
    """The kind's parameters, and its example rule (the kind table's) with the sentence it means."""
    params = ", ".join(kind.params.model_fields) or "none"
    columns, values = kind.example
    rule = f"columns: {_flow(list(columns))}" + (f"; params: {_flow(values)}" if values else "")
    meaning = kind.example_meaning()
    return {
        "check": name,
        "parameters": params,
        "example": render.code(rule),
        "passes_when": render.spans(meaning),
    }


def _flow(value: Any) -> str:
    """A value as YAML's flow style writes it: [a, b], {k: v}."""
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return f'"{value}"' if isinstance(value, str) and value[:1] in "<>=!" else str(value)


def check_kinds() -> Block:
    """Every data-quality rule kind the kit runs, with an example rule and the sentence it means
    (kit.checks.engine.kinds.KINDS)."""
    rows = [_example(name, kind) for name, kind in KINDS.items()]
    lead = f"The {say.plural(len(rows), 'rule kind')} the kit runs on sample data, each with an example:"
    return _block(lead, rows, ["check", "parameters", "example", "passes_when"])


def output_checks() -> Block:
    """Every check of generated outputs, with what it checks (kit.checks.outputs.OUTPUT_CHECKS)."""
    rows = [{"check": name, "passes_when": meaning} for name, (_, meaning) in OUTPUT_CHECKS.items()]
    lead = f"The {say.plural(len(rows), 'output check')} run on each sample output:"
    return _block(lead, rows, ["check", "passes_when"])


def roles(project: str | Path) -> Block:
    """The roles the project's domain expects on its validation team, and who covers them."""
    answers = _answers(project)
    domain = answers.project.domain if answers and answers.project.domain else "other"
    team = answers.data_quality.validation_team if answers else []
    rows = []
    for role in expected_roles(domain):
        covering = [
            m.person for m in team if any(k.casefold() in str(m.role).casefold() for k in role.keywords)
        ]
        rows.append({"role": role.role, "covered_by": say.listing(covering) or "nobody yet"})
    lead = (
        f"Roles the kit expects on the validation team in the {domain} domain (templates/rubrics/roles.yaml):"
    )
    return _block(lead, rows, ["role", "covered_by"])


def sources(project: str | Path) -> Block:
    """The project's sources so far: what an answer about data availability looks like here."""
    answers = _answers(project)
    found = answers.problem_boundaries.data.sources if answers else []
    rows = [
        {"source": s.id, "name": s.name, "kind": s.kind, "sample": s.sample or "none"}
        for s in found[:MOST_EXAMPLES]
    ]
    lead = f"This project names {say.plural(len(found), 'source')} so far" + (":" if rows else ".")
    return _block(lead, rows, ["source", "name", "kind", "sample"])


def unacceptable_outputs(project: str | Path) -> Block:
    """The project's own unacceptable outputs and what catches each: the pattern to follow."""
    answers = _answers(project)
    found = answers.data_quality.unacceptable_outputs if answers else []
    rows = [
        {"id": u.id, "unacceptable_output": u.description, "caught_by": say.listing(list(u.caught_by))}
        for u in found[:MOST_EXAMPLES]
    ]
    lead = f"This project names {say.plural(len(found), 'unacceptable output')} so far" + (
        ":" if rows else "."
    )
    return _block(lead, rows, ["id", "unacceptable_output", "caught_by"])


def template_fields(project: str | Path) -> Block:
    """The project's output template, field by field, with the input that supplies each."""
    answers = _answers(project)
    reference = answers.data_quality.output_template if answers else ""
    try:
        tpl = templates.load(Path(answers_io.answers_path(project)).parent, reference) if reference else None
    except AnswersError:
        tpl = None
    if tpl is None:
        return _block("This project names no output template that can be read yet.", [], [])
    rows = [
        {
            "output_field": f"{s.id}.{f.name}",
            "supplied_by": "generated" if f.generated else f"{f.source}.{f.input}",
        }
        for s in tpl.sections
        for f in s.fields
    ]
    lead = f"This project's output template, {tpl.name}, has {say.plural(len(rows), 'field')}:"
    return _block(lead, rows, ["output_field", "supplied_by"])
