"""Data-quality rules from the answers file, compiled to pandera schemas and run on sample data.

Check kinds are declared as data in ``CHECKS``: each names its parameters (a pydantic model),
how many columns it reads, and a vectorised function ``(frame, columns, params, context) ->
boolean Series`` (True = the row passes). Nulls pass every kind but ``not_null``, so a missing
value is counted once, by the rule written for it.

Every rule becomes one DataFrame-level ``pa.Check`` named after the rule. Only pandas operations
that pandera's other backends also offer are used, so the compiled schema can later move to
pandera's Dask or PySpark backend with a different ``load_dataset``; ``unique`` is the one kind
that needs a shuffle there.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kit.answers.schema import Rule
from kit.checks.result import MAX_EXAMPLES, CheckResult
from kit.findings import Finding, format_path, parse_path
from kit.phrases import plural


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InSet(NoParams):
    values: list[Any] = Field(min_length=1)


class Between(NoParams):
    min: float | None = None
    max: float | None = None


class Matches(NoParams):
    pattern: str


class FreshWithin(NoParams):
    days: int = Field(ge=0)


class FlagLetters(NoParams):
    low: str = "L"
    normal: str = "N"
    high: str = "H"


@dataclass(frozen=True)
class CheckKind:
    params: type[BaseModel]
    columns: tuple[int, int | None]  # at least, at most (None: any number)
    passes: Callable[[pd.DataFrame, list[str], Any, dt.date], pd.Series]
    meaning: str


def _not_null(df, cols, p, as_of):
    return df[cols].notna().all(axis=1)


def _unique(df, cols, p, as_of):
    return ~df.duplicated(subset=cols, keep="first")


def _in_set(df, cols, p, as_of):
    col = df[cols[0]]
    return col.isna() | col.astype("string").isin([str(v) for v in p.values])


def _between(df, cols, p, as_of):
    col = df[cols[0]]
    num = pd.to_numeric(col, errors="coerce")
    ok = num.notna()
    if p.min is not None:
        ok &= num >= p.min
    if p.max is not None:
        ok &= num <= p.max
    return col.isna() | ok


def _matches(df, cols, p, as_of):
    col = df[cols[0]]
    return col.isna() | col.astype("string").str.fullmatch(p.pattern).fillna(False).astype(bool)


def _fresh_within(df, cols, p, as_of):
    col = df[cols[0]]
    when = pd.to_datetime(col, errors="coerce", format="ISO8601")  # dates are YYYY-MM-DD
    oldest = pd.Timestamp(as_of - dt.timedelta(days=p.days))
    return col.isna() | (when >= oldest).fillna(False).astype(bool)


def _consistent_flag(df, cols, p, as_of):
    flag, value, low, high = (df[c] for c in cols)
    value = pd.to_numeric(value, errors="coerce").to_numpy()
    low = pd.to_numeric(low, errors="coerce").to_numpy()
    high = pd.to_numeric(high, errors="coerce").to_numpy()
    expected = np.select([value < low, value > high], [p.low, p.high], default=p.normal)
    return pd.Series(flag.isna().to_numpy() | np.isnan(value) | (flag.to_numpy() == expected), index=df.index)


CHECKS: dict[str, CheckKind] = {
    "not_null": CheckKind(NoParams, (1, None), _not_null, "every listed column has a value"),
    "unique": CheckKind(NoParams, (1, None), _unique, "the combination of columns occurs once"),
    "in_set": CheckKind(InSet, (1, 1), _in_set, "the value is one of params.values"),
    "between": CheckKind(Between, (1, 1), _between, "a number within params.min and params.max"),
    "matches": CheckKind(Matches, (1, 1), _matches, "the text matches params.pattern"),
    "fresh_within": CheckKind(
        FreshWithin, (1, 1), _fresh_within, "a date no older than params.days before as_of"
    ),
    "consistent_flag": CheckKind(
        FlagLetters,
        (4, 4),
        _consistent_flag,
        "columns [flag, value, low, high]: the flag agrees with the range",
    ),
}


# --- declarations: every problem located in the answers file -----------------------------------


def declaration_problems(rule: Rule, index: int) -> list[tuple[tuple, str]]:
    """(location, message) for an unknown check, a wrong column count or bad parameters."""
    base = ("data_quality", "rules", index)
    kind = CHECKS.get(rule.check)
    if kind is None:
        close = difflib.get_close_matches(rule.check, list(CHECKS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(CHECKS)}"
        return [((*base, "check"), f"unknown check {rule.check!r}{hint}")]
    problems = []
    least, most = kind.columns
    if len(rule.columns) < least or (most is not None and len(rule.columns) > most):
        want = plural(least, "column") if least == most else f"at least {plural(least, 'column')}"
        problems.append(((*base, "columns"), f"{rule.check} takes {want}, got {len(rule.columns)}"))
    try:
        kind.params.model_validate(rule.params)
    except ValidationError as exc:
        for err in exc.errors():
            where = (*base, "params", *err["loc"])
            problems.append((where, f"{err['msg']} (check {rule.check}: {kind.meaning})"))
    if rule.check == "matches" and "pattern" in rule.params:
        try:
            re.compile(str(rule.params["pattern"]))
        except re.error as exc:
            problems.append(((*base, "params", "pattern"), f"not a valid regular expression: {exc}"))
    return problems


def load_dataset(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A sample file as a DataFrame, read once per version of the file (rules, output checks and
    bias checks all read the same samples). Callers must not modify it."""
    stat = Path(path).stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size, tuple(columns) if columns else None)


@functools.lru_cache(maxsize=8)
def _read(name: str, mtime_ns: int, size: int, columns: tuple[str, ...] | None) -> pd.DataFrame:
    path, columns = Path(name), list(columns) if columns else None
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, columns=columns)
    elif path.suffix == ".jsonl":
        frame = pd.read_json(path, lines=True)
    else:
        frame = pd.read_csv(path, usecols=columns, keep_default_na=True, low_memory=False)
    return frame.reset_index(drop=True)


def dataset_columns(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    return list(load_dataset(path).columns)


# --- compile and run --------------------------------------------------------------------------


def compile_schema(rules: list[Rule], as_of: dt.date) -> pa.DataFrameSchema:
    """One pandera schema for all rules on one dataset; each rule is a check named by its id."""
    checks = []
    for rule in rules:
        kind = CHECKS[rule.check]
        params = kind.params.model_validate(rule.params)
        fn = _bind(kind.passes, list(rule.columns), params, as_of)
        checks.append(pa.Check(fn, name=rule.id, ignore_na=False, error=rule.description or rule.check))
    return pa.DataFrameSchema(checks=checks, name="wbk rules")


def _bind(passes, columns, params, as_of):
    return lambda frame: passes(frame, columns, params, as_of)


def run_on_frame(rules: list[Rule], frame: pd.DataFrame, as_of: dt.date) -> list[CheckResult]:
    schema = compile_schema(rules, as_of)
    failing: dict[int, list[int]] = {}
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        # A table-level check lists a failing row once per column: count each row once.
        for number, group in cases.groupby("check_number"):
            failing[int(number)] = sorted(set(group["index"].astype(int)))
    results = []
    for number, rule in enumerate(rules):
        rows = failing.get(number, [])
        examples = frame.loc[rows[:MAX_EXAMPLES], list(dict.fromkeys(rule.columns))]
        results.append(
            CheckResult(
                id=rule.id,
                family="rule",
                checked=len(frame),
                failed=len(rows),
                severity=rule.severity,
                min_pass_rate=rule.min_pass_rate,
                detail=rule.description or CHECKS[rule.check].meaning,
                examples=[{"row": int(i), **_jsonable(r)} for i, r in examples.iterrows()],
                failing=rows,
            )
        )
    return results


def _jsonable(row: pd.Series) -> dict[str, Any]:
    return {
        k: (
            None
            if pd.isna(v)
            else v.item()
            if hasattr(v, "item")
            else str(v)
            if not isinstance(v, str | int | float | bool)
            else v
        )
        for k, v in row.items()
    }


@dataclass
class RulesReport:
    results: list[CheckResult]
    findings: list[Finding]


def run(loaded) -> RulesReport:
    """Run every rule of a loaded project on its sources' sample files."""
    answers = loaded.answers
    as_of = answers.project.as_of
    findings = declaration_findings(loaded)
    broken = {parse_path(f.path)[2] for f in findings if f.path.startswith("data_quality.rules[")}
    samples = {s.id: s.sample for s in answers.problem_boundaries.data.sources}
    by_dataset: dict[str, list[tuple[int, Rule]]] = {}
    for i, rule in enumerate(answers.data_quality.rules):
        by_dataset.setdefault(rule.dataset, []).append((i, rule))
    results = []
    for dataset, indexed in by_dataset.items():
        runnable = [rule for i, rule in indexed if i not in broken]
        errored = [rule for i, rule in indexed if i in broken]
        results += [
            CheckResult(
                r.id, "rule", 0, 0, r.severity, r.min_pass_rate, error="declaration error, see findings"
            )
            for r in errored
        ]
        if runnable:
            frame = load_dataset(loaded.project_dir / samples[dataset])
            results += run_on_frame(runnable, frame, as_of)
    order = {r.id: i for i, r in enumerate(answers.data_quality.rules)}
    results.sort(key=lambda r: order[r.id])
    return RulesReport(results, findings)


def declaration_findings(loaded) -> list[Finding]:
    """Unknown checks, bad parameters, datasets without samples and columns the sample lacks."""
    answers, document = loaded.answers, loaded.document
    samples = {s.id: s.sample for s in answers.problem_boundaries.data.sources}
    headers: dict[str, list[str]] = {}
    out: list[Finding] = []

    def add(loc: tuple, message: str) -> None:
        line, column = document.locate(loc)
        out.append(Finding(str(document.path), line, column, format_path(loc), message))

    for i, rule in enumerate(answers.data_quality.rules):
        for loc, message in declaration_problems(rule, i):
            add(loc, message)
        sample = samples.get(rule.dataset)
        if rule.dataset in samples and not sample:
            add(
                ("data_quality", "rules", i, "dataset"),
                f"source {rule.dataset!r} has no sample file, so this rule cannot run",
            )
            continue
        path = loaded.project_dir / sample if sample else None
        if path is None or not path.is_file():
            continue  # reported by the answers' reference checks
        if rule.dataset not in headers:
            headers[rule.dataset] = dataset_columns(path)
        for j, column in enumerate(rule.columns):
            if column not in headers[rule.dataset]:
                close = difflib.get_close_matches(column, headers[rule.dataset], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                add(("data_quality", "rules", i, "columns", j), f"column {column!r} is not in {sample}{hint}")
    return out
