"""Bias checks: observed shares of an attribute against the declared reference shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
from scipy.special import chdtrc  # chi-square survival function; scipy.stats costs 0.6 s to import

from kit.answers.schema import BiasCheck
from kit.checks.engine import datasets
from kit.checks.result import CheckResult, guarded
from kit.findings import Finding


@dataclass
class BiasResult:
    id: str
    attribute: str
    rows: int
    observed: dict[str, float]
    reference: dict[str, float]
    largest_difference: float
    largest_value: str
    p_value: float
    tolerance: float

    @property
    def within_tolerance(self) -> bool:
        return self.largest_difference <= self.tolerance


def shares_query(table: ibis.Table, attribute: str) -> ibis.Table:
    """How often each value of the attribute occurs: one group-by count where the data lives."""
    present = table.filter(table[attribute].notnull())
    return present.group_by(value=present[attribute].cast("string")).aggregate(n=present.count())


def measure(check: BiasCheck, data: pd.DataFrame | ibis.Table) -> BiasResult:
    table = (
        ibis.memtable(pa.Table.from_pandas(data, preserve_index=False))
        if isinstance(data, pd.DataFrame)
        else data
    )
    counted = shares_query(table, check.attribute).to_pyarrow().to_pylist()
    counts = pd.Series({row["value"]: int(row["n"]) for row in counted}, dtype="int64")
    values = sorted(set(counts.index) | set(check.reference_shares))
    n = int(counts.sum())
    observed = {v: (float(counts.get(v, 0)) / n if n else 0.0) for v in values}
    reference = {v: float(check.reference_shares.get(v, 0.0)) for v in values}
    diffs = {v: abs(observed[v] - reference[v]) for v in values}
    worst = max(diffs, key=diffs.get)
    p_value = _chi_square(counts, reference, values, n)
    return BiasResult(
        check.id, check.attribute, n, observed, reference, diffs[worst], worst, p_value, check.tolerance
    )


def _chi_square(counts: pd.Series, reference: dict, values: list[str], n: int) -> float:
    if n == 0:
        return float("nan")
    if any(reference[v] == 0 and counts.get(v, 0) > 0 for v in values):
        return 0.0  # a value the reference says cannot occur, occurs
    kept = [v for v in values if reference[v] > 0]
    observed = [float(counts.get(v, 0)) for v in kept]
    total = sum(reference[v] for v in kept)
    expected = [n * reference[v] / total for v in kept]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return float(chdtrc(len(kept) - 1, statistic)) if len(kept) > 1 else 1.0


def run(loaded, tables: dict | None = None) -> list[CheckResult]:
    """One check per declared bias check; its BiasResult travels in ``judged``. A check whose
    measurement raises is an error of that check alone. ``tables``: the sources the prepared plan
    opened (kit.checks.engine.datasets.opened)."""
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    checks = loaded.answers.data_strategy.maintenance.bias_checks
    return [_run_one(check, sources[check.dataset], loaded.project_dir, tables) for check in checks]


def _run_one(check: BiasCheck, source, project_dir: Path, tables: dict | None) -> CheckResult:
    check_id = f"bias.{check.id}"
    if not (source.sample or source.table):
        return _error(check, f"source {check.dataset!r} has no sample file or table")
    return guarded(check_id, bias_check, check, source, project_dir, tables, severity="warning")


def bias_check(check: BiasCheck, source, project_dir: Path, tables: dict | None = None) -> CheckResult:
    table = datasets.opened(source, project_dir, tables)
    if check.attribute not in table.columns:
        return _error(check, f"column {check.attribute!r} not in {source.sample or source.table}")
    result = measure(check, table)
    return CheckResult(
        f"bias.{check.id}",
        checked=1,
        failed=0 if result.within_tolerance else 1,
        severity="warning",
        detail=(
            f"largest difference {result.largest_difference:.3f} ({result.largest_value}) "
            f"vs tolerance {result.tolerance}; chi-square p={result.p_value:.3g}"
        ),
        judged=result,
    )


def _error(check: BiasCheck, message: str) -> CheckResult:
    return CheckResult(f"bias.{check.id}", 0, 0, "warning", error=message)


def declaration_findings(loaded, tables: dict | None = None) -> list[Finding]:
    """A bias check on a column its dataset lacks is an answers error, found before running;
    ``tables``: the sources the prepared plan opened."""
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    return [
        finding
        for i, check in enumerate(loaded.answers.data_strategy.maintenance.bias_checks)
        if check.dataset in sources  # else reported by the answers' reference checks
        for finding in datasets.missing_column(
            loaded,
            sources[check.dataset],
            check.attribute,
            ("data_strategy", "maintenance", "bias_checks", i, "attribute"),
            tables,
        )
    ]
