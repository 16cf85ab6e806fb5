"""The record's overall decision, with every blocker and condition traced to its evidence.

verdict says use a deterministic system  -> USE A DETERMINISTIC SYSTEM
any blocker                              -> NO-GO
any condition                            -> GO WITH CONDITIONS
otherwise                                -> GO
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kit.decide.evidence import Evidence

GO, CONDITIONS, NO_GO, DETERMINISTIC = "GO", "GO WITH CONDITIONS", "NO-GO", "USE A DETERMINISTIC SYSTEM"


@dataclass
class Item:
    text: str
    evidence: str  # an answer path (problem_boundaries.legal.risks[0]) or a check id (rule.unit_present)


@dataclass
class Decision:
    decision: str
    blockers: list[Item]
    conditions: list[Item]

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "blockers": [asdict(b) for b in self.blockers],
            "conditions": [asdict(c) for c in self.conditions],
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


def sign_off_items(ev: Evidence, wording: dict) -> list[Item]:
    return [
        Item(wording[row["decision"]](row), f"data_quality.validation_team[{i}].sign_off")
        for i, row in enumerate(ev.team.matrix)
        if row["decision"] in wording
    ]


def blockers(ev: Evidence) -> list[Item]:
    out = [Item(issue.problem, issue.evidence) for issue in ev.legal if issue.blocking]
    out += sign_off_items(ev, BLOCKING_SIGN_OFFS)
    out += [
        Item(
            f"no {role} on the validation team of a {ev.answers.project.domain} project",
            "data_quality.validation_team",
        )
        for role in ev.team.missing_roles
    ]
    out += [Item(f"check {c.id} could not run: {c.error}", c.id) for c in ev.checks if c.status == "error"]
    return out


def conditions(ev: Evidence) -> list[Item]:
    out = []
    for check in ev.checks:
        if check.status == "fail":
            out.append(
                Item(
                    f"fix before launch: {check.id} fails on {check.failed} of {check.checked} "
                    f"({check.pass_rate:.1%} pass, {check.min_pass_rate:.0%} required)",
                    check.id,
                )
            )
        elif check.status == "warn" or (check.family in ("source", "audit", "bias") and check.failed):
            out.append(Item(f"resolve or accept: {check.id}: {check.detail}", check.id))
    out += [
        Item(f"template gap: {gap.field}: {gap.problem}", "data_quality.output_template") for gap in ev.gaps
    ]
    out += sign_off_items(ev, CONDITIONAL_SIGN_OFFS)
    pb = ev.answers.problem_boundaries.appropriateness
    if ev.verdict.id == "genai_with_review" and not pb.human_curates_outputs:
        out.append(
            Item(
                "the rubric requires a person to review every output; the answers say no one does",
                "problem_boundaries.appropriateness.human_curates_outputs",
            )
        )
    return out


def decide(ev: Evidence) -> Decision:
    block, cond = blockers(ev), conditions(ev)
    if ev.verdict.id == "deterministic":
        verdict = DETERMINISTIC
    elif block:
        verdict = NO_GO
    elif cond:
        verdict = CONDITIONS
    else:
        verdict = GO
    return Decision(verdict, block, cond)


def _personal_data(a) -> str:
    pd = a.problem_boundaries.legal.personal_data
    kinds = [k for k, on in (("personal", pd.personal), ("health", pd.health)) if on]
    if not kinds:
        return "no personal or health data"
    return f"{' and '.join(kinds)} data, basis: {pd.legal_basis or 'NOT STATED'}"


def four_questions(ev: Evidence, decision: Decision) -> list[dict]:
    """The method's four questions with the short answer each gets in the record."""
    a = ev.answers
    rules = ev.rule_results + ev.output_results
    passing = sum(c.status == "pass" for c in rules)
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
            "answer": f"{len(a.data_quality.rules)} data rules and {len(ev.output_results)} output checks "
            f"guard {len(a.data_quality.unacceptable_outputs)} kinds of unacceptable output; "
            f"{passing} of {len(rules)} pass on the sample data.",
            "evidence": [
                f"{u.id}: {u.description} (caught by {', '.join(u.caught_by)})"
                for u in a.data_quality.unacceptable_outputs
            ],
        },
        {
            "question": "Is GenAI the right tool?",
            "answer": f"{ev.verdict.label} (score {ev.verdict.score:g}); temperature {ev.verdict.temperature:g}. "
            f"Decision: {decision.decision}.",
            "evidence": [f"{r.text} ({r.points:+g}, {r.answer})" for r in ev.verdict.reasons],
        },
    ]
