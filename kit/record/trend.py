"""The index page's trend: failed checks and conditions of a project's records over time.

A record carries the history of the records it was compared with (``--baseline`` chains, or
``--baseline-dir`` runs), so the latest run alone draws the trend. The chart is inline SVG (the
index allows no script and no image request) with the same numbers as text beside it.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from kit.checks.drift import HistoryPoint, history_point

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
