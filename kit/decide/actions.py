"""The path to GO: every blocker and condition of the decision as an action with one owner, one due
date and the way it closes, as a risk register or a trial's action log keeps them.

- **Owner** (first match of ``OWNERS``): the team member whose sign-off it is; the rule's owner,
  else the owner of the rule's source; the source's, audit's or bias check's owner; else the
  project's owner.
- **Due**: ``data_quality.fix_within_days`` (default 30) after as_of. An item whose own deadline
  has already passed is due on that deadline and overdue: an audit past its cadence (due when the
  audit was), a condition whose acceptance expired (due when it expired).
- **Closes by**: *fix* (a re-run no longer raises it: the check passes, the reviewer signs, the
  answer changes), or *fix or accept* for "resolve or accept" conditions only: a role with
  ``may_accept: true`` records an acceptance in ``wbk review``. A blocker is never accepted.

Built from the decision (kit.decide.decision) and the answers; record.json, the first screen, the
PDF and record.ics all read ``path_to_go``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass

from kit import phrases as say
from kit.answers.acceptances import allowed_roles
from kit.answers.schema import DEFAULT_FIX_WITHIN_DAYS, Answers
from kit.decide.decision import CONDITIONS, DETERMINISTIC, GO, Decision, Item


@dataclass(frozen=True)
class Action:
    id: str  # "blocker-1", "condition-3": the item's anchor in the record
    severity: str  # blocker or condition
    text: str
    evidence: str
    owner: str
    due: dt.date
    overdue: bool
    closes: str  # "fix" or "fix or accept"
    how: str  # what closes it, in a sentence

    def as_dict(self) -> dict:
        return {**asdict(self), "due": self.due.isoformat()}


def _member(a: Answers, index: str) -> str:
    member = a.data_quality.validation_team[int(index)]
    return f"{member.role} ({member.person})"


def _rule_owner(a: Answers, rule_id: str) -> str | None:
    rule = next((r for r in a.data_quality.rules if r.id == rule_id), None)
    if rule is None:
        return None
    return rule.owner or _source_owner(a, rule.dataset)


def _source_owner(a: Answers, source_id: str) -> str | None:
    return next((s.owner for s in a.problem_boundaries.data.sources if s.id == source_id), None)


def _audit_owner(a: Answers, audit_id: str) -> str | None:
    return next((x.owner for x in a.data_strategy.maintenance.audits if x.id == audit_id), None)


def _bias_owner(a: Answers, bias_id: str) -> str | None:
    return next((x.owner for x in a.data_strategy.maintenance.bias_checks if x.id == bias_id), None)


# Who owns an item, by the shape of its evidence; first match that names someone wins.
OWNERS: list[tuple[re.Pattern, Callable[[Answers, str], str | None]]] = [
    (re.compile(r"data_quality\.validation_team\[(\d+)\]"), _member),
    (re.compile(r"(?:source|freshness)\.(.+)"), _source_owner),
    (re.compile(r"audit\.(.+)"), _audit_owner),
    (re.compile(r"bias\.(.+)"), _bias_owner),
    (re.compile(r"([^.\[]+)"), _rule_owner),  # a rule's check id is the rule's id
]

# What closes an item, by the shape of its evidence; the last line matches anything.
HOW: list[tuple[re.Pattern, str]] = [
    (re.compile(r"data_quality\.validation_team\[\d+\]"), "the member signs again in wbk review"),
    (re.compile(r"data_quality\.validation_team$"), "the team gains the missing role"),
    (re.compile(r"data_quality\.output_template"), "a re-run shows no such template gap"),
    (re.compile(r"data_quality\.unacceptable_outputs"), "a check it names runs on data in a re-run"),
    (
        re.compile(r"problem_boundaries\."),
        "the answer or the design changes and a re-run no longer raises it",
    ),
    (re.compile(r".*"), "a re-run shows check {evidence} passing"),
]


def owner(answers: Answers, evidence: str) -> str:
    for pattern, find in OWNERS:
        found = pattern.fullmatch(evidence) or pattern.match(evidence)
        if found and (who := find(answers, found.group(1))):
            return who
    return answers.project.owner


def how(evidence: str, may_accept: bool, answers: Answers) -> str:
    fix = next(text for pattern, text in HOW if pattern.match(evidence)).format(evidence=evidence)
    if not may_accept:
        return f"fix: {fix}"
    roles = say.listing(allowed_roles(answers)) or "no one yet (give a member may_accept: true)"
    return f"fix: {fix}; or accept: a role that may accept ({roles}) records why in wbk review"


def fix_within_days(answers: Answers) -> int:
    return answers.data_quality.fix_within_days or DEFAULT_FIX_WITHIN_DAYS


def _own_deadline(ev, item: Item, expired: dict[str, dt.date]) -> dt.date | None:
    """A deadline the item already had before this record: an overdue audit's, an expired acceptance's."""
    if item.evidence in expired:
        return expired[item.evidence]
    audit = next((x for x in ev.audits if f"audit.{x.id}" == item.evidence and x.overdue), None)
    if audit is not None:
        return audit.next_due or ev.as_of
    return None


def actions(ev, decision: Decision) -> list[Action]:
    """One action per open blocker and condition, numbered as the record numbers them."""
    a = ev.answers
    default_due = ev.as_of + dt.timedelta(days=fix_within_days(a))
    expired = {j.acceptance.item: j.acceptance.expires for j in decision.acceptances if j.state == "expired"}
    out = []
    for severity, items in (("blocker", decision.blockers), ("condition", decision.conditions)):
        for n, item in enumerate(items, start=1):
            deadline = _own_deadline(ev, item, expired)
            out.append(
                Action(
                    f"{severity}-{n}",
                    severity,
                    item.text,
                    item.evidence,
                    owner(a, item.evidence),
                    deadline if deadline and deadline < default_due else default_due,
                    bool(deadline and deadline < ev.as_of),
                    "fix or accept" if item.may_accept and severity == "condition" else "fix",
                    how(item.evidence, item.may_accept and severity == "condition", a),
                )
            )
    return out


def becomes(decision: Decision, open_actions: list[Action]) -> str:
    """One sentence: what the decision becomes when the open actions close."""
    blockers = sum(x.severity == "blocker" for x in open_actions)
    if decision.decision == DETERMINISTIC:
        return (
            "The rubric says a deterministic system fits this task better: closing these actions does not "
            "change that; only different answers on the appropriateness of GenAI would."
        )
    if not open_actions:
        accepted = (
            f", with {say.plural(len(decision.accepted), 'accepted condition')}" if decision.accepted else ""
        )
        return f"Nothing is open: the decision is {GO}{accepted}."
    if blockers and blockers < len(open_actions):
        return (
            f"When the {say.plural(blockers, 'blocker')} close, the decision becomes {CONDITIONS}; "
            f"when all {say.plural(len(open_actions), 'action')} close, it becomes {GO}."
        )
    closing = "this action closes" if len(open_actions) == 1 else f"these {len(open_actions)} actions close"
    return f"When {closing}, the decision becomes {GO}."


def by_owner(open_actions: list[dict]) -> list[dict]:
    """Open actions (record data) grouped by owner, overdue first then by due date; the owner with
    the most pressing action first."""
    ordered = sorted(open_actions, key=lambda x: (not x["overdue"], x["due"]))
    groups: dict[str, list[dict]] = {}
    for action in ordered:
        groups.setdefault(action["owner"], []).append(action)
    return [{"owner": who, "actions": items} for who, items in groups.items()]


def path_to_go(ev, decision: Decision) -> dict:
    """record.json's ``path_to_go``: the open actions, the accepted conditions, and where they lead."""
    open_actions = actions(ev, decision)
    held = [j for j in decision.acceptances if j.holds]
    return {
        "fix_within_days": fix_within_days(ev.answers),
        "actions": [x.as_dict() for x in sorted(open_actions, key=lambda x: (not x.overdue, x.due))],
        "accepted": [j.as_dict() for j in held],
        "becomes": becomes(decision, open_actions),
        "may_accept": allowed_roles(ev.answers),
    }
