"""Charts that compare a measurement with its requirement, as inline SVG.

Each chart is a list of rows (a label, a measured value, the value it is held against) drawn as
horizontal bars with the requirement as a mark on the same row. SVG keeps the chart sharp in print,
searchable, and readable in grey: bars are dark, limits are black dashed lines, tolerance bands are
outlined, and every value is also written as text. A chart whose bars would all be (nearly) the same
length tells the reader nothing, so it is not drawn; the caller says so in words instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from kit import phrases

WIDTH, LABEL_W, VALUE_W, ROW_H, TOP, BOTTOM = 680, 190, 150, 24, 8, 34
PLOT_W = WIDTH - LABEL_W - VALUE_W
SAME = 0.05  # bars within 5 % of each other in length say nothing
# Presentation attributes, not CSS: the chart looks the same in JupyterLab, the record and the PDF.
LOOK = {
    "wbk-axis": 'stroke="#1d1d1f"',
    "wbk-grid": 'stroke="#d0d4da"',
    "wbk-bar": 'fill="#6b7280"',
    "wbk-bar wbk-over": 'fill="#1d1d1f"',
    "wbk-limit": 'stroke="#1d1d1f" stroke-width="2" stroke-dasharray="4 2"',
    "wbk-band": 'fill="#9ca3af" fill-opacity="0.3" stroke="#1d1d1f" stroke-width="1.5" stroke-dasharray="3 2"',
    "wbk-label": 'text-anchor="end" font-size="12" fill="#1d1d1f"',
    "wbk-tick": 'text-anchor="middle" font-size="12" fill="#374151"',
    "wbk-value": 'font-size="12" fill="#1d1d1f"',
}


@dataclass
class Row:
    label: str
    value: float  # measured, in the chart's unit
    low: float | None = None  # requirement: a band from low to high, or a single limit in high
    high: float | None = None
    text: str = ""  # the measurement in words, written at the end of the bar
    over: bool = False  # the measurement breaks its requirement


@dataclass
class Scale:
    lo: float
    hi: float
    log: bool

    def x(self, v: float) -> float:
        """Pixels from the plot's left edge; on a log scale 0 sits on the edge."""
        if self.log:
            if v <= 0:
                return 0.0
            span = math.log10(self.hi) - math.log10(self.lo)
            return PLOT_W * max(0.0, math.log10(max(v, self.lo)) - math.log10(self.lo)) / span
        return PLOT_W * (min(max(v, self.lo), self.hi) - self.lo) / ((self.hi - self.lo) or 1)

    def ticks(self) -> list[float]:
        if self.log:
            first = round(math.log10(self.lo))
            return [10.0**e for e in range(first, round(math.log10(self.hi)) + 1)]
        step = _nice_step(self.hi - self.lo)
        return [self.lo + i * step for i in range(int((self.hi - self.lo) / step) + 1)]


def _nice_step(span: float) -> float:
    raw = span / 4 or 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def informative(rows: list[Row], scale: Scale) -> bool:
    """At least two bars, and not all within 5 % of the longest."""
    widths = [scale.x(r.value) for r in rows]
    return len(widths) >= 2 and max(widths) > 0 and (max(widths) - min(widths)) > SAME * max(widths)


def log_scale(rows: list[Row]) -> Scale:
    """Decades from one below the smallest non-zero rate or limit up to 100 %: the extra decade
    keeps 0.1 % and 0.3 % visibly apart."""
    positive = [v for r in rows for v in (r.value, r.high) if v and v > 0]
    low = min(positive, default=1e-3)
    return Scale(10.0 ** (math.floor(math.log10(low)) - 1), 1.0, True)


def linear_scale(rows: list[Row]) -> Scale:
    top = max((v for r in rows for v in (r.value, r.high) if v is not None), default=1.0)
    step = _nice_step(top * 1.05)
    return Scale(0.0, step * math.ceil(top * 1.05 / step), False)


def svg(anchor: str, title: str, summary: str, rows: list[Row], scale: Scale, tick_text) -> Markup:
    """The chart: role="img" with its title and a one-sentence description for screen readers."""
    height = TOP + ROW_H * len(rows) + BOTTOM
    parts = [
        f'<svg class="wbk-chart" data-chart="{anchor}" role="img" '
        f'aria-label="{escape(title)}. {escape(summary)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>",
    ]
    parts += _axis(scale, height, tick_text)
    for i, row in enumerate(rows):
        parts += _row(row, TOP + i * ROW_H, scale)
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(scale: Scale, height: int, tick_text) -> list[str]:
    base = height - BOTTOM + 4
    out = [
        f'<line class="wbk-axis" {LOOK["wbk-axis"]} x1="{LABEL_W}" y1="{TOP}" x2="{LABEL_W}" y2="{base}"/>'
    ]
    for t in scale.ticks():
        x = LABEL_W + scale.x(t)
        out.append(
            f'<line class="wbk-grid" {LOOK["wbk-grid"]} x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{base}"/>'
        )
        out.append(
            f'<text class="wbk-tick" {LOOK["wbk-tick"]} x="{x:.1f}" y="{base + 14}">{escape(tick_text(t))}</text>'
        )
    return out


def _row(row: Row, y: int, scale: Scale) -> list[str]:
    mid = y + ROW_H / 2
    width = scale.x(row.value)
    out = [
        f'<text class="wbk-label" {LOOK["wbk-label"]} x="{LABEL_W - 6}" y="{mid + 4:.1f}">{escape(_short(row.label))}</text>'
    ]
    bar = "wbk-bar wbk-over" if row.over else "wbk-bar"
    out.append(
        f'<rect class="{bar}" {LOOK[bar]} x="{LABEL_W}" y="{y + 6}" width="{width:.2f}" height="{ROW_H - 12}" '
        f'data-value="{row.value!r}"/>'
    )
    if row.low is not None and row.high is not None:  # drawn over the bar, see-through
        x0, x1 = LABEL_W + scale.x(row.low), LABEL_W + scale.x(row.high)
        out.append(
            f'<rect class="wbk-band" {LOOK["wbk-band"]} x="{x0:.1f}" y="{y + 2}" width="{x1 - x0:.1f}" height="{ROW_H - 4}"/>'
        )
    if row.high is not None and row.low is None:
        x = LABEL_W + scale.x(row.high)
        out.append(
            f'<line class="wbk-limit" {LOOK["wbk-limit"]} x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + ROW_H - 1}"/>'
        )
    mark = "✗ " if row.over else ""
    out.append(
        f'<text class="wbk-value" {LOOK["wbk-value"]} x="{LABEL_W + PLOT_W + 6}" y="{mid + 4:.1f}">{escape(mark + row.text)}</text>'
    )
    return out


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def percent_tick(value: float) -> str:
    return phrases.share(value, decimals=0)


# --- the record's three charts --------------------------------------------------------------


@dataclass
class Chart:
    """A drawn chart (or None when it would say nothing), the sentence that sums it up, and its
    data as a table: the text alternative and the print fallback."""

    anchor: str
    title: str
    sentence: str
    columns: list[str]
    table: list[list[str]]
    image: Markup | None = None


def failure_rates(anchor: str, title: str, checks) -> Chart:
    """Failure rate of each check that ran against the rate its minimum pass rate allows, on a log
    scale so 0.1 % and 2 % look different; passing checks sit at zero."""
    ran = [c for c in checks if c.checked and not c.error]
    rows = [
        Row(
            c.id,
            c.failed / c.checked,
            None,
            1 - c.min_pass_rate,
            f"{phrases.number(c.failed)} of {phrases.number(c.checked)}",
            c.status in ("fail", "warn"),
        )
        for c in ran
    ]
    over = [r.label for r in rows if r.over]
    sentence = (
        f"{len(over)} of {phrases.plural(len(rows), 'check')} fail more often than allowed"
        + (f": {phrases.listing(over)}." if over else ".")
        if any(r.value for r in rows)
        else f"All {phrases.plural(len(rows), 'check')} pass with no failing row or report."
    )
    table = [
        [r.label, phrases.percent(c.failed, c.checked), phrases.share(r.high, 1), r.text]
        for r, c in zip(rows, ran, strict=True)
    ]
    scale = log_scale(rows)
    image = (
        svg(
            anchor,
            title + " (failure rate, log scale; dashed line: allowed rate, on the axis when none is allowed)",
            sentence,
            rows,
            scale,
            percent_tick,
        )
        if informative(rows, scale)
        else None
    )
    return Chart(anchor, title, sentence, ["Check", "Failure rate", "Allowed", "Failing"], table, image)


def source_ages(anchor: str, sources) -> Chart:
    """Each source's age as a share of its freshness SLA: past the dashed line at 100 % is stale."""
    dated = [s for s in sources if s.age_days is not None and s.freshness_sla_days]
    rows = [
        Row(
            s.id,
            s.age_days / s.freshness_sla_days,
            None,
            1.0,
            f"{phrases.plural(s.age_days, 'day')} of {phrases.number(s.freshness_sla_days)}",
            bool(s.stale),
        )
        for s in dated
    ]
    stale = [r.label for r in rows if r.over]
    sentence = f"{len(stale)} of {phrases.plural(len(rows), 'source')} older than its freshness SLA" + (
        f": {phrases.listing(stale)}." if stale else "."
    )
    table = [[s.id, phrases.number(s.age_days), phrases.number(s.freshness_sla_days)] for s in dated]
    scale = linear_scale(rows)
    image = (
        svg(anchor, "Source age as a share of its freshness SLA", sentence, rows, scale, percent_tick)
        if informative(rows, scale)
        else None
    )
    return Chart(
        anchor,
        "Source age against freshness SLA",
        sentence,
        ["Source", "Age (days)", "SLA (days)"],
        table,
        image,
    )


def bias_shares(anchor: str, measures) -> Chart:
    """Observed share of each group against the band reference ± tolerance."""
    rows = [
        Row(
            f"{b.attribute}={group}",
            b.observed[group],
            max(0.0, b.reference.get(group, 0.0) - b.tolerance),
            min(1.0, b.reference.get(group, 0.0) + b.tolerance),
            f"{phrases.share(b.observed[group])} vs {phrases.share(b.reference.get(group, 0.0))}",
            abs(b.observed[group] - b.reference.get(group, 0.0)) > b.tolerance,
        )
        for b in measures
        for group in b.observed
    ]
    outside = [r.label for r in rows if r.over]
    sentence = f"{len(outside)} of {phrases.plural(len(rows), 'group')} outside the tolerance band" + (
        f": {phrases.listing(outside)}." if outside else "."
    )
    table = [
        [r.label, phrases.share(r.value), f"{phrases.share(r.low)} to {phrases.share(r.high)}"] for r in rows
    ]
    scale = linear_scale(rows)
    image = (
        svg(anchor, "Group shares against the tolerance band (outlined)", sentence, rows, scale, percent_tick)
        if informative(rows, scale)
        else None
    )
    return Chart(
        anchor,
        "Group shares against the bias tolerance band",
        sentence,
        ["Group", "Observed", "Band"],
        table,
        image,
    )


def slice_rates(anchor: str, check) -> Chart:
    """An output rule's failure rate per value of a slice column; the dashed line is twice the rate
    of all outputs, the line a slice must reach (with 20 outputs and 5 failing) to be a condition."""
    sliced = check.judged  # kit.checks.slices.Sliced
    overall = sliced.overall
    rows = [
        Row(
            str(r["value"]),
            r["rate"],
            None,
            2 * overall,
            f"{phrases.number(r['failing'])} of {phrases.number(r['outputs'])}",
            r["rate"] >= 2 * overall and r["outputs"] >= 20 and r["failing"] >= 5 and overall > 0,
        )
        for r in sliced.rows
    ]
    title = f"Failure rate of {sliced.rule} per {sliced.column}"
    table = [
        [r.label, phrases.share(r.value, 1), f"{src['ratio']:.1f}x", r.text]
        for r, src in zip(rows, sliced.rows, strict=True)
    ]
    scale = linear_scale(rows) if rows else Scale(0, 1, False)
    image = (
        svg(
            anchor,
            title + " (dashed line: twice the rate of all outputs)",
            check.detail,
            rows,
            scale,
            percent_tick,
        )
        if rows and informative(rows, scale)
        else None
    )
    columns = ["Value", "Failure rate", "Against all outputs", "Failing"]
    return Chart(anchor, title, check.detail, columns, table, image)
