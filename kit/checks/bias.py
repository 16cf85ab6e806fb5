"""Bias checks: observed shares of an attribute against the declared reference shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from scipy.special import chdtrc  # chi-square survival function; scipy.stats costs 0.6 s to import

from kit.answers.schema import BiasCheck
from kit.checks.result import CheckResult, guarded
from kit.checks.rules import dataset_columns, load_dataset
from kit.findings import Finding, did_you_mean


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


def run(loaded) -> list[CheckResult]:
    """One check per declared bias check; its BiasResult travels in ``details``. A check whose
    measurement raises is an error of that check alone."""
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    checks = loaded.answers.data_strategy.maintenance.bias_checks
    return [_run_one(check, sources[check.dataset].sample, loaded.project_dir) for check in checks]


def _run_one(check: BiasCheck, sample: str | None, project_dir: Path) -> CheckResult:
    check_id = f"bias.{check.id}"
    if not sample:
        return CheckResult(
            check_id, "bias", 0, 0, "warning", error=f"source {check.dataset!r} has no sample file"
        )
    return guarded(check_id, "bias", bias_check, check, project_dir / sample, severity="warning")


def bias_check(check: BiasCheck, path: Path) -> CheckResult:
    frame = load_dataset(path)
    if check.attribute not in frame.columns:
        return CheckResult(
            f"bias.{check.id}",
            "bias",
            0,
            0,
            "warning",
            error=f"column {check.attribute!r} not in {path.name}",
        )
    result = measure(check, frame)
    return CheckResult(
        f"bias.{check.id}",
        "bias",
        checked=1,
        failed=0 if result.within_tolerance else 1,
        severity="warning",
        detail=(
            f"largest difference {result.largest_difference:.3f} ({result.largest_value}) "
            f"vs tolerance {result.tolerance}; chi-square p={result.p_value:.3g}"
        ),
        details=result,
    )


def declaration_findings(loaded) -> list[Finding]:
    """A bias check on a column its dataset's sample lacks is an answers error, found before running."""
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    out = []
    for i, check in enumerate(loaded.answers.data_strategy.maintenance.bias_checks):
        source = sources.get(check.dataset)
        path = loaded.project_dir / source.sample if source and source.sample else None
        if path is None or not path.is_file():
            continue  # reported by the answers' reference checks
        columns = dataset_columns(path)
        if check.attribute not in columns:
            out.append(
                loaded.document.finding(
                    ("data_strategy", "maintenance", "bias_checks", i, "attribute"),
                    f"column {check.attribute!r} is not in {source.sample}"
                    + did_you_mean(check.attribute, columns),
                )
            )
    return out
