"""OUT/index.html, rebuilt from every OUT/<project>/record.json present, under a lock.

Runs into one OUT, even at the same time, add up: each rebuilds the index from the records on
disk (its own and everyone else's), never from its own projects alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kit.atomic import write_atomic
from kit.record import data as record
from kit.record.trend import trend_svg
from kit.run.staging import HIDDEN, index_lock


def failure_reason(rec: dict[str, Any]) -> str:
    failure = rec.get("failure") or {}
    if not failure:
        return ""
    return f"{failure.get('step')}, cell {failure.get('cell')}: {failure.get('error')}"


def row(name: str, rec: dict[str, Any], status: str | None = None, reason: str = "") -> dict[str, Any]:
    return {
        "project": rec.get("project") or name,
        "link": f"{name}/record.html",
        "status": status or rec.get("status") or "failed",
        "reason": reason or failure_reason(rec),
        "decision": rec.get("decision"),
        "verdict": rec.get("verdict"),
        "blockers": rec.get("blockers", []),
        "errors": record.errored_checks(rec),
        "conditions": len(rec.get("conditions", [])),
        "completeness": rec.get("completeness") or 0.0,
        "pass_rate": record.data_quality_pass_rate(rec),
        "executed_at": rec.get("provenance", {}).get("executed_at", ""),
        "trend": trend_svg(rec),
    }


def read_rows(out: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for path in sorted(out.glob("*/record.json")):
        name = path.parent.name
        if name.startswith(".") or name == HIDDEN:
            continue
        try:
            rows[name] = row(name, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            rows[name] = row(name, {}, "failed", f"{path}: unreadable record ({exc})")
    return rows


def rebuild(out: Path, unpublished: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Write OUT/index.html; ``unpublished`` maps projects of this run that left no record (the kit
    itself failed) to the reason, shown when no earlier record of theirs is present."""
    with index_lock(out):
        rows = read_rows(out)
        for name, reason in (unpublished or {}).items():
            rows.setdefault(name, row(name, {}, "failed", reason))
        ordered = [rows[name] for name in sorted(rows)]
        write_atomic(out / "index.html", record.index_html(ordered))
    return ordered
