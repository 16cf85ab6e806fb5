"""Acceptance of generated outputs: each report checked against its input record and the template.

Every check is its own function with its own count and examples, so one failure never hides
another or is reported for the wrong reason. A report counts once per check however many of its
entries fail.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.answers.template import OutputTemplate, Section
from kit.checks.engine import datasets
from kit.checks.result import MAX_EXAMPLES, CheckResult, could_not_run
from kit.findings import AnswersError, Finding

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\d)")


@dataclass
class Reading:
    """What an output check reads beside the report: the template and the report's input rows."""

    template: OutputTemplate
    inputs: dict[str, list[dict]]  # record id -> the input rows of that record
    flag_letters: tuple[str, str, str] = ("L", "N", "H")


OutputCheck = Callable[[dict, Reading], list[str]]  # returns what is wrong with one report


def sections_present(report: dict, ctx: Reading) -> list[str]:
    sections = report.get("sections") or {}
    return [
        f"required section {s.id!r} is missing"
        for s in ctx.template.sections
        if s.required and not sections.get(s.id)
    ]


def _entries(report: dict, ctx: Reading):
    """(section, output entry, matching input row or None): a repeated section's entries matched by
    its key; a single section against the record's first input row."""
    rows = ctx.inputs.get(str(report.get("record_id")))
    for section in ctx.template.sections:
        body = (report.get("sections") or {}).get(section.id)
        if not section.repeated:
            if isinstance(body, dict) and rows:
                yield section, body, rows[0]
            continue
        if not section.key:
            continue
        for entry in body or []:
            column, wanted = _input_of(section, section.key), str(entry.get(section.key))
            match = next((r for r in rows or [] if str(r.get(column)) == wanted), None)
            yield section, entry, match


def _input_of(section: Section, name: str) -> str:
    return next(f.input for f in section.fields if f.name == name and f.input)


def _compare(report: dict, ctx: Reading, types: set[str]) -> list[str]:
    if str(report.get("record_id")) not in ctx.inputs:
        return [f"input record {report.get('record_id')!r} not found"]
    problems = []
    for section, entry, row in _entries(report, ctx):
        if row is None:
            continue  # reported by no_extra_tests
        for field in section.fields:
            if field.type not in types or not field.input or field.input not in row:
                continue
            if not _same(entry.get(field.name), row[field.input]):
                problems.append(
                    f"{section.id}[{entry.get(section.key)}].{field.name} is "
                    f"{entry.get(field.name)!r}, input has {_plain(row[field.input])!r}"
                )
    return problems


def values_match(report: dict, ctx: Reading) -> list[str]:
    return _compare(report, ctx, {"number", "ucum", "string", "loinc", "date"})


def ranges_unchanged(report: dict, ctx: Reading) -> list[str]:
    return _compare(report, ctx, {"range"})


def flags_consistent(report: dict, ctx: Reading) -> list[str]:
    low_letter, normal_letter, high_letter = ctx.flag_letters
    problems = []
    for section, entry, _ in _entries(report, ctx):
        names = {f.type: [] for f in section.fields}
        for f in section.fields:
            names[f.type].append(f.name)
        if not (names.get("flag") and names.get("number") and len(names.get("range", [])) == 2):
            continue
        value = _number(entry.get(names["number"][0]))
        low, high = (_number(entry.get(n)) for n in names["range"])
        if value is None or low is None or high is None:
            continue
        expected = low_letter if value < low else high_letter if value > high else normal_letter
        flag = entry.get(names["flag"][0])
        if flag != expected:
            problems.append(
                f"{section.id}[{entry.get(section.key)}] flag {flag!r} but {value:g} "
                f"against {low:g}-{high:g} means {expected!r}"
            )
    return problems


def no_extra_tests(report: dict, ctx: Reading) -> list[str]:
    return [
        f"{section.id}[{entry.get(section.key)}] is not in the input record"
        for section, entry, row in _entries(report, ctx)
        if row is None and str(report.get("record_id")) in ctx.inputs
    ]


def numbers_grounded(report: dict, ctx: Reading) -> list[str]:
    rows = ctx.inputs.get(str(report.get("record_id")))
    if rows is None:
        return []
    known = {
        n for row in rows for v in row.values() if not isinstance(v, str) and (n := _number(v)) is not None
    }
    problems = []
    for section in ctx.template.sections:
        body = (report.get("sections") or {}).get(section.id) or {}
        for field in section.fields:
            if field.type != "text" or not isinstance(body, dict):
                continue
            for token in NUMBER.findall(str(body.get(field.name) or "")):
                if not any(math.isclose(float(token), k, rel_tol=1e-9, abs_tol=1e-9) for k in known):
                    problems.append(f"{section.id}.{field.name} mentions {token}, which is not in the input")
    return problems


OUTPUT_CHECKS: dict[str, tuple[OutputCheck, str]] = {
    "output.sections_present": (sections_present, "every required section of the template is there"),
    "output.values_match": (values_match, "values, units and codes equal the input record's"),
    "output.ranges_unchanged": (ranges_unchanged, "range fields equal the input record's"),
    "output.flags_consistent": (flags_consistent, "each flag agrees with its value and range"),
    "output.no_extra_tests": (no_extra_tests, "no entry that the input record lacks"),
    "output.numbers_grounded": (numbers_grounded, "every number in free text appears in the input"),
}


# What an output check needs in the template to have anything to look at; a check not listed
# applies to every template. One that does not apply is not run (it would pass on nothing).
NEEDS: dict[str, tuple[str, Callable[[OutputTemplate], bool]]] = {
    "output.ranges_unchanged": ("range fields", lambda t: _has_type(t, "range")),
    "output.flags_consistent": ("flag fields", lambda t: _has_type(t, "flag")),
    "output.no_extra_tests": (
        "a repeated section with a key",
        lambda t: any(s.repeated and s.key for s in t.sections),
    ),
}


def _has_type(template: OutputTemplate, kind: str) -> bool:
    return any(f.type == kind for s in template.sections for f in s.fields)


def applies(check_id: str, template: OutputTemplate) -> bool:
    need = NEEDS.get(check_id)
    return need is None or need[1](template)


def citation_findings(loaded, template: OutputTemplate) -> list[Finding]:
    """An unacceptable output that cites an output check with nothing to check in this template."""
    out = []
    for i, item in enumerate(loaded.answers.data_quality.unacceptable_outputs):
        for j, ref in enumerate(item.caught_by):
            if ref in NEEDS and not applies(ref, template):
                out.append(
                    loaded.document.finding(
                        ("data_quality", "unacceptable_outputs", i, "caught_by", j),
                        f"{ref!r} checks {NEEDS[ref][0]}, and the output template {template.name!r} has none",
                    )
                )
    return out


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _same(output: Any, expected: Any) -> bool:
    a, b = _number(output), _number(expected)
    if a is not None and b is not None and not isinstance(output, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return str(output) == str(_plain(expected))


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def read_reports(path: Path) -> list[dict]:
    """JSONL, one report object per line; every bad line is a located error."""
    reports, problems = [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                report = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Finding(str(path), number, exc.colno, "", f"not JSON: {exc.msg}"))
                continue
            if not isinstance(report, dict) or "record_id" not in report or "report_id" not in report:
                problems.append(
                    Finding(
                        str(path),
                        number,
                        1,
                        "",
                        "each line must be an object with report_id, record_id, sections",
                    )
                )
                continue
            reports.append(report)
    if problems:
        raise AnswersError(problems)
    return reports


def check_reports(reports: list[dict], ctx: Reading) -> list[CheckResult]:
    results = []
    for check_id, (check, meaning) in OUTPUT_CHECKS.items():
        if not applies(check_id, ctx.template):
            continue
        try:
            failing, examples = _apply(check, reports, ctx)
        except Exception as exc:  # a check that raises is an error of that check, never a pass
            results.append(could_not_run(check_id, exc))
            continue
        results.append(
            CheckResult(
                check_id,
                len(reports),
                len(failing),
                detail=meaning,
                examples=examples,
                failing=failing,
            )
        )
    return results


def _apply(check: OutputCheck, reports: list[dict], ctx: Reading) -> tuple[list, list[dict]]:
    failing, examples = [], []
    for report in reports:
        problems = check(report, ctx)
        if problems:
            failing.append(report["report_id"])
            if len(examples) < MAX_EXAMPLES:
                examples.append({"report_id": report["report_id"], "problem": "; ".join(problems)})
    return failing, examples


def declaration_findings(loaded, tables: dict | None = None) -> list[Finding]:
    """The record_id column must exist in the input dataset (else nothing can be matched);
    ``tables``: the sources the prepared plan opened."""
    spec = loaded.answers.data_quality.generated_outputs
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    source = sources.get(spec.input_dataset) if spec else None
    if source is None:
        return []  # reported by the answers' reference checks
    try:
        columns = datasets.opened(source, loaded.project_dir, tables).columns
    except Exception:  # an unreadable or missing source is reported with the source
        return []
    if spec.record_id in columns:
        return []
    return [
        loaded.document.finding(
            ("data_quality", "generated_outputs", "record_id"),
            f"column {spec.record_id!r} is not in {source.sample or source.table}",
        )
    ]


def input_records(table, record_id: str, wanted: set[str]) -> dict[str, list[dict]]:
    """The input rows of the records the reports name (record id -> rows, in the source's order,
    exact duplicate rows once), fetched through the engine: only those rows leave the backend."""
    key = table[record_id].cast("string")
    rows = table.filter(key.isin(sorted(wanted))).to_pyarrow().to_pylist()
    inputs: dict[str, list[dict]] = {}
    seen: set[tuple] = set()
    for row in rows:
        fingerprint = tuple(map(repr, row.values()))
        if fingerprint not in seen:
            seen.add(fingerprint)
            inputs.setdefault(str(row[record_id]), []).append(row)
    return inputs


def run(loaded, template: OutputTemplate, tables: dict | None = None) -> list[CheckResult]:
    """Check the project's sample generated outputs, if it declares any (``tables``: the sources the
    prepared plan opened)."""
    spec = loaded.answers.data_quality.generated_outputs
    if spec is None:
        return []
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    table = datasets.opened(sources[spec.input_dataset], loaded.project_dir, tables)
    reports = read_reports(loaded.project_dir / spec.path)
    inputs = input_records(table, spec.record_id, {str(r.get("record_id")) for r in reports})
    return check_reports(reports, Reading(template, inputs))
