"""The path to GO: every blocker and condition of the decision as an action with one owner, one due
date and the way it closes, as a risk register or a trial's action log keeps them.

- **Owner**: the team member whose sign-off it is; else the owner the check's family names (the
  rule's owner, else its source's; the source's, audit's or bias check's owner); else the
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
from dataclasses import asdict, dataclass

from kit import phrases as say
from kit.answers.acceptances import allowed_roles
from kit.answers.schema import DEFAULT_FIX_WITHIN_DAYS, Answers
from kit.checks import families
from kit.checks.sources import AuditStatus
from kit.decide.decision import CONDITIONS, DETERMINISTIC, GO, Reason, Ruling


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


TEAM_MEMBER = re.compile(r"data_quality\.validation_team\[(\d+)\]")


def owner(ev, evidence: str) -> str:
    """The member whose sign-off it is; the owner the check's family names (a rule's, else its
    source's; a source's, an audit's or a bias check's); else the project's owner."""
    a = ev.answers
    if found := TEAM_MEMBER.match(evidence):  # its sign-off: data_quality.validation_team[i].sign_off
        member = a.data_quality.validation_team[int(found.group(1))]
        return f"{member.role} ({member.person})"
    check = next((c for c in ev.checks if c.id == evidence), None)
    named = families.family(check.family).owner(check, a) if check else None
    return named or a.project.owner


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


def how(evidence: str, may_accept: bool, answers: Answers) -> str:
    fix = next(text for pattern, text in HOW if pattern.match(evidence)).format(evidence=evidence)
    if not may_accept:
        return f"fix: {fix}"
    roles = say.listing(allowed_roles(answers)) or "no one yet (give a member may_accept: true)"
    return f"fix: {fix}; or accept: a role that may accept ({roles}) records why in wbk review"


def fix_within_days(answers: Answers) -> int:
    return answers.data_quality.fix_within_days or DEFAULT_FIX_WITHIN_DAYS


def _own_deadline(ev, item: Reason, expired: dict[str, dt.date]) -> dt.date | None:
    """A deadline the item already had before this record: an overdue audit's, an expired acceptance's."""
    if item.evidence in expired:
        return expired[item.evidence]
    check = next((c for c in ev.checks if c.id == item.evidence), None)
    audit = check.judged if check and isinstance(check.judged, AuditStatus) else None
    if audit is not None and audit.overdue:
        return audit.next_due or ev.as_of
    return None


def actions(ev, decision: Ruling) -> list[Action]:
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
                    owner(ev, item.evidence),
                    deadline if deadline and deadline < default_due else default_due,
                    bool(deadline and deadline < ev.as_of),
                    "fix or accept" if item.may_accept and severity == "condition" else "fix",
                    how(item.evidence, item.may_accept and severity == "condition", a),
                )
            )
    return out


def becomes(decision: Ruling, open_actions: list[Action]) -> str:
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


def path_to_go(ev, decision: Ruling) -> dict:
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
