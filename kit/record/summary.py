"""The record's first screen, from its record data: the decision and verdict, blockers and
conditions counted by kind (each count linking to its group), and every role's sign-off state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit import phrases
from kit.record import coverage, links, render

STILL_TO_SIGN = {"pending", "stale"}  # states that leave a role's signature outstanding


def first_screen(rec: Mapping[str, Any]) -> str:
    """HTML of the first screen; empty for a record without a decision (a failed run)."""
    if not rec.get("decision"):
        return ""
    items = links.linked_items(rec, rec.get("checks", []))
    sign_offs = [
        {**s, "anchor": f"member-{i}" if rec.get("status", "ok") == "ok" else ""}
        for i, s in enumerate(rec.get("sign_offs", []))
    ]
    pending = [f"{s['role']} ({s['person']})" for s in sign_offs if s.get("decision") in STILL_TO_SIGN]
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
    )
