"""Since the last record: what changed in the data between a baseline record.json and this run.

Compared, per source: columns added, removed or of another type; the row count; per column the null
share and the distribution (population stability index, PSI, over a categorical's values or a
numeric column's histogram bins, which this run shares with the baseline); the group shares of every
bias attribute; and the pass rate of every rule and output check. Each comparison is ``unchanged``,
``changed`` (moved, below its threshold) or ``crossed`` (at or beyond the project's threshold in
``data_strategy.monitoring``); every crossing becomes a warning check, hence a condition of the
decision that names its evidence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from kit import phrases
from kit.answers.schema import Answers, Monitoring
from kit.checks.profile import ColumnProfile, Histogram, SourceProfile
from kit.checks.result import CheckResult

PSI_FLOOR = 1e-4  # a share of 0 would make the PSI infinite; the usual practice floors it
OTHER = "(other values)"
HISTORY_LENGTH = 24  # records kept in a record's history, for the index's trend


class BaselineError(ValueError):
    """A --baseline that is not a usable record.json; the message names the file."""


class HistoryPoint(BaseModel):
    as_of: str | None
    executed_at: str | None
    decision: str | None
    failed_checks: int
    conditions: int


class Baseline(BaseModel):
    path: str
    project: str | None = None
    as_of: str | None = None
    executed_at: str | None = None
    profiles: dict[str, SourceProfile]
    checks: list[dict[str, Any]] = Field(default_factory=list)
    history: list[HistoryPoint] = Field(default_factory=list)

    def bins(self, source: str) -> dict[str, Histogram]:
        profile = self.profiles.get(source)
        return {c.name: c.histogram for c in profile.columns if c.histogram} if profile else {}


class Comparison(BaseModel):
    source: str = Field(description="source id, or 'checks' for pass rates")
    column: str | None = Field(None, description="column, or the check id for a pass rate; null for rows")
    group: str | None = Field(None, description="the value of a bias attribute whose share is compared")
    measure: Literal[
        "column added", "column removed", "type", "rows", "null share", "PSI", "group share", "pass rate"
    ]
    before: str
    after: str
    value: float | None = Field(None, description="the size of the change in the measure's unit")
    threshold: float | None = None
    status: Literal["unchanged", "changed", "crossed"]
    evidence: str | None = Field(None, description="id of the drift check a crossing became")


class Drift(BaseModel):
    baseline: Baseline
    comparisons: list[Comparison]

    def by_status(self, status: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.status == status]


def history_point(record: dict[str, Any]) -> HistoryPoint:
    """A record's place on the trend: failed checks and conditions on its date."""
    return HistoryPoint(
        as_of=record.get("as_of"),
        executed_at=(record.get("provenance") or {}).get("executed_at") or record.get("executed_at"),
        decision=record.get("decision"),
        failed_checks=sum(c.get("status") in ("fail", "warn", "error") for c in record.get("checks", [])),
        conditions=len(record.get("conditions") or []),
    )


def load_baseline(path: str | Path) -> Baseline:
    """A previous run's record.json, with the profiles this run is compared with."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline record: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: error: not JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or data.get("status") != "ok":
        raise BaselineError(f"{path}: error: not the record.json of a successful run")
    if "profiles" not in data:
        raise BaselineError(
            f"{path}: error: profiles: the record has no source profiles (made by an older kit)"
        )
    try:
        return Baseline(
            path=str(path),
            project=data.get("project"),
            as_of=data.get("as_of"),
            executed_at=(data.get("provenance") or {}).get("executed_at"),
            profiles=data["profiles"],
            checks=data.get("checks", []),
            history=[*data.get("history", []), history_point(data)][-HISTORY_LENGTH:],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BaselineError(f"{path}: error: {where}: {first['msg']}") from exc


# --- comparing --------------------------------------------------------------------------------


def compare(
    baseline: Baseline,
    profiles: dict[str, SourceProfile],
    checks: list[CheckResult],
    answers: Answers,
) -> Drift:
    limits = answers.data_strategy.monitoring
    found: list[Comparison] = []
    for source, now in profiles.items():
        before = baseline.profiles.get(source)
        if before is not None:
            found += _source(before, now, limits)
    found += list(_group_shares(baseline, profiles, answers, limits))
    found += list(_pass_rates(baseline, checks, limits))
    for item in found:
        if item.status == "crossed":
            item.evidence = check_id(item)
    return Drift(baseline=baseline, comparisons=found)


def check_id(item: Comparison) -> str:
    if item.source == "checks":
        return f"drift.check.{item.column}"
    return f"drift.{item.source}.{item.column}" if item.column else f"drift.{item.source}"


def _status(value: float, threshold: float, moved: float = 0.0) -> str:
    if value >= threshold:
        return "crossed"
    return "changed" if value > moved else "unchanged"


def _source(before: SourceProfile, now: SourceProfile, limits: Monitoring) -> list[Comparison]:
    name = now.source
    relative = abs(now.rows - before.rows) / before.rows if before.rows else float(now.rows > 0)
    out = [
        Comparison(
            source=name,
            measure="rows",
            before=phrases.number(before.rows),
            after=phrases.number(now.rows),
            value=relative,
            threshold=limits.row_count_change,
            status=_status(relative, limits.row_count_change),
        )
    ]
    old = {c.name: c for c in before.columns}
    new = {c.name: c for c in now.columns}
    for column in old.keys() - new.keys():
        out.append(_schema_change(name, column, "column removed", old[column].type, "absent"))
    for column in new.keys() - old.keys():
        out.append(_schema_change(name, column, "column added", "absent", new[column].type))
    for column in [c for c in new if c in old]:
        out += _column(name, old[column], new[column], limits)
    return out


def _schema_change(source: str, column: str, measure: str, before: str, after: str) -> Comparison:
    # A removed column breaks what read it; an added one is news, not a risk.
    status = "crossed" if measure == "column removed" else "changed"
    return Comparison(
        source=source, column=column, measure=measure, before=before, after=after, status=status
    )


def _column(source: str, old: ColumnProfile, new: ColumnProfile, limits: Monitoring) -> list[Comparison]:
    if old.type != new.type:
        return [
            Comparison(
                source=source,
                column=new.name,
                measure="type",
                before=old.type,
                after=new.type,
                status="crossed",
            )
        ]
    moved = abs(new.null_share - old.null_share)
    out = [
        Comparison(
            source=source,
            column=new.name,
            measure="null share",
            before=phrases.share(old.null_share),
            after=phrases.share(new.null_share),
            value=moved,
            threshold=limits.null_share_change,
            status=_status(moved, limits.null_share_change),
        )
    ]
    value = psi(old, new)
    if value is not None:
        out.append(
            Comparison(
                source=source,
                column=new.name,
                measure="PSI",
                before=_band(0.0, limits),
                after=f"PSI {value:.3f}: {_band(value, limits)}",
                value=value,
                threshold=limits.psi,
                status=_status(value, limits.psi, moved=limits.psi_moderate - 1e-12),
            )
        )
    return out


def _band(value: float, limits: Monitoring) -> str:
    if value >= limits.psi:
        return "significant shift"
    return "moderate shift" if value >= limits.psi_moderate else "stable"


def distribution(column: ColumnProfile) -> dict[str, int] | None:
    """Counts per category (the tail in one bucket) or per histogram bin; None if neither."""
    if column.top_values is not None:
        counts = {v.value: v.count for v in column.top_values}
        if column.other_count:
            counts[OTHER] = column.other_count
        return counts
    if column.histogram is not None:
        return {str(i): n for i, n in enumerate(column.histogram.counts)}
    return None


def psi(old: ColumnProfile, new: ColumnProfile) -> float | None:
    """Population stability index: sum over buckets of (new - old) * ln(new / old), on shares."""
    if (old.histogram is None) != (new.histogram is None):
        return None
    if (
        old.histogram
        and new.histogram
        and (old.histogram.low, old.histogram.high)
        != (
            new.histogram.low,
            new.histogram.high,
        )
    ):
        return None  # different bins: not comparable (only when the baseline had no histogram bins)
    before, after = distribution(old), distribution(new)
    if before is None or after is None or not sum(before.values()) or not sum(after.values()):
        return None
    keys = before.keys() | after.keys()
    p, q = _shares(before, keys), _shares(after, keys)
    return sum((q[k] - p[k]) * math.log(q[k] / p[k]) for k in keys)


def _shares(counts: dict[str, int], keys) -> dict[str, float]:
    total = sum(counts.values())
    return {k: max(counts.get(k, 0) / total, PSI_FLOOR) for k in keys}


def _group_shares(
    baseline: Baseline, profiles: dict[str, SourceProfile], answers: Answers, limits: Monitoring
) -> Iterator[Comparison]:
    for check in answers.data_strategy.maintenance.bias_checks:
        before, now = baseline.profiles.get(check.dataset), profiles.get(check.dataset)
        old = before.column(check.attribute) if before else None
        new = now.column(check.attribute) if now else None
        if old is None or new is None or old.top_values is None or new.top_values is None:
            continue
        p, q = _group_share(old), _group_share(new)
        for group in sorted(set(check.reference_shares) | p.keys() | q.keys()):
            moved = abs(q.get(group, 0.0) - p.get(group, 0.0))
            yield Comparison(
                source=check.dataset,
                column=check.attribute,
                measure="group share",
                group=group,
                before=phrases.share(p.get(group, 0.0)),
                after=phrases.share(q.get(group, 0.0)),
                value=moved,
                threshold=limits.group_share_change,
                status=_status(moved, limits.group_share_change),
            )


def _group_share(column: ColumnProfile) -> dict[str, float]:
    total = sum(v.count for v in column.top_values or []) + column.other_count
    return {v.value: v.count / total for v in column.top_values or []} if total else {}


def _pass_rates(baseline: Baseline, checks: list[CheckResult], limits: Monitoring) -> Iterator[Comparison]:
    # ``checks`` are those whose pass rates are compared (kit.checks.families says which families)
    compared = {c.family for c in checks}
    earlier = {c["id"]: c for c in baseline.checks if c.get("family") in compared}
    for check in checks:
        if check.id not in earlier or check.error:
            continue
        before = _pass_rate(earlier[check.id])
        drop = before - check.pass_rate
        yield Comparison(
            source="checks",
            column=check.id,
            measure="pass rate",
            before=phrases.share(before),
            after=phrases.share(check.pass_rate),
            value=drop,
            threshold=limits.pass_rate_drop,
            status=_status(drop, limits.pass_rate_drop)
            if drop > 0
            else "unchanged"
            if drop == 0
            else "changed",
        )


def _pass_rate(summary: dict[str, Any]) -> float:
    """From the counts: record.json rounds pass_rate to six places, which is not a change."""
    checked = summary.get("passed", 0) + summary.get("failed", 0)
    return summary["passed"] / checked if checked else float(summary.get("pass_rate", 1.0))


# --- checks: one warning per flagged column, source or check -----------------------------------


def drift_checks(drift: Drift | None) -> list[CheckResult]:
    if drift is None:
        return []
    crossed: dict[str, list[Comparison]] = {}
    for item in drift.by_status("crossed"):
        crossed.setdefault(item.evidence or check_id(item), []).append(item)
    return [
        CheckResult(
            id=evidence,
            checked=1,
            failed=1,
            severity="warning",
            detail=f"since the record of {drift.baseline.as_of}: "
            + "; ".join(describe(item) for item in items),
        )
        for evidence, items in crossed.items()
    ]


def describe(item: Comparison) -> str:
    """One comparison in words, e.g. 'distribution shifted: PSI 0.412 (threshold 0.25)'."""
    limit = item.threshold or 0
    if item.measure in ("column added", "column removed"):
        return f"{item.measure} (type {item.before if item.measure == 'column removed' else item.after})"
    if item.measure == "type":
        return f"type changed from {item.before} to {item.after}"
    if item.measure == "PSI":
        return f"distribution: {item.after} (threshold {limit:g})"
    if item.measure == "rows":
        change = phrases.share(item.value or 0)
        return f"rows {item.before} → {item.after} ({change} change; threshold {phrases.share(limit)})"
    if item.measure == "pass rate":
        return f"pass rate {item.before} → {item.after} (threshold: a drop of {_points(limit)})"
    if item.measure == "group share":
        return f"share of {item.group!r} {item.before} → {item.after} (threshold {_points(limit)})"
    return f"{item.measure} {item.before} → {item.after} (threshold {_points(limit)})"


def _points(rate: float) -> str:
    """A change of a share, in percentage points: 0.05 -> '5 points'."""
    return phrases.plural(round(rate * 100, 4), "point")


def stayed_put(drift: Drift) -> dict[str, list[str]]:
    """Per measure, the columns, sources or checks it did not move (each named once)."""
    out: dict[str, list[str]] = {}
    for item in drift.by_status("unchanged"):
        name = item.column if item.source == "checks" else ".".join(filter(None, (item.source, item.column)))
        names = out.setdefault(item.measure, [])
        if name not in names:
            names.append(name)
    return out
