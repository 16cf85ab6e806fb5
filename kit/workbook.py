"""What the step notebooks call: one function per block of a step, each returning static HTML.

Every block is plain HTML (tables and inline images), so an executed notebook, its nbconvert
export and the shared record show it with no kernel, no widget JavaScript and no network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from kit.answers import loading as answers_io
from kit.answers.schema import STEP_KEYS
from kit.checks.result import CheckResult
from kit.decide.decision import decide, four_questions
from kit.decide.evidence import Evidence, gather
from kit.paths import EXAMPLES
from kit.phrases import plural
from kit.record import render
from kit.record.data import RECORD_MIMETYPE


class Block:
    """HTML that Jupyter displays as a rich output; str() gives the markup."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def style() -> Block:
    return Block(render.render("style.html.j2"))


def open_project(project: str | Path, as_of: dt.date | str | None = None) -> Evidence:
    """Gather the evidence; a bad answers file stops the notebook with every located problem."""
    return gather(project, as_of)


def resolve_project(project: str | Path) -> Path:
    """A project path as given, else relative to the kit's own folders (notebooks run in notebooks/)."""
    path = Path(project).expanduser()
    if path.exists() or path.is_absolute():
        return path  # as given: a relative path keeps this machine's folders out of the outputs
    beside_kit = EXAMPLES.parent / path  # the checkout, or the data folder inside a wheel
    return beside_kit.resolve() if beside_kit.exists() else path


def form(project: str | Path, step: str, show: bool | str = True):
    """The step's editable form, or nothing in batch runs (a record shows answers as tables).
    ``papermill -p show_form false`` passes the string "false": read it as the flag it means."""
    if isinstance(show, str):
        show = show.strip().lower() in {"1", "true", "yes", "on"}
    if not show:
        return None
    from kit.forms import StepForm

    return StepForm(project, step)


def answers(ev: Evidence, step: str) -> Block:
    data = answers_io.to_data(ev.answers)
    return Block(render.render("answers.html.j2", parts={k: data.get(k) for k in STEP_KEYS[step]}))


def appropriateness(ev: Evidence) -> Block:
    return Block(render.render("verdict.html.j2", v=ev.verdict))


def legal_register(ev: Evidence) -> Block:
    risks = [r.model_dump() for r in ev.answers.problem_boundaries.legal.risks]
    return Block(
        render.render(
            "legal.html.j2", sources=ev.sources, risks=risks, issues=[dataclasses.asdict(i) for i in ev.legal]
        )
    )


def sources(ev: Evidence) -> Block:
    return Block(
        render.render("sources.html.j2", sources=ev.sources, as_of=ev.as_of)
        + _checks("Sources the product uses", ev.source_results)
    )


def lineage(ev: Evidence) -> Block:
    return Block(
        render.render(
            "lineage.html.j2",
            template_name=ev.template.name,
            rows=ev.lineage,
            gaps=[dataclasses.asdict(g) for g in ev.gaps],
        )
    )


def _checks(title: str, checks: list[CheckResult], intro: str = "", chart: str | None = None) -> str:
    """A table of check results, with a pass-rate chart when ``chart`` names one."""
    ran = [c for c in checks if c.checked]
    image = None
    if chart and ran:
        image = render.bar_chart(
            [c.id for c in ran],
            {"pass rate": [c.pass_rate * 100 for c in ran]},
            chart,
            "% of rows or reports that pass",
        )
    return render.render("checks.html.j2", title=title, intro=intro, checks=checks, chart=image)


def rules(ev: Evidence) -> Block:
    intro = (
        f"{plural(len(ev.rule_results), 'rule')} run on the sources' sample files as of {ev.as_of}; "
        "a rule passes when its pass rate reaches its minimum."
    )
    return Block(_checks("Data-quality rules on the sample data", ev.rule_results, intro, chart="Rules"))


def outputs(ev: Evidence) -> Block:
    spec = ev.answers.data_quality.generated_outputs
    intro = (
        f"Sample outputs in {spec.path} checked against their input records in {spec.input_dataset}."
        if spec
        else "No sample generated outputs are declared (data_quality.generated_outputs)."
    )
    return Block(_checks("Acceptance of generated outputs", ev.output_results, intro, chart="Output checks"))


def team(ev: Evidence) -> Block:
    return Block(render.render("team.html.j2", review=ev.team))


def maintenance(ev: Evidence) -> Block:
    chart = None
    if ev.bias_measures:
        labels = [f"{b.attribute}={k}" for b in ev.bias_measures for k in b.observed]
        chart = render.bar_chart(
            labels,
            {
                "observed": [v * 100 for b in ev.bias_measures for v in b.observed.values()],
                "reference": [v * 100 for b in ev.bias_measures for v in b.reference.values()],
            },
            "Observed against reference shares",
            "% of rows",
        )
    return Block(
        render.render(
            "strategy.html.j2", audits=ev.audits, bias=ev.bias_measures, as_of=ev.as_of, chart=chart
        )
        + _checks("Maintenance checks", ev.audit_results + ev.bias_results)
    )


def decision(ev: Evidence) -> Block:
    outcome = decide(ev)
    data = outcome.as_dict()
    return Block(
        render.render(
            "decision.html.j2",
            decision=data,
            verdict=ev.verdict,
            completeness=ev.completeness.ratio,
            questions=four_questions(ev, outcome),
        )
    )


def record_data(ev: Evidence) -> dict[str, Any]:
    """The machine-readable part of the record (see docs/record.schema.json), minus provenance."""
    outcome = decide(ev)
    return {
        "project": ev.answers.project.name,
        "as_of": ev.as_of.isoformat(),
        **outcome.as_dict(),
        "verdict": ev.verdict.label,
        "verdict_id": ev.verdict.id,
        "temperature": ev.verdict.temperature,
        "checks": [c.summary() for c in ev.checks],
        "completeness": round(ev.completeness.ratio, 4),
        "sign_offs": [
            {
                "role": m["role"],
                "person": m["person"],
                "decision": m["decision"],
                "date": m["date"].isoformat() if m["date"] else None,
            }
            for m in ev.team.matrix
        ],
        "answers": json.loads(json.dumps(answers_io.to_data(ev.answers), default=str)),
    }


def emit_record(ev: Evidence):
    """Display the record data under its own mimetype: wbk run reads it from the executed notebook;
    HTML export does not show it."""
    from IPython.display import display

    display(
        {RECORD_MIMETYPE: record_data(ev), "text/plain": f"record data for {ev.answers.project.name}"},
        raw=True,
    )
