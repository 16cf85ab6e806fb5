"""The answers file: load it with located errors, check its cross-references, save it atomically."""

from __future__ import annotations

import difflib
import glob
import types
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from kit.answers import frameworks, yamlfile
from kit.answers.schema import RENAMED_SEVERITIES, SEVERITIES, Answers
from kit.atomic import write_atomic
from kit.findings import AnswersError, Finding, did_you_mean, format_path, parse_path

ANSWERS_NAME = "answers.yaml"


def answers_path(project: str | Path) -> Path:
    """A project is a folder holding answers.yaml; a path to the YAML file itself works too."""
    path = Path(project)
    return path if path.suffix in {".yaml", ".yml"} else path / ANSWERS_NAME


@dataclass
class Loaded:
    answers: Answers
    document: yamlfile.Document
    warnings: list[Finding] = field(default_factory=list)

    @property
    def project_dir(self) -> Path:
        return self.document.path.parent


def load(project: str | Path) -> Loaded:
    """Load and validate a project's answers, raising AnswersError with every problem found."""
    path = answers_path(project)
    document = yamlfile.read(path)
    answers = validate_data(document, document.data)
    problems = check_references(answers, document)
    errors = [f for f in problems if f.severity == "error"]
    if errors:
        raise AnswersError(errors)
    return Loaded(
        answers,
        document,
        [f for f in problems if f.severity == "warning"] + completeness_findings(answers, document),
    )


def inspect(project: str | Path) -> tuple[Loaded, list[Finding], bool]:
    """Every problem of an answers file in one pass, for ``wbk validate``: schema errors, and the
    reference checks run on whatever part of the file does validate (see ``salvage``), so fixing
    one problem never reveals the next. Returns the (possibly salvaged) answers, the findings
    (``sorted_findings`` orders them by line) and whether the schema held. Raises AnswersError
    only when the file cannot be read as YAML at all."""
    document = yamlfile.read(answers_path(project))
    try:
        answers, schema = validate_data(document, document.data), []
    except AnswersError as exc:
        answers, schema = salvage(Answers, document.data), exc.findings
    loaded = Loaded(answers, document)
    semantic = check_references(answers, document)
    return loaded, schema + not_under(semantic, schema), not schema


def not_under(findings: list[Finding], errors: list[Finding]) -> list[Finding]:
    """Findings that say something new: not at or under the path of a schema error (a salvaged
    field that failed is left empty, and its emptiness is no second problem)."""
    broken = [parse_path(e.path) for e in errors if e.path]
    return [f for f in findings if not any(parse_path(f.path)[: len(b)] == b for b in broken)]


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.line or 10**9, f.column, f.path))


def salvage(model: type[BaseModel], raw: Any) -> Any:
    """What validates of ``raw``, field by field, as a ``model`` built without validation. A field
    that fails is left empty ([], {}, "" or its default) and an invalid list item or nested
    part is salvaged the same way, so its id and valid fields still take part in the checks."""
    raw = raw if isinstance(raw, dict) else {}
    probe, values = model.model_construct(), {}
    for name, info in model.model_fields.items():
        if name in raw:
            try:  # validates this one field with all its constraints
                model.__pydantic_validator__.validate_assignment(probe, name, raw[name])
                values[name] = probe.__dict__[name]
                continue
            except ValidationError:
                pass
        values[name] = _salvaged_value(info, raw.get(name))
    return model.model_construct(**values)


def _salvaged_value(info: Any, value: Any) -> Any:
    annotation = info.annotation
    inner = _inner_model(annotation)
    is_model = isinstance(inner, type) and issubclass(inner, BaseModel)
    if typing.get_origin(annotation) is list:
        items = value if isinstance(value, list) else []
        return [salvage(inner, item) for item in items] if is_model else []
    if is_model and info.is_required():
        return salvage(inner, value)
    if typing.get_origin(annotation) is dict:
        return {}
    default = info.get_default(call_default_factory=True)
    return "" if default is PydanticUndefined else default  # "": no id, no check, no column


def validate_data(document: yamlfile.Document, data: Any) -> Answers:
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        raise AnswersError([_locate_error(document, err) for err in exc.errors()]) from None


def _locate_error(document: yamlfile.Document, err: dict) -> Finding:
    loc = tuple(err["loc"])
    kind = err["type"]
    message = err["msg"]
    if kind == "extra_forbidden":
        line, column = document.locate_key(loc)
        message = f"unknown key {loc[-1]!r}" + _did_you_mean(loc)
    else:
        line, column = document.locate(loc)
        question = _description(loc)
        if kind == "missing":
            message = "missing" + (f": {question}" if question else "")
        elif kind == "string_too_short" and err.get("ctx", {}).get("min_length") == 1:
            message = "is empty" + (f": {question}" if question else "")
        elif kind == "too_short" and err.get("ctx", {}).get("min_length") == 1:
            message = "needs at least one item" + (f": {question}" if question else "")
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {_short(err['input'])})"
    return Finding(str(document.path), line, column, format_path(loc), message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _description(loc: tuple) -> str:
    """The question a field answers, from its schema description."""
    names = [p for p in loc if isinstance(p, str)]
    model = model_at(loc[:-1]) if loc and isinstance(loc[-1], str) else None
    if model is None or not names or names[-1] not in model.model_fields:
        return ""
    return model.model_fields[names[-1]].description or ""


def _did_you_mean(loc: tuple) -> str:
    model = model_at(loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(model.model_fields)}"


def model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``loc`` (list indices skipped)."""
    model: Any = Answers
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """Unwrap Optional[...] and list[...] down to a model class, if there is one."""
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation


# --- cross-references: kept out of pydantic validators so each reports its own reason ---------


def _renamed_severities(data: Any) -> list[tuple[int, str]]:
    """(rule index, old word) of every rule whose severity is written with an old name: the model
    only sees the new word, so the file as written is read here."""
    dq = data.get("data_quality") if isinstance(data, dict) else None
    rules = dq.get("rules") if isinstance(dq, dict) else None
    return [
        (i, rule["severity"])
        for i, rule in enumerate(rules if isinstance(rules, list) else [])
        if isinstance(rule, dict)
        and isinstance(rule.get("severity"), str)
        and rule["severity"] in RENAMED_SEVERITIES
    ]


def check_references(answers: Answers, document: yamlfile.Document) -> list[Finding]:
    findings: list[Finding] = []

    def add(loc: tuple, message: str, severity: str = "error") -> None:
        line, column = document.locate(loc)
        findings.append(Finding(str(document.path), line, column, format_path(loc), message, severity))

    pb, dq, ds = answers.problem_boundaries, answers.data_quality, answers.data_strategy
    lists = {
        ("problem_boundaries", "data", "sources"): pb.data.sources,
        ("problem_boundaries", "legal", "risks"): pb.legal.risks,
        ("data_quality", "rules"): dq.rules,
        ("data_quality", "unacceptable_outputs"): dq.unacceptable_outputs,
        ("data_strategy", "maintenance", "audits"): ds.maintenance.audits,
        ("data_strategy", "maintenance", "bias_checks"): ds.maintenance.bias_checks,
    }
    for loc, items in lists.items():
        counts = Counter(item.id for item in items)
        for i, item in enumerate(items):
            if counts[item.id] > 1:
                add((*loc, i, "id"), f"id {item.id!r} is used {counts[item.id]} times; ids must be unique")

    sources = {s.id for s in pb.data.sources}
    outputs = dq.generated_outputs
    datasets = sources | ({outputs.id} if outputs else set())
    for i, rule in enumerate(dq.rules):
        if rule.dataset not in datasets:
            add(
                ("data_quality", "rules", i, "dataset"),
                f"no source with id {rule.dataset!r}{did_you_mean(rule.dataset, sorted(datasets))}",
            )
        for j, item in enumerate(rule.join):
            if item.dataset not in sources:
                add(
                    ("data_quality", "rules", i, "join", j, "dataset"),
                    f"no source with id {item.dataset!r}{did_you_mean(item.dataset, sorted(sources))}",
                )
    if outputs:
        for j, item in enumerate(outputs.joins):
            if item.dataset not in sources:
                add(
                    ("data_quality", "generated_outputs", "joins", j, "dataset"),
                    f"no source with id {item.dataset!r}{did_you_mean(item.dataset, sorted(sources))}",
                )
        if outputs.id in sources:
            add(("data_quality", "generated_outputs", "id"), f"{outputs.id!r} is already a source's id")
    for i, check in enumerate(ds.maintenance.bias_checks):
        if check.dataset not in sources:
            add(
                ("data_strategy", "maintenance", "bias_checks", i, "dataset"),
                f"no source with id {check.dataset!r}",
            )
        total = sum(check.reference_shares.values())
        if abs(total - 1) > 0.01:
            add(
                ("data_strategy", "maintenance", "bias_checks", i, "reference_shares"),
                f"reference shares sum to {total:.3f}, expected 1",
            )
    for i, monitor in enumerate(ds.maintenance.source_monitoring):
        if monitor.source not in sources:
            add(
                ("data_strategy", "maintenance", "source_monitoring", i, "source"),
                f"no source with id {monitor.source!r}",
            )
    for i, audit in enumerate(ds.maintenance.audits):
        if audit.source and audit.source not in sources:
            add(
                ("data_strategy", "maintenance", "audits", i, "source"), f"no source with id {audit.source!r}"
            )
    input_at = ("input", "dataset") if outputs and "input" in outputs.model_fields_set else ("input_dataset",)
    if dq.generated_outputs and dq.generated_outputs.input_dataset not in sources:
        add(
            ("data_quality", "generated_outputs", *input_at),
            f"no source with id {dq.generated_outputs.input_dataset!r}",
        )
    elif dq.generated_outputs and not next(
        s.sample or (s.connection and s.table)
        for s in pb.data.sources
        if s.id == dq.generated_outputs.input_dataset
    ):
        add(
            ("data_quality", "generated_outputs", *input_at),
            f"source {dq.generated_outputs.input_dataset!r} has no sample file or table to check the outputs against",
        )

    for i, old in _renamed_severities(document.data):
        new = RENAMED_SEVERITIES[old]
        add(
            ("data_quality", "rules", i, "severity"),
            f"{old!r} is the old name of {new!r} ({SEVERITIES[new]}); write severity: {new}",
            "warning",
        )

    for i, item in enumerate(dq.unacceptable_outputs):
        if not item.caught_by:
            add(
                ("data_quality", "unacceptable_outputs", i, "caught_by"),
                "nothing catches this unacceptable output",
                "warning",
            )

    findings += frameworks.answer_findings(answers, document)
    project_dir = document.path.parent
    for i, source in enumerate(pb.data.sources):
        if source.sample and not _sample_exists(project_dir, source.sample):
            add(("problem_boundaries", "data", "sources", i, "sample"), f"file not found: {source.sample}")
    if outputs and outputs.path and not _sample_exists(project_dir, outputs.path):
        add(("data_quality", "generated_outputs", "path"), f"file not found: {outputs.path}")
    return findings


def _sample_exists(project_dir: Path, sample: str) -> bool:
    """A sample file, or a glob (data/claims-*.parquet) that matches at least one file."""
    if glob.has_magic(sample):
        return any(p.is_file() for p in project_dir.glob(sample))
    return (project_dir / sample).is_file()


# --- completeness ----------------------------------------------------------------------------


@dataclass
class Completeness:
    filled: int
    total: int
    missing: list[str]

    @property
    def ratio(self) -> float:
        return self.filled / self.total if self.total else 1.0


def completeness(answers: Answers) -> Completeness:
    """Share of required and recommended fields that hold a value, walking every list item."""
    filled, total, missing = 0, 0, []
    for loc, value, importance in _walk(answers, ()):
        if importance not in ("required", "recommended"):
            continue
        total += 1
        if value in (None, "", [], {}):
            if importance == "recommended":
                missing.append(format_path(loc))
        else:
            filled += 1
    return Completeness(filled, total, missing)


def _walk(model: BaseModel, loc: tuple):
    skip = model.not_applicable() if hasattr(model, "not_applicable") else set()
    for name, info in type(model).model_fields.items():
        if name in skip:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        value = getattr(model, name)
        yield (*loc, name), value, extra.get("x-importance", "optional")
        if isinstance(value, BaseModel):
            yield from _walk(value, (*loc, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _walk(item, (*loc, name, i))


def completeness_findings(answers: Answers, document: yamlfile.Document) -> list[Finding]:
    out = []
    for path in completeness(answers).missing:
        loc = parse_path(path)
        line, column = document.locate(loc)
        out.append(Finding(str(document.path), line, column, path, "recommended field is empty", "warning"))
    return out


# --- saving ----------------------------------------------------------------------------------


def to_data(answers: Answers) -> dict:
    """Answers as YAML-ready data: dates stay dates, empty optional values are left out."""
    return answers.model_dump(mode="python", exclude_none=True)


def _like(value: Any, given: Any) -> Any:
    """``value`` (validated, normalised) limited to the keys the caller gave: no defaults added."""
    if isinstance(value, dict) and isinstance(given, dict):
        return {k: _like(v, given[k]) for k, v in value.items() if k in given}
    if isinstance(value, list) and isinstance(given, list):
        return [_like(v, g) for v, g in zip(value, given, strict=False)]
    return value


def save(document: yamlfile.Document, data: dict) -> Loaded:
    """Validate ``data`` and write it over the answers file, keeping comments; atomic."""
    answers = validate_data(document, data)
    problems = [f for f in check_references(answers, document) if f.severity == "error"]
    if problems:
        raise AnswersError(problems)
    new = _like(to_data(answers), data)
    if yamlfile.plain(document.tree) == new:
        return Loaded(answers, document)  # nothing changed: leave the file and its layout alone
    tree = yamlfile.merge(document.tree, new)
    write_atomic(document.path, yamlfile.dump(tree))
    return load(document.path)
