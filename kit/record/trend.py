"""The index page's trend: failed checks and conditions of a project's records over time.

A record carries the history of the records it was compared with (``--baseline`` chains, or
``--baseline-dir`` runs), or of the record it replaced in the same output folder, so the latest run
alone draws the trend. The chart is inline SVG (the
index allows no script and no image request) with the same numbers as text beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from kit.checks.drift import HISTORY_LENGTH, HistoryPoint, history_point

WIDTH, HEIGHT, PAD = 160, 40, 4
SERIES = (("failed_checks", "failed checks", "#b91c1c"), ("conditions", "conditions", "#a16207"))


def points(record: dict[str, Any]) -> list[HistoryPoint]:
    """The earlier records' points, oldest first, then this record's."""
    if record.get("status") != "ok":
        return []
    earlier = [HistoryPoint.model_validate(p) for p in record.get("history", [])]
    return [*earlier, history_point(record)]


def trend_svg(record: dict[str, Any]) -> Markup:
    """A small line chart with a text alternative; empty for a record without earlier ones."""
    found = points(record)
    if len(found) < 2:
        return Markup("")
    top = max(max(getattr(p, key) for p in found) for key, _, _ in SERIES) or 1
    step = (WIDTH - 2 * PAD) / (len(found) - 1)
    lines = []
    for key, _, colour in SERIES:
        xy = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - getattr(p, key) / top * (HEIGHT - 2 * PAD):.1f}"
            for i, p in enumerate(found)
        )
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{xy}"/>')
    text = describe(found)
    svg = (
        f'<svg class="wbk-trend" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(text)}"><title>{escape(text)}</title>{"".join(lines)}</svg>'
    )
    return Markup(f'{svg}<div class="wbk-trend-text">{escape(text)}</div>')


def describe(found: list[HistoryPoint]) -> str:
    """The chart's numbers in words, oldest first."""
    return "; ".join(
        f"{p.as_of or p.executed_at or 'undated'}: {p.failed_checks} failed checks, {p.conditions} conditions"
        for p in found
    )


def carry_history(record: dict[str, Any], previous: Path) -> dict[str, Any]:
    """A run written over an earlier record of the same project, without --baseline, still extends
    that record's trend: repeated dated runs into one output folder draw their history."""
    if record.get("status") != "ok" or record.get("history") or not previous.is_file():
        return record
    try:
        earlier = json.loads(previous.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return record  # an unreadable old record is about to be replaced; it has no trend to give
    if earlier.get("status") != "ok" or earlier.get("project") != record.get("project"):
        return record
    chain = [*earlier.get("history", []), history_point(earlier).model_dump(mode="json")]
    return {**record, "history": chain[-HISTORY_LENGTH:]}
