"""What each acceptance of the answers counts as in this run, and which conditions it takes off the
open list.

An acceptance names a check id (``item``). The last acceptance of an item in the file is its
current one; every earlier one is kept and shown as replaced. The current one is judged against
the decision's items at the run's as_of (first matching line wins):

| finding                                                    | state    | the item          |
|------------------------------------------------------------|----------|-------------------|
| the item is a blocker                                      | refused  | stays open        |
| the item is a condition closed only by a fix               | refused  | stays open        |
| the item is neither a blocker nor a condition any more     | moot     | (nothing to do)   |
| as_of is after ``expires``                                 | expired  | stays open        |
| ``evidence_sha256`` differs from the item's evidence now   | stale    | stays open        |
| -                                                          | holds    | leaves open list  |

A blocker can never be accepted. The item's evidence is what was measured for its check (how many
were checked and failed), so a new failing row makes an acceptance stale while a later as_of alone
does not. An acceptance written by hand, without the digest, holds on its dates and is unverified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kit.answers.schema import Acceptance

STATES = {
    "holds": "accepted",
    "replaced": "replaced by a later acceptance",
    "refused_blocker": "refused: a blocker can never be accepted",
    "refused_fix": "refused: this condition closes only by a fix",
    "moot": "nothing to accept: it is no longer a blocker or condition",
    "expired": "expired",
    "stale": "stale: the evidence changed after it was accepted",
}


@dataclass(frozen=True)
class Judged:
    acceptance: Acceptance
    state: str  # a key of STATES
    text: str  # the item's sentence now ("" when moot)

    @property
    def holds(self) -> bool:
        return self.state == "holds"

    def as_dict(self) -> dict[str, Any]:
        a = self.acceptance
        why = STATES[self.state] + (f" on {a.expires}" if self.state == "expired" else "")
        return {
            "item": a.item,
            "by_role": a.by_role,
            "reason": a.reason,
            "date": a.date.isoformat(),
            "expires": a.expires.isoformat(),
            "state": self.state,
            "why": why,
            "text": self.text,
            "verified": bool(a.evidence_sha256),
        }


def evidence_digest(item_evidence: str, check: Any | None, text: str) -> str:
    """What an acceptance binds to: the check's measured counts, else the item's sentence."""
    basis = [item_evidence, check.checked, check.failed] if check is not None else [item_evidence, text]
    return hashlib.sha256(json.dumps(basis).encode("utf-8")).hexdigest()


def judge(
    acceptances: list[Acceptance],
    blockers: list,
    conditions: list,
    checks: dict[str, Any],
    as_of: dt.date,
) -> list[Judged]:
    """Every acceptance of the file, judged; items are decision Reasons (text, evidence, may_accept)."""
    last = {a.item: i for i, a in enumerate(acceptances)}
    blocking = {b.evidence for b in blockers}
    by_evidence = {c.evidence: c for c in conditions}
    out = []
    for i, acceptance in enumerate(acceptances):
        item = by_evidence.get(acceptance.item)
        text = item.text if item else ""
        if last[acceptance.item] != i:
            state = "replaced"
        elif acceptance.item in blocking:
            state, text = "refused_blocker", next(b.text for b in blockers if b.evidence == acceptance.item)
        elif item is None:
            state = "moot"
        elif not item.may_accept:
            state = "refused_fix"
        elif as_of > acceptance.expires:
            state = "expired"
        elif acceptance.evidence_sha256 and acceptance.evidence_sha256 != evidence_digest(
            item.evidence, checks.get(item.evidence), item.text
        ):
            state = "stale"
        else:
            state = "holds"
        out.append(Judged(acceptance, state, text))
    return out
