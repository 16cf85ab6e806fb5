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

from kit.answers.schema import Answers, Rule, Source
from kit.checks.engine import datasets, joined, masking
from kit.checks.engine.compile import Compiled, compile_rule
from kit.checks.engine.count import count
from kit.checks.engine.kinds import KINDS, Context, RuleError
from kit.checks.result import CheckResult
from kit.findings import AnswersError, Finding, did_you_mean, format_path
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
    read: dict[int, str] = field(default_factory=dict)  # rule index -> key of the table it reads
    with_joins: dict[str, joined.Joined] = field(default_factory=dict)  # key -> table with joins

    def table_of(self, key: str) -> ibis.Table:
        """The table rules read under ``key``: the dataset with its joins when it has some."""
        return self.with_joins[key].table if key in self.with_joins else self.tables[key]


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
    spec = answers.data_quality.generated_outputs
    if spec is not None:
        labels = {s.id: s.sample or f"table {s.table}" for s in answers.problem_boundaries.data.sources}
        _open_outputs(spec, loaded.project_dir, backend, result, add, labels)
    project = answers.project
    ctx = Context(as_of, project.timezone, result.tables, loaded.project_dir)
    sources = {s.id: s for s in answers.problem_boundaries.data.sources}
    for i, rule in enumerate(answers.data_quality.rules):
        base = ("data_quality", "rules", i)
        problems = declaration_problems(rule, i)
        for loc, message in problems:
            add(loc, message)
        source = sources.get(rule.dataset)
        if spec is not None and rule.dataset == spec.id and not problems:
            if spec.id not in result.tables:
                result.broken[i] = f"the generated outputs {spec.id!r} could not be read"
                continue
            _compile_on(rule, i, spec.id, spec.path or f"table {spec.table}", ctx, result, add)
            continue
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
        _compile_on(rule, i, rule.dataset, source.sample or f"table {source.table}", ctx, result, add)
    return result


def _compile_on(rule: Rule, i: int, dataset: str, label: str, ctx: Context, result: Plan, add) -> None:
    """Compile a rule on its dataset's table, with the rule's own joins when it declares any."""
    base = ("data_quality", "rules", i)
    table, key = result.tables[dataset], dataset
    try:
        if rule.join:
            key = f"{dataset} join {[(j.dataset, sorted(j.on.items())) for j in rule.join]}"
            if key not in result.with_joins:
                found = joined.joins_of(table, rule.join, result.tables, ("join",))
                result.with_joins[key] = found
            table = result.with_joins[key].table
        result.compiled[i] = compile_rule(rule, table, ctx, label)
        result.read[i] = key
    except (RuleError, joined.JoinError) as exc:
        add((*base, *exc.where), str(exc))
        result.broken[i] = str(exc)
    except Exception as exc:  # a backend error while compiling is the rule's error
        result.broken[i] = datasets.first_line(exc)
        if isinstance(ctx.as_of, dt.date):  # else the schema error on project.as_of says why
            add(base, f"cannot be compiled: {datasets.first_line(exc)}")


def _in_the_form_written(spec, loc: tuple, exc: joined.JoinError, label: str) -> tuple[tuple, str]:
    """A join error located where the answers wrote it: in the one-column form (input_dataset +
    record_id) an input column that does not exist is the record_id's."""
    if "input" in spec.model_fields_set or exc.where[:2] != ("input", "on"):
        return (*loc, *exc.where), str(exc)
    return (*loc, "record_id"), str(exc).replace(f"is not in {joined.INPUT}", f"is not in {label}")


def _open_outputs(spec, project_dir: Path, backend, result: Plan, add, labels: dict[str, str]) -> None:
    """The generated outputs as a dataset of the engine, under their id; a bad file or join located."""
    loc = ("data_quality", "generated_outputs")
    try:
        opened = joined.open_outputs(spec, project_dir, result.tables, backend)
    except joined.JoinError as exc:
        add(*_in_the_form_written(spec, loc, exc, labels.get(spec.input.dataset, spec.input.dataset)))
        return
    except datasets.SourceError as exc:
        if "file not found" not in str(exc):  # reported by the answers' reference checks
            add((*loc, "path" if spec.path else "table"), str(exc))
        return
    except AnswersError as exc:
        result.findings.extend(exc.findings)
        return
    except Exception as exc:  # a backend's error, e.g. an unknown table
        add((*loc, "path" if spec.path else "table"), datasets.first_line(exc))
        return
    result.tables[spec.id] = opened.table
    result.with_joins[spec.id] = opened
    for j, column in enumerate(spec.slice_by):
        if column not in opened.table.columns:
            hint = did_you_mean(column, opened.table.columns)
            add((*loc, "slice_by", j), f"column {column!r} is not in the outputs or their input{hint}")


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
        result.findings.extend(f for f in exc.findings if f not in result.findings)  # once per connection
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


def sensitive_columns(answers, rule: Rule) -> set[str]:
    """The columns a rule's examples may show that a source marks sensitive: its own dataset's, a
    joined dataset's as <dataset>.<column>, and on outputs the input row's as input.<column> and the
    fields the outputs themselves mark sensitive."""
    marked = {s.id: s.sensitive for s in answers.problem_boundaries.data.sources}
    hidden = set(marked.get(rule.dataset, []))
    for join in rule.join:
        hidden |= {f"{join.dataset}.{c}" for c in marked.get(join.dataset, [])}
    outputs = answers.data_quality.generated_outputs
    if outputs and rule.dataset == outputs.id:
        source = outputs.input.dataset if outputs.input else outputs.input_dataset
        hidden |= {f"input.{c}" for c in marked.get(source, [])}
        hidden |= set(outputs.sensitive)
        for join in outputs.joins:
            hidden |= {f"{join.dataset}.{c}" for c in marked.get(join.dataset, [])}
    return hidden


def run(loaded, as_of: dt.date | None = None, backend=None) -> RulesReport:
    """Run every rule of a loaded project where its source's data lives, as of the run's date
    (the answers' project.as_of when not given)."""
    return run_plan(plan(loaded, backend, as_of), loaded.answers)


def run_plan(prepared: Plan, answers: Answers) -> RulesReport:
    """Count the rules a plan compiled, one query per table; a rule it could not compile is an error."""
    rules = answers.data_quality.rules
    results: dict[int, CheckResult] = {
        i: CheckResult(
            rules[i].id, 0, 0, rules[i].severity, rules[i].min_pass_rate, error=why, judged=rules[i]
        )
        for i, why in prepared.broken.items()
    }
    by_table: dict[str, list[int]] = {}
    for i in prepared.compiled:
        by_table.setdefault(prepared.read[i], []).append(i)
    for key, indices in by_table.items():
        counted = count(prepared.table_of(key), [prepared.compiled[i] for i in indices])
        note = _ambiguity(prepared.with_joins.get(key))
        for i, result in zip(indices, counted, strict=True):
            result.detail += note
            # a sensitive column's values never leave the engine as they are
            result.examples = masking.mask_rows(result.examples, sensitive_columns(answers, rules[i]))
        results.update(zip(indices, counted, strict=True))
    return RulesReport([results[i] for i in range(len(rules))], prepared.findings)


def _ambiguity(opened: joined.Joined | None) -> str:
    """What the record says when a join key matched several rows (a join never multiplies rows)."""
    if opened is None or not opened.ambiguous:
        return ""
    try:
        counts = {alias: datasets.scalar(n) or 0 for alias, n in opened.ambiguous.items()}
    except Exception as exc:  # the rules' own queries report the backend's error
        return f" (rows whose join key matched several rows could not be counted: {datasets.first_line(exc)})"
    notes = [
        f"{plural(int(n), 'row')} matched several rows of {alias}: values those rows disagree on read as missing"
        for alias, n in counts.items()
        if n
    ]
    return f" ({'; '.join(notes)})" if notes else ""


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
