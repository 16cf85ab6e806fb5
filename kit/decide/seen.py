"""What a reviewer saw of the decision, and what is new since: sign-offs bind to the evidence.

``wbk review`` stores with each sign-off, beside the answers hash, ``evidence_sha256`` (a digest of
the decision and its blockers and conditions) and ``items_seen`` (a short key per item). A later
run compares: an approval that did not see an item raised now is stale, "signed before: N new
conditions", the items named.

What is digested is the decision the evidence gives, without the team's own sign-off items: one
member signing (or an acceptance being recorded) must not make the others' sign-offs stale. An
item's key is its severity, its evidence (a check id or an answer path) and its place among items
of the same evidence, never its sentence: a later as_of or one more failing row of a check that
was already failing changes the sentence, not what the reviewer was shown to decide on. A check
that moved from pass to fail, or from condition to blocker, is a new key.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from kit import phrases as say
from kit.decide import decision as decided
from kit.decide.team import APPROVALS, TeamReview

SIGN_OFF_ITEM = re.compile(r"data_quality\.validation_team\[\d+\]")


@dataclass(frozen=True)
class Seen:
    decision: str
    keys: dict[str, tuple[str, str]]  # key -> (severity, evidence)

    @property
    def evidence_sha256(self) -> str:
        text = json.dumps([self.decision, sorted(self.keys)], separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def sign_off_fields(self) -> dict:
        """What ``wbk review`` writes with a sign-off (kit.answers.signoff.sign's ``evidence``)."""
        return {"evidence_sha256": self.evidence_sha256, "items_seen": sorted(self.keys)}

    def new_since(self, items_seen: list[str]) -> list[tuple[str, str]]:
        """(severity, evidence) of every item raised now that a sign-off did not see."""
        return [item for key, item in self.keys.items() if key not in set(items_seen)]


def _key(severity: str, evidence: str, ordinal: int) -> str:
    return hashlib.sha256(f"{severity}|{evidence}|{ordinal}".encode()).hexdigest()[:8]


def view(ev) -> Seen:
    """The decision's evidence as a reviewer is shown it (acceptances not applied, sign-offs left out)."""
    block = [b for b in decided.blockers(ev) if not SIGN_OFF_ITEM.match(b.evidence)]
    cond = [c for c in decided.conditions(ev) if not SIGN_OFF_ITEM.match(c.evidence)]
    keys, count = {}, {}
    for severity, items in (("blocker", block), ("condition", cond)):
        for item in items:
            n = count[(severity, item.evidence)] = count.get((severity, item.evidence), 0) + 1
            keys[_key(severity, item.evidence, n)] = (severity, item.evidence)
    return Seen(decided.outcome(ev.verdict.id, block, cond), keys)


def signed_before(new: list[tuple[str, str]]) -> str:
    """ "signed before: 1 new condition (salary_stated)" """
    counts = [
        say.plural(n, f"new {severity}")
        for severity in ("blocker", "condition")
        if (n := sum(s == severity for s, _ in new))
    ]
    return f"signed before: {' and '.join(counts)} ({say.listing([e for _, e in new])})"


def bind(ev) -> None:
    """Judge every approval against the evidence now: one that did not see an item raised now is
    stale. Changes ``ev.team`` in place, before anything decides on it (kit.decide.evidence)."""
    team: TeamReview = ev.team
    members = ev.answers.data_quality.validation_team
    now = None
    for row, member in zip(team.matrix, members, strict=True):
        seen = member.sign_off.items_seen
        row["new_since_signed"] = []
        if row["decision"] not in APPROVALS or not member.sign_off.evidence_sha256:
            continue
        now = now or view(ev)
        new = now.new_since(seen)
        row["new_since_signed"] = [evidence for _, evidence in new]
        if new:
            row["decision"], row["reason"] = "stale", signed_before(new)
            team.stale.append(f"{row['role']} ({row['person']})")
