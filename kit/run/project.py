"""A project folder: its answers, output template and rule declarations, checked together."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kit.answers import loading as answers_io
from kit.answers import yamlfile
from kit.atomic import write_atomic
from kit.checks.prepared import Prepared
from kit.findings import AnswersError, Finding
from kit.paths import EXAMPLES, TEMPLATES


@dataclass
class Validation:
    project: str
    findings: list[Finding] = field(default_factory=list)
    completeness: answers_io.Completeness | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def ok(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def validate(project: str | Path) -> Validation:
    """Everything ``wbk validate`` reports about one project; never raises for bad input."""
    result = Validation(str(project))
    try:
        loaded, findings, schema_ok = answers_io.inspect(project)
    except AnswersError as exc:  # not YAML at all: nothing else can be checked
        result.findings = exc.findings
        return result
    as_of = loaded.answers.project.as_of if loaded.answers.project else None
    # The same prepared project and findings a run refuses on (kit.decide.evidence), so validate
    # and run never disagree; a salvaged file's missing parts are reported by the schema.
    semantic = Prepared(loaded, as_of, salvaged=not schema_ok).findings
    findings += answers_io.not_under(semantic, findings)
    if schema_ok:
        result.completeness = answers_io.completeness(loaded.answers)
        findings += answers_io.completeness_findings(loaded.answers, loaded.document)
    result.findings = answers_io.sorted_findings(findings)
    return result


def scaffold(target: Path, source: str | None = None) -> Path:
    """Create a project folder from the starter answers or from a named example."""
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} exists and is not empty")
    if source is None:
        origin = TEMPLATES / "starter"
    else:
        origin = EXAMPLES / source if (EXAMPLES / source).is_dir() else Path(source)
        if not (origin / answers_io.ANSWERS_NAME).is_file():
            known = ", ".join(sorted(p.name for p in EXAMPLES.iterdir() if (p / "answers.yaml").is_file()))
            raise FileNotFoundError(f"no example or project {source!r}; examples: {known}")
    shutil.copytree(
        origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    )
    path = target / answers_io.ANSWERS_NAME
    if source is None:  # a new project is evaluated as of the day it starts
        document = yamlfile.read(path)
        document.tree["project"]["as_of"] = dt.date.today()
        write_atomic(path, yamlfile.dump(document.tree))
    return path
