"""The record's overall decision, with every blocker and condition traced to its evidence.

verdict says use a deterministic system  -> USE A DETERMINISTIC SYSTEM
any blocker                              -> NO-GO
any open condition                       -> GO WITH CONDITIONS
otherwise                                -> GO

A "resolve or accept" condition (``may_accept``) whose acceptance holds (kit.decide.acceptances)
is not open: it moves to ``accepted`` and the decision is made without it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kit import phrases as say
from kit.checks import families
from kit.checks.result import CheckResult
from kit.decide import acceptances, guarding
from kit.decide.evidence import Evidence
from kit.decide.team import expected_roles

GO, CONDITIONS, NO_GO, DETERMINISTIC = "GO", "GO WITH CONDITIONS", "NO-GO", "USE A DETERMINISTIC SYSTEM"


@dataclass
class Reason:
    """A blocker or a condition: what stands in the way, and the evidence behind it."""

    text: str
    evidence: str  # an answer path (problem_boundaries.legal.risks[0]) or a check id (rule.unit_present)
    may_accept: bool = False  # "resolve or accept": a named role may accept it instead of a fix


@dataclass
class Ruling:
    decision: str
    blockers: list[Reason]
    conditions: list[Reason]  # open ones
    accepted: list[Reason] = field(default_factory=list)  # conditions whose acceptance holds
    acceptances: list[acceptances.Judged] = field(default_factory=list)  # every one, with history

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "blockers": [asdict(b) for b in self.blockers],
            "conditions": [asdict(c) for c in self.conditions],
            "accepted": [asdict(c) for c in self.accepted],
            "acceptances": [a.as_dict() for a in self.acceptances],
        }


# What each judged sign-off state (kit.decide.team) adds to the decision; approved adds nothing.
BLOCKING_SIGN_OFFS = {
    "rejected": lambda row: (
        f"{row['role']} ({row['person']}) rejected the design" + (f": {row['notes']}" if row["notes"] else "")
    ),
    "invalid": lambda row: f"{row['role']} ({row['person']}): sign-off {row['reason']}",
}
CONDITIONAL_SIGN_OFFS = {
    "pending": lambda row: f"{row['role']} ({row['person']}): sign-off pending",
    "approved_with_conditions": lambda row: (
        f"{row['role']} ({row['person']}): approved with conditions: {row['notes'] or 'see notes'}"
    ),
    "stale": lambda row: (
        f"{row['role']} ({row['person']}): sign-off is stale ({row['reason']}); "
        "needs a new review (wbk review)"
    ),
}


def sign_off_items(ev: Evidence, wording: dict) -> list[Reason]:
    """One item per member whose sign-off state the wording names, with the team's measure: how
    many of its members stand approved without conditions, against all of them."""
    team = ev.team.matrix
    approved = sum(row["decision"] == "approved" for row in team)
    measured = (
        f"; {say.number(approved)} of {say.plural(len(team), 'team member')} approved without conditions; "
        f"required: all {say.number(len(team))}"
    )
    return [
        Reason(
            wording[row["decision"]](row).rstrip(". ") + measured,
            f"data_quality.validation_team[{i}].sign_off",
        )
        for i, row in enumerate(team)
        if row["decision"] in wording
    ]


def blockers(ev: Evidence) -> list[Reason]:
    out = [Reason(issue.problem, issue.evidence) for issue in ev.legal if issue.blocking]
    out += sign_off_items(ev, BLOCKING_SIGN_OFFS)
    expected = len(expected_roles(ev.answers.project.domain))
    out += [
        Reason(
            f"no {role} on the validation team: {say.number(expected - len(ev.team.missing_roles))} of "
            f"the {say.plural(expected, 'role')} the {ev.answers.project.domain} domain expects are covered; "
            "required: all",
            "data_quality.validation_team",
        )
        for role in ev.team.missing_roles
    ]
    out += [
        Reason(
            f"check {c.id} could not be checked ({c.error}): 0 items were checked; required: it runs", c.id
        )
        for c in ev.checks
        if c.status == "error"
    ]
    out += [
        Reason(f"blocks the launch until it passes: {sentence(ev, c)}", c.id) for c in failing(ev, "blocker")
    ]
    return out


def becomes(check: CheckResult) -> str:
    """What a failed check becomes: a blocker when its own severity says so (a rule with
    ``severity: blocker``), else what its family's table entry says."""
    return "blocker" if check.severity == "blocker" else families.family(check.family).on_failure


def sentence(ev: Evidence, check: CheckResult) -> str:
    """What the check measured against what the answers require, in its family's words."""
    return families.family(check.family).sentence(check, ev.answers, ev.as_of)


def failing(ev: Evidence, outcome: str) -> list[CheckResult]:
    """Failed checks that become ``outcome`` ("blocker" or "condition")."""
    return [c for c in ev.checks if c.status == "fail" and becomes(c) == outcome]


def conditions(ev: Evidence) -> list[Reason]:
    out = []
    for check in ev.checks:
        if check.status == "fail" and becomes(check) == "condition":
            out.append(Reason(f"fix before launch: {sentence(ev, check)}", check.id))
        elif check.status == "warn" or (families.family(check.family).names_every_failure and check.failed):
            out.append(Reason(f"resolve or accept: {sentence(ev, check)}", check.id, may_accept=True))
    out += template_gaps(ev)
    out += unguarded_outputs(ev)
    out += sign_off_items(ev, CONDITIONAL_SIGN_OFFS)
    pb = ev.answers.problem_boundaries.appropriateness
    if ev.verdict.id == "genai_with_review" and not pb.human_curates_outputs:
        out.append(
            Reason(
                f"the verdict {ev.verdict.label} requires a person to review every output; "
                "answered: no one does (human_curates_outputs: false)",
                "problem_boundaries.appropriateness.human_curates_outputs",
            )
        )
    return out


def template_gaps(ev: Evidence) -> list[Reason]:
    """One condition per kind of gap: how many output fields taken from input data have it."""
    fed = sum(1 for s in ev.template.sections for f in s.fields if not f.generated)
    by_problem: dict[str, list[str]] = {}
    for gap in ev.gaps:
        by_problem.setdefault(gap.problem, []).append(gap.field)
    return [
        Reason(
            f"template gap: {say.of(len(fields), fed, 'input-fed output field')}: {problem} "
            f"({say.listing(fields)}); allowed: none",
            "data_quality.output_template",
        )
        for problem, fields in by_problem.items()
    ]


def unguarded_outputs(ev: Evidence) -> list[Reason]:
    """An unacceptable output that nothing guards: no check of its that ran on data, no reviewing
    role of the team, no audit (kit.decide.guarding)."""
    out = []
    for row in guarding.matrix(ev):
        if not row.guarded:
            named = say.plural(len(row.named), "named guard")
            out.append(
                Reason(
                    f"unacceptable output {row.id} ({row.description}) is guarded by 0 of its {named} "
                    f"({say.listing(row.named) or 'none'}): no check ran on data and no reviewer or audit "
                    "stands guard; required: at least 1",
                    f"data_quality.unacceptable_outputs[{row.index}].caught_by",
                )
            )
    return out


def outcome(verdict_id: str, block: list, cond: list) -> str:
    if verdict_id == "deterministic":
        return DETERMINISTIC
    if block:
        return NO_GO
    return CONDITIONS if cond else GO


def decide(ev: Evidence) -> Ruling:
    """The decision, made once per evidence: every notebook and the record read the same one."""
    if ev.ruling is None:
        ev.ruling = _ruling(ev)
    return ev.ruling


def _ruling(ev: Evidence) -> Ruling:
    """Blockers and open conditions; a condition whose acceptance holds is set aside as accepted."""
    block, cond = blockers(ev), conditions(ev)
    checks = {c.id: c for c in ev.checks}
    judged = acceptances.judge(ev.answers.acceptances, block, cond, checks, ev.as_of)
    held = {j.acceptance.item for j in judged if j.holds}
    accepted = [c for c in cond if c.evidence in held]
    still_open = [c for c in cond if c.evidence not in held]
    return Ruling(outcome(ev.verdict.id, block, still_open), block, still_open, accepted, judged)


def _personal_data(a) -> str:
    pd = a.problem_boundaries.legal.personal_data
    kinds = [k for k, on in (("personal", pd.personal), ("health", pd.health)) if on]
    if not kinds:
        return "no personal or health data"
    return f"{' and '.join(kinds)} data, basis: {pd.legal_basis or 'NOT STATED'}"


def four_questions(ev: Evidence, decision: Ruling) -> list[dict]:
    """The method's four questions with the short answer each gets in the record."""
    a = ev.answers
    rules = ev.data_quality_checks
    passing = sum(c.status == "pass" for c in rules)
    unacceptable = a.data_quality.unacceptable_outputs
    guarded = len(unacceptable) - len(unguarded_outputs(ev))
    return [
        {
            "question": "What outcomes are we optimising for?",
            "answer": a.problem_boundaries.outcome.desired_outcome,
            "evidence": [f"{m.name}: {m.target}" for m in a.problem_boundaries.outcome.success_measures],
        },
        {
            "question": "Which constraints are non-negotiable?",
            "answer": a.problem_boundaries.outcome.non_negotiables,
            "evidence": [
                f"unacceptable risk {r.id}: {r.description}"
                for r in a.problem_boundaries.legal.risks
                if r.blocking
            ]
            + [
                f"allowed licences: {', '.join(a.problem_boundaries.legal.allowed_licences)}",
                _personal_data(a),
            ],
        },
        {
            "question": "What data quality is required?",
            "answer": f"{say.number(guarded)} of {say.plural(len(unacceptable), 'unacceptable output')} "
            f"{say.verb(guarded, 'are')} guarded by at least one of "
            f"{say.plural(len(a.data_quality.rules), 'data rule')} and "
            f"{say.plural(len(ev.checks_of(families.OUTPUTS)), 'output check')}; "
            f"{say.number(passing)} of {say.plural(len(rules), 'check')} pass on the sample data.",
            "evidence": [
                f"{u.id}: {u.description} (caught by {say.listing(u.caught_by)})" for u in unacceptable
            ],
        },
        {
            "question": "Is GenAI the right tool?",
            "answer": f"{ev.verdict.label} (score {ev.verdict.score:g}); temperature {ev.verdict.temperature:g}. "
            f"Decision: {decision.decision}.",
            "evidence": [f"{r.text} ({r.points:+g}, {r.answer})" for r in ev.verdict.reasons],
        },
    ]
