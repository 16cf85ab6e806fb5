"""The record's first screen, from its record data: the decision and verdict, the path to GO (open
actions by owner, overdue first, and what the decision becomes), blockers and conditions counted
by kind (each count linking to its group), and every role's sign-off state; then every action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit import phrases
from kit.decide.actions import by_owner
from kit.record import coverage, links, render

STILL_TO_SIGN = {"pending", "stale"}  # states that leave a role's signature outstanding
OWNERS_ON_FIRST_SCREEN = 3  # the rest are one link away: the first screen must fit 1280x800


def first_screen(rec: Mapping[str, Any]) -> str:
    """HTML of the first screen; empty for a record without a decision (a failed run)."""
    if not rec.get("decision"):
        return ""
    items = links.linked_items(rec, rec.get("checks", []))
    sign_offs = [
        {**s, "anchor": f"member-{i}" if rec.get("status", "ok") == "ok" else ""}
        for i, s in enumerate(rec.get("sign_offs", []))
    ]
    pending = [
        f"{s['role']} ({s['person']})"
        for s in sign_offs
        if s.get("state", s.get("decision")) in STILL_TO_SIGN  # what it counts as, not what was signed
    ]
    return render.render(
        "first_screen.html.j2",
        decision=rec["decision"],
        verdict=rec.get("verdict", ""),
        as_of=rec.get("as_of", ""),
        completeness=rec.get("completeness"),
        blockers=len(rec.get("blockers", [])),
        conditions=len(rec.get("conditions", [])),
        counts=links.counts_by_kind(items),
        sign_offs=sign_offs,
        pending=phrases.listing(pending),
        frameworks=coverage.summary_lines(rec.get("frameworks", [])),
        path=path_to_go(rec),
    )


def path_to_go(rec: Mapping[str, Any]) -> dict | None:
    """The path to GO as the first screen shows it: owners with their actions, the first few in full."""
    path = rec.get("path_to_go")
    if not path:
        return None
    owners = by_owner(path["actions"])
    return {
        **path,
        "owners": owners,
        "first_owners": owners[:OWNERS_ON_FIRST_SCREEN],
        "more_owners": len(owners) - OWNERS_ON_FIRST_SCREEN,
        "overdue": sum(a["overdue"] for a in path["actions"]),
        "history": [a for a in rec.get("acceptances", []) if a["state"] != "holds"],
    }
