"""Bias checks: observed shares of an attribute against the declared reference shares."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.special import chdtrc  # chi-square survival function; scipy.stats costs 0.6 s to import

from kit.answers.schema import BiasCheck
from kit.checks.result import CheckResult
from kit.checks.rules import load_dataset


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


def measure(check: BiasCheck, frame: pd.DataFrame) -> BiasResult:
    column = frame[check.attribute].dropna().astype(str)
    counts = column.value_counts()
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
        sample = sources[check.dataset].sample
        if not sample:
            checks.append(
                CheckResult(
                    f"bias.{check.id}",
                    "bias",
                    0,
                    0,
                    "warning",
                    error=f"source {check.dataset!r} has no sample file",
                )
            )
            continue
        frame = load_dataset(loaded.project_dir / sample)
        if check.attribute not in frame.columns:
            checks.append(
                CheckResult(
                    f"bias.{check.id}",
                    "bias",
                    0,
                    0,
                    "warning",
                    error=f"column {check.attribute!r} not in {sample}",
                )
            )
            continue
        result = measure(check, frame)
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
