"""Output templates: the exact output, section by section, and where each field comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from kit.answers import yamlfile
from kit.findings import AnswersError, Finding, format_path
from kit.paths import TEMPLATES


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    type: Literal["string", "text", "number", "range", "flag", "loinc", "ucum", "date"]
    input: str | None = None
    source: str | None = None
    generated: bool = False

    @model_validator(mode="after")
    def _supplied_or_generated(self):
        if not self.generated and not (self.input and self.source):
            raise ValueError("give input and source, or mark the field generated: true")
        return self


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    required: bool = True
    repeated: bool = False
    key: str | None = None  # field that matches a repeated entry to its input row
    fields: list[TemplateField]


class OutputTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    format: Literal["jsonl", "json", "text"] = "jsonl"
    sections: list[Section]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def resolve(project_dir: Path, reference: str) -> Path:
    """A template is looked up in the project first, then in the kit's templates/ folder."""
    for base in (project_dir, TEMPLATES):
        candidate = (base / reference).resolve()
        if candidate.is_file():
            return candidate
    raise AnswersError(
        [
            Finding(
                str(project_dir / "answers.yaml"),
                0,
                0,
                "data_quality.output_template",
                f"template {reference!r} not found in the project folder or in the kit's templates folder",
            )
        ]
    )


def load(project_dir: Path, reference: str) -> OutputTemplate:
    path = resolve(project_dir, reference)
    document = yamlfile.read(path)
    try:
        return OutputTemplate.model_validate(document.data)
    except ValidationError as exc:
        findings = []
        for err in exc.errors():
            line, column = document.locate(tuple(err["loc"]))
            findings.append(Finding(str(path), line, column, format_path(tuple(err["loc"])), err["msg"]))
        raise AnswersError(findings) from None


def load_for(loaded) -> OutputTemplate:
    """The template a loaded project's answers name; a name that finds no file is located on its
    line of the answers file, like every other answer's problem."""
    try:
        return load(loaded.project_dir, loaded.answers.data_quality.output_template)
    except AnswersError as exc:
        raise AnswersError([_located(loaded.document, f) for f in exc.findings]) from None


def _located(document: yamlfile.Document, finding: Finding) -> Finding:
    if finding.path == "data_quality.output_template" and not finding.line:
        return document.finding(("data_quality", "output_template"), finding.message)
    return finding
