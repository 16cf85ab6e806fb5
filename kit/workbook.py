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

from pydantic_core import to_jsonable_python

from kit import phrases
from kit.answers import loading as answers_io
from kit.answers.schema import STEP_KEYS
from kit.checks import families
from kit.checks.drift import describe as drift_text
from kit.checks.drift import stayed_put
from kit.checks.profile import EXACT_DISTINCT_LIMIT
from kit.checks.result import CheckResult
from kit.decide import actions, guarding
from kit.decide.decision import decide, four_questions
from kit.decide.evidence import Evidence, gather
from kit.decide.frameworks import coverage
from kit.decide.verdict import decide as judge
from kit.decide.verdict import load_rubric
from kit.paths import EXAMPLES
from kit.record import charts, links, render
from kit.record import coverage as framework_coverage
from kit.record.calendar import CALENDAR_FILE
from kit.record.data import RECORD_MIMETYPE


class Block:
    """HTML that Jupyter displays as a rich output, carrying the kit's style sheet (a notebook may
    detach any other output, and its style, from the page); str() gives the markup alone."""

    def __init__(self, html: str, styled: bool = True):
        self.html = html
        self.styled = styled

    def _repr_html_(self) -> str:
        return (render.style_tag() if self.styled else "") + self.html

    def __str__(self) -> str:
        return self.html


def style() -> Block:
    """The style sheet alone, for pages that show the markup of blocks (str) rather than blocks."""
    return Block(render.style_tag(), styled=False)


def open_project(
    project: str | Path, as_of: dt.date | str | None = None, baseline: str | Path | None = None
) -> Evidence:
    """Gather the evidence; a bad answers file stops the notebook with every located problem.
    ``baseline``: an earlier record.json of the project, whose data this run is compared with."""
    return gather(project, as_of, baseline=baseline)


def resolve_project(project: str | Path) -> Path:
    """A project path as given, else relative to the kit's own folders (notebooks run in notebooks/)."""
    path = Path(project).expanduser()
    if path.exists() or path.is_absolute():
        return path  # as given: a relative path keeps this machine's folders out of the outputs
    beside_kit = EXAMPLES.parent / path  # the checkout, or the data folder inside a wheel
    return beside_kit.resolve() if beside_kit.exists() else path


@dataclasses.dataclass
class Tried:
    """One rule tried on the project's data: what ``wbk run`` would report for it."""

    rule: dict[str, Any]
    count: int = 0  # failing rows
    checked: int = 0  # rows the rule applies to
    examples: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    meaning: str = ""  # what a passing row is, with the rule's own values
    sentence: str = ""  # "12 of 3,504 lab results (0.34 %) have ..."
    problems: list[str] = dataclasses.field(default_factory=list)  # why it could not run

    def _repr_html_(self) -> str:
        return render.style_tag() + render.render("tried.html.j2", tried=self)


TRIED_ID = "tried_rule"


def try_rule(project: str | Path, rule: dict[str, Any], as_of: dt.date | str | None = None) -> Tried:
    """Run one rule on the project's data before adding it: ``rule`` as in answers.yaml
    (dataset, columns, check, params, where; id and severity optional). Counted by the same code as
    ``wbk run`` (kit.checks.rules.run); each source file is opened once per version in a session."""
    from pydantic import ValidationError

    from kit.answers.schema import Rule
    from kit.checks import rules as rule_engine
    from kit.checks.sentences import rule_sentence
    from kit.decide.evidence import run_date

    loaded = answers_io.load(resolve_project(project))
    spec = {"id": TRIED_ID, "severity": "warning", **{k: v for k, v in rule.items() if v not in (None, "")}}
    try:
        tried = Rule.model_validate(spec)
    except ValidationError as exc:
        return Tried(spec, problems=[f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()])
    known = [source.id for source in loaded.answers.problem_boundaries.data.sources]
    if tried.dataset not in known:
        return Tried(
            spec, problems=[f"dataset: no source {tried.dataset!r}; the sources are {', '.join(known)}"]
        )
    answers = loaded.answers.model_copy(deep=True)
    answers.data_quality.rules = [tried]
    day = run_date(as_of, answers)
    report = rule_engine.run(dataclasses.replace(loaded, answers=answers), day)
    (result,) = report.results
    own = "data_quality.rules[0]"
    problems = [
        f"{f.path.removeprefix(own).lstrip('.') or 'rule'}: {f.message}"
        for f in report.findings
        if f.path.startswith(own)
    ]
    if result.error:
        return Tried(spec, meaning=result.detail, problems=problems or [result.error])
    return Tried(
        spec,
        result.failed,
        result.checked,
        result.examples,
        result.detail,
        rule_sentence(result, tried, answers, day),
    )


@dataclasses.dataclass
class Standing:
    """The decision as the answers stand now: what a form's panel shows after each save."""

    verdict: str
    decision: str
    items: list[links.Linked]
    flips: list[str]  # rubric answers that would change the verdict, and to what


def standing(project: str | Path, as_of: dt.date | str | None = None) -> Standing:
    """Verdict, decision, blockers and conditions from the evidence (gathered once per version of
    the project's files, so an unchanged data file is not read again)."""
    ev = open_project(resolve_project(project), as_of)
    return Standing(ev.verdict.label, decide(ev).decision, linked(ev), verdict_flips(ev))


def verdict_flips(ev: Evidence) -> list[str]:
    """Each single rubric answer that, changed alone, would change the verdict: "Error tolerance:
    low -> verdict GenAI with human review"."""
    rubric = load_rubric()
    answers = ev.answers.problem_boundaries.appropriateness
    flips = []
    for factor in rubric.factors:
        current = str(getattr(answers, factor.answer)).lower()
        for value in factor.scores:
            if value == current:
                continue
            typed = {"true": True, "false": False}.get(value, value)
            changed = answers.model_copy(update={factor.answer: typed})
            outcome = judge(changed, rubric)
            if outcome.id != ev.verdict.id:
                flips.append(
                    f"{factor.answer.replace('_', ' ').capitalize()}: {value} -> verdict {outcome.label}"
                )
    return flips


def changes(before: Standing | None, now: Standing) -> list[tuple[str, str]]:
    """What a save changed, as (kind, sentence): resolved, new or reworded blockers and conditions,
    and a new decision or verdict. Items are matched by their evidence, not their wording."""
    if before is None:
        return []
    out = []
    if before.decision != now.decision:
        out.append(("new", f"decision: {before.decision} -> {now.decision}"))
    if before.verdict != now.verdict:
        out.append(("new", f"verdict: {before.verdict} -> {now.verdict}"))
    was = {(i.severity, i.evidence): i for i in before.items}
    is_now = {(i.severity, i.evidence): i for i in now.items}
    for key, item in was.items():
        if key not in is_now:
            out.append(("resolved", f"{item.severity} {item.number} resolved: {item.text}"))
        elif is_now[key].text != item.text:
            out.append(("changed", f"{item.severity} {is_now[key].number} now reads: {is_now[key].text}"))
    out += [("new", f"new {i.severity}: {i.text}") for key, i in is_now.items() if key not in was]
    return out


def decision_panel(now: Standing, before: Standing | None = None, step: str = "") -> Block:
    """The live decision a step's form shows after each save."""
    groups = [
        (label, [i for i in now.items if i.target.kind == kind])
        for kind, label in links.KINDS.items()
        if any(i.target.kind == kind for i in now.items)
    ]
    return Block(
        render.render(
            "panel.html.j2",
            now=now,
            groups=groups,
            changes=changes(before, now),
            saved=before is not None,
            flips=now.flips if step in ("", "problem_boundaries") else [],
        )
    )


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


def linked(ev: Evidence) -> list[links.Linked]:
    """The decision's blockers and conditions with the ids of their evidence in the record, made
    once per evidence (every block that names what raised an item reads them)."""
    if ev.links is None:
        ev.links = links.linked_items(decide(ev).as_dict(), [c.summary() for c in ev.checks])
    return ev.links


def _raised(ev: Evidence) -> dict[str, list[links.Linked]]:
    return links.raised_by(linked(ev))


def legal_register(ev: Evidence) -> Block:
    risks = [r.model_dump() for r in ev.answers.problem_boundaries.legal.risks]
    raised = _raised(ev)
    issues = []
    for issue in ev.legal:
        anchor = links.legal_anchor(issue.evidence)
        issues.append({**dataclasses.asdict(issue), "anchor": anchor, "raised": raised.get(anchor, [])})
    return Block(render.render("legal.html.j2", sources=ev.sources, risks=risks, issues=issues))


def audit_problems(ev: Evidence) -> dict[str, list[str]]:
    """Source id -> its overdue audits in words: a source whose audit is overdue never reads as
    having no problems."""
    out: dict[str, list[str]] = {}
    for audit, status in zip(ev.answers.data_strategy.maintenance.audits, ev.audits, strict=True):
        if audit.source and status.overdue:
            out.setdefault(audit.source, []).append(
                f"audit {audit.id} ({audit.name}) is {phrases.plural(status.overdue_days, 'day')} overdue"
            )
    return out


def sources(ev: Evidence) -> Block:
    return Block(
        render.render(
            "sources.html.j2",
            sources=ev.sources,
            audit_problems=audit_problems(ev),
            as_of=ev.as_of,
            chart=charts.source_ages("chart-source-age", ev.sources),
        )
        + _checks(ev, "Sources the product uses", ev.checks_of(families.SOURCES))
    )


def lineage(ev: Evidence) -> Block:
    return Block(
        render.render(
            "lineage.html.j2",
            template_name=ev.template.name,
            rows=ev.lineage,
            gaps=[dataclasses.asdict(g) for g in ev.gaps],
            raised_by=_raised(ev),
        )
    )


def _checks(ev: Evidence, title: str, checks: list[CheckResult], intro: str = "", chart=None) -> str:
    """A table of check results, each linking to the conditions it raised, under its chart."""
    return render.render(
        "checks.html.j2", title=title, intro=intro, checks=checks, chart=chart, raised_by=_raised(ev)
    )


def rules(ev: Evidence) -> Block:
    intro = (
        f"{phrases.plural(len(ev.checks_of(families.RULES)), 'rule')} run on the sources' sample files as of "
        f"{phrases.date(ev.as_of)}; a rule passes when its pass rate reaches its minimum."
    )
    chart = charts.failure_rates(
        "chart-rule-failures", "Failure rate per rule against its allowed rate", ev.checks_of(families.RULES)
    )
    return Block(
        _checks(ev, "Data-quality rules on the sample data", ev.checks_of(families.RULES), intro, chart)
    )


def outputs(ev: Evidence) -> Block:
    spec = ev.answers.data_quality.generated_outputs
    intro = (
        f"Sample outputs in {spec.path} checked against their input records in {spec.input_dataset}."
        if spec
        else "No sample generated outputs are declared (data_quality.generated_outputs)."
    )
    chart = charts.failure_rates(
        "chart-output-failures",
        "Failure rate per output check against its allowed rate",
        ev.checks_of(families.OUTPUTS),
    )
    return Block(_checks(ev, "Acceptance of generated outputs", ev.checks_of(families.OUTPUTS), intro, chart))


def slices(ev: Evidence) -> Block:
    """Where outputs fail: each sliced output rule's failure rate per value, as a chart and a table."""
    found = ev.checks_of(families.SLICES)
    if not found:
        return Block(
            render.render(
                "checks.html.j2",
                title="Where outputs fail",
                intro="No slice is declared (data_quality.generated_outputs.slice_by), or no output rule "
                "judges each output.",
                checks=[],
                chart=None,
                raised_by=_raised(ev),
            )
        )
    parts = [
        _checks(ev, f"Where outputs fail: {c.id}", [c], chart=charts.slice_rates(f"chart-{c.id}", c))
        for c in found
    ]
    return Block("".join(parts))


def guards(ev: Evidence) -> Block:
    """The guard matrix: what stands between each unacceptable output and its users."""
    return Block(render.render("guards.html.j2", rows=guarding.matrix(ev)))


def team(ev: Evidence) -> Block:
    return Block(render.render("team.html.j2", review=ev.team, raised_by=_raised(ev)))


def maintenance(ev: Evidence) -> Block:
    return Block(
        render.render(
            "strategy.html.j2",
            audits=ev.audits,
            bias=ev.bias_measures,
            as_of=ev.as_of,
            chart=charts.bias_shares("chart-bias", ev.bias_measures),
            calendar=CALENDAR_FILE,
        )
        + _checks(ev, "Maintenance checks", ev.checks_of(families.AUDITS) + ev.checks_of(families.BIAS))
    )


def owner(ev: Evidence, item: links.Linked) -> str:
    """Who acts on an item: the owner its action gets (kit.decide.actions)."""
    return actions.owner(ev, item.evidence)


def profiles(ev: Evidence) -> Block:
    return Block(
        render.render(
            "profiles.html.j2",
            profiles=list(ev.profiles.values()),
            phrases=phrases,
            exact_limit=EXACT_DISTINCT_LIMIT,
        )
    )


def since_last_record(ev: Evidence) -> Block:
    """What changed in the data since the baseline record: crossed, changed, stayed put."""
    return Block(
        render.render(
            "drift.html.j2",
            drift=ev.drift,
            sources=len(ev.profiles),
            describe=drift_text,
            stayed_put=stayed_put,
            checks=ev.checks_of(families.DRIFT),
            phrases=phrases,
        )
    )


def decision(ev: Evidence) -> Block:
    """Blockers and conditions grouped by kind, then by owner, each linking to its evidence; then
    the four questions."""
    outcome = decide(ev)
    items = linked(ev)
    groups = []
    for kind, label in links.KINDS.items():
        of_kind = [i for i in items if i.target.kind == kind]
        if of_kind:
            by_owner: dict[str, list[links.Linked]] = {}
            for item in of_kind:
                by_owner.setdefault(owner(ev, item), []).append(item)
            groups.append({"kind": kind, "label": label, "items": of_kind, "owners": by_owner})
    return Block(
        render.render(
            "decision.html.j2",
            decision=outcome.as_dict(),
            verdict=ev.verdict.label,
            groups=groups,
            questions=four_questions(ev, outcome),
        )
    )


def record_data(ev: Evidence) -> dict[str, Any]:
    """The machine-readable part of the record (see docs/record.schema.json), minus provenance, as
    JSON-ready data. Not validated here: ``wbk run`` validates what the notebook emitted, once
    (kit.record.model.build), so a malformed emission is caught where the record is made."""
    outcome = decide(ev)
    return to_jsonable_python(
        {
            "project": ev.answers.project.name,
            "as_of": ev.as_of.isoformat(),
            **outcome.as_dict(),
            "path_to_go": actions.path_to_go(ev, outcome),
            "next_review": next_review(ev),
            "verdict": ev.verdict.label,
            "verdict_id": ev.verdict.id,
            "temperature": ev.verdict.temperature,
            "checks": [c.summary() for c in ev.checks],
            "completeness": round(ev.completeness.ratio, 4),
            "sign_offs": ev.team.sign_offs(),
            "answers": json.loads(json.dumps(answers_io.to_data(ev.answers), default=str)),
            **maintenance_data(ev),
            "frameworks": frameworks_data(ev),
        }
    )


def next_review(ev: Evidence) -> dict[str, str]:
    """When the record is next reviewed and by whom (the calendar's record-review event)."""
    a = ev.answers
    day = ev.as_of + dt.timedelta(days=a.data_strategy.monitoring.review_every_days)
    return {"date": day.isoformat(), "owner": a.project.owner}


def frameworks_data(ev: Evidence) -> list[dict[str, Any]]:
    """Evidence for each item of the frameworks the answers name (kit.decide.frameworks)."""
    checks = [c.summary() for c in ev.checks]
    return [fc.model_dump(mode="json") for fc in coverage(ev.answers, checks, ev.team.sign_offs())]


def frameworks(ev: Evidence) -> Block:
    """The coverage of the frameworks the answers name, item by item, linked to its evidence."""
    return Block(framework_coverage.section(frameworks_data(ev)))


def maintenance_data(ev: Evidence) -> dict[str, Any]:
    """Profiles, measured freshness, the comparison with the baseline and the history (issue 12)."""
    baseline_parts = {"profiles", "checks", "history"}
    return {
        "profiles": {source: p.model_dump(mode="json") for source, p in ev.profiles.items()},
        "freshness": [
            {
                "source": s.id,
                "updated_column": s.updated_column,
                "declared": s.last_updated.isoformat() if s.last_updated else None,
                "measured": s.measured_updated.isoformat() if s.measured_updated else None,
                "difference_days": s.declared_gap_days,
                "age_days": s.age_days,
                "freshness_sla_days": s.freshness_sla_days,
                "stale": s.stale,
            }
            for s in ev.sources
            if s.updated_column
        ],
        "drift": ev.drift.model_dump(mode="json", exclude={"baseline": baseline_parts}) if ev.drift else None,
        "history": [p.model_dump(mode="json") for p in ev.drift.baseline.history] if ev.drift else [],
        "calendar": CALENDAR_FILE,
    }


def emit_record(ev: Evidence):
    """Display the record data under its own mimetype: wbk run reads it from the executed notebook;
    HTML export does not show it."""
    from IPython.display import display

    display(
        {RECORD_MIMETYPE: record_data(ev), "text/plain": f"record data for {ev.answers.project.name}"},
        raw=True,
    )
