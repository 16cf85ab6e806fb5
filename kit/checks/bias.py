"""Bias checks: observed shares of an attribute against the declared reference shares."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd
import pyarrow as pa
from scipy.special import chdtrc  # chi-square survival function; scipy.stats costs 0.6 s to import

from kit.answers.schema import BiasCheck
from kit.checks.engine import datasets
from kit.checks.result import CheckResult


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


def run(loaded) -> tuple[list[BiasResult], list[CheckResult]]:
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    measured, checks = [], []
    for check in loaded.answers.data_strategy.maintenance.bias_checks:
        source = sources[check.dataset]
        sample = source.sample or source.table
        if not sample:
            checks.append(_error(check, f"source {check.dataset!r} has no sample file"))
            continue
        try:
            table = datasets.open_source(sources[check.dataset], loaded.project_dir)
        except Exception as exc:  # unreadable sources are located by validate
            checks.append(_error(check, datasets.first_line(exc)))
            continue
        if check.attribute not in table.columns:
            checks.append(_error(check, f"column {check.attribute!r} not in {sample}"))
            continue
        try:
            result = measure(check, table)
        except Exception as exc:  # a check that breaks is an error, never a pass
            checks.append(_error(check, datasets.first_line(exc)))
            continue
        measured.append(result)
        checks.append(
            CheckResult(
                f"bias.{check.id}",
                "bias",
                checked=1,
                failed=0 if result.within_tolerance else 1,
                severity="warning",
                detail=(
                    f"largest difference {result.largest_difference:.3f} ({result.largest_value}) "
                    f"vs tolerance {result.tolerance}; chi-square p={result.p_value:.3g}"
                ),
            )
        )
    return measured, checks


def _error(check: BiasCheck, message: str) -> CheckResult:
    return CheckResult(f"bias.{check.id}", "bias", 0, 0, "warning", error=message)
