"""Data-quality rules from the answers file: declarations checked and located, then run by the rule
engine (``kit.checks.engine``) where each source's data lives.

``plan`` opens every source once (a sample file through DuckDB, or a table on a connection), finds
bad files by one scan, and compiles every rule against its table; its findings are the rules'
declaration findings (wbk validate), and ``run_plan`` counts the rules that compiled.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from kit.answers.schema import Rule, Source
from kit.checks.engine import datasets
from kit.checks.engine.compile import Compiled, compile_rule
from kit.checks.engine.count import count
from kit.checks.engine.kinds import KINDS, Context, RuleError
from kit.checks.result import CheckResult
from kit.findings import AnswersError, Finding, format_path
from kit.phrases import plural

# --- declarations: every problem located in the answers file -----------------------------------


def declaration_problems(rule: Rule, index: int) -> list[tuple[tuple, str]]:
    """(location, message) for an unknown check, a wrong column count or bad parameters: what can
    be said without opening any data."""
    base = ("data_quality", "rules", index)
    kind = KINDS.get(rule.check)
    if kind is None:
        close = difflib.get_close_matches(rule.check, list(KINDS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(KINDS)}"
        return [((*base, "check"), f"unknown check {rule.check!r}{hint}")]
    problems = []
    least, most = kind.columns
    if len(rule.columns) < least or (most is not None and len(rule.columns) > most):
        if least == most:
            want = plural(least, "column")
        else:
            want = f"at least {plural(least, 'column')}" if most is None else f"{least} to {most} columns"
        problems.append(((*base, "columns"), f"{rule.check} takes {want}, got {len(rule.columns)}"))
    try:
        kind.params.model_validate(rule.params)
    except ValidationError as exc:
        for err in exc.errors():
            where = (*base, "params", *err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            problems.append((where, f"{message} (check {rule.check})"))
    return problems


@dataclass
class Plan:
    """Every source opened and every rule compiled, with what went wrong, located."""

    findings: list[Finding] = field(default_factory=list)
    tables: dict[str, ibis.Table] = field(default_factory=dict)
    compiled: dict[int, Compiled] = field(default_factory=dict)
    broken: dict[int, str] = field(default_factory=dict)  # rule index -> why it cannot run


def plan(loaded, backend=None, as_of: dt.date | None = None) -> Plan:
    """Every source of a loaded project opened and every rule compiled, as of ``as_of`` (the
    answers' project.as_of when not given). A run makes it once (kit.checks.prepared)."""
    return _plan(loaded, backend, as_of or loaded.answers.project.as_of)


def _plan(loaded, backend, as_of: dt.date) -> Plan:
    answers, document = loaded.answers, loaded.document
    result = Plan()

    def add(loc: tuple, message: str) -> None:
        line, column = document.locate(loc)
        result.findings.append(Finding(str(document.path), line, column, format_path(loc), message))

    for i, source in enumerate(answers.problem_boundaries.data.sources):
        _open(source, i, loaded.project_dir, backend, result, add)
    project = answers.project
    ctx = Context(as_of, project.timezone, result.tables)
    sources = {s.id: s for s in answers.problem_boundaries.data.sources}
    for i, rule in enumerate(answers.data_quality.rules):
        base = ("data_quality", "rules", i)
        problems = declaration_problems(rule, i)
        for loc, message in problems:
            add(loc, message)
        source = sources.get(rule.dataset)
        if problems or source is None:
            result.broken[i] = "declaration error, see findings"
            continue
        if rule.dataset not in result.tables:
            if not (source.sample or (source.connection and source.table)):
                add(
                    (*base, "dataset"),
                    f"source {rule.dataset!r} has no sample file and no connection and "
                    "table, so this rule cannot run: give the source a sample or a connection and table",
                )
            result.broken[i] = f"source {rule.dataset!r} could not be read"
            continue
        try:
            label = source.sample or f"table {source.table}"
            result.compiled[i] = compile_rule(rule, result.tables[rule.dataset], ctx, label)
        except RuleError as exc:
            add((*base, *exc.where), str(exc))
            result.broken[i] = str(exc)
        except Exception as exc:  # a backend error while compiling is the rule's error
            result.broken[i] = datasets.first_line(exc)
            if isinstance(ctx.as_of, dt.date):  # else the schema error on project.as_of says why
                add(base, f"cannot be compiled: {datasets.first_line(exc)}")
    return result


def _open(source: Source, index: int, project_dir: Path, backend, result: Plan, add) -> None:
    loc = ("problem_boundaries", "data", "sources", index)
    if bool(source.connection) != bool(source.table):
        missing = "table" if source.connection else "connection"
        add((*loc, missing), f"a source in a database names both connection and table; {missing} is missing")
        return
    if not (source.sample or source.connection):
        return
    field_name = "table" if source.connection else "sample"
    try:
        table = datasets.open_source(source, project_dir, backend)
    except datasets.SourceError as exc:
        if "file not found" not in str(exc):  # reported by the answers' reference checks
            add((*loc, field_name), str(exc))
        return
    except AnswersError as exc:  # a connection's own located findings (connections.yaml, name)
        result.findings.extend(exc.findings)
        return
    except Exception as exc:  # a backend's error, e.g. an unknown table
        add((*loc, field_name), datasets.first_line(exc))
        return
    result.tables[source.id] = table


# --- run --------------------------------------------------------------------------------------


@dataclass
class RulesReport:
    results: list[CheckResult]
    findings: list[Finding]


def run(loaded, as_of: dt.date | None = None, backend=None) -> RulesReport:
    """Run every rule of a loaded project where its source's data lives, as of the run's date
    (the answers' project.as_of when not given)."""
    return run_plan(plan(loaded, backend, as_of), loaded.answers.data_quality.rules)


def run_plan(prepared: Plan, rules: list[Rule]) -> RulesReport:
    """Count the rules a plan compiled, one query per table; a rule it could not compile is an error."""
    results: dict[int, CheckResult] = {
        i: CheckResult(
            rules[i].id, 0, 0, rules[i].severity, rules[i].min_pass_rate, error=why, judged=rules[i]
        )
        for i, why in prepared.broken.items()
    }
    by_dataset: dict[str, list[int]] = {}
    for i in prepared.compiled:
        by_dataset.setdefault(rules[i].dataset, []).append(i)
    for dataset, indices in by_dataset.items():
        counted = count(prepared.tables[dataset], [prepared.compiled[i] for i in indices])
        results.update(zip(indices, counted, strict=True))
    return RulesReport([results[i] for i in range(len(rules))], prepared.findings)


def run_on_table(
    rules: list[Rule],
    table: ibis.Table,
    as_of: dt.date,
    timezone: str = "UTC",
    datasets_by_id: dict[str, ibis.Table] | None = None,
) -> list[CheckResult]:
    """Rules on one table; a rule that cannot run on it is a result with ``error`` set."""
    ctx = Context(as_of, timezone, datasets_by_id or {})
    compiled, results = {}, {}
    for i, rule in enumerate(rules):
        try:
            compiled[i] = compile_rule(rule, table, ctx)
        except Exception as exc:  # a rule that cannot be compiled is an error, never a pass
            message = str(exc) if isinstance(exc, RuleError) else datasets.first_line(exc)
            results[i] = CheckResult(
                rule.id, 0, 0, rule.severity, rule.min_pass_rate, error=message, judged=rule
            )
    results.update(zip(compiled, count(table, list(compiled.values())), strict=True))
    return [results[i] for i in range(len(rules))]


def run_on_frame(
    rules: list[Rule], frame: pd.DataFrame, as_of: dt.date, timezone: str = "UTC"
) -> list[CheckResult]:
    """Rules on an in-memory DataFrame (tests, benchmarks), through the same engine on DuckDB."""
    table = ibis.memtable(pa.Table.from_pandas(frame, preserve_index=False))
    return run_on_table(rules, table, as_of, timezone)
