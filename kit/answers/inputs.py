"""Every file a project's record depends on, listed once: the evidence cache is keyed by their
versions and the record's provenance names each with its sha256."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from kit.answers import yamlfile
from kit.answers.loading import ANSWERS_NAME
from kit.answers.template import resolve
from kit.findings import AnswersError
from kit.paths import RUBRICS

KIT_FILES = (RUBRICS / "solution_fit.yaml", RUBRICS / "roles.yaml")
CONNECTIONS_NAME = "connections.yaml"


def read_data(project_dir: Path) -> dict[str, Any]:
    """The answers as plain data, or {} when the file cannot be read (the run reports why)."""
    try:
        data = yamlfile.read(project_dir / ANSWERS_NAME).data
    except AnswersError:
        return {}
    return data if isinstance(data, dict) else {}


def project_files(project_dir: Path, answers: dict[str, Any] | None = None) -> list[Path]:
    """answers.yaml, connections.yaml, every sample file (globs expanded), the generated outputs,
    the output template and the kit's rubrics: those that exist, each once, in a stable order."""
    answers = read_data(project_dir) if answers is None else answers
    files = [project_dir / ANSWERS_NAME, project_dir / CONNECTIONS_NAME]
    for source in _get(answers, "problem_boundaries", "data", "sources") or []:
        sample = source.get("sample") if isinstance(source, dict) else None
        if isinstance(sample, str) and sample:
            files += (
                sorted(project_dir.glob(sample))
                if any(c in sample for c in "*?[")
                else [project_dir / sample]
            )
    generated = _get(answers, "data_quality", "generated_outputs")
    if isinstance(generated, dict) and isinstance(generated.get("path"), str):
        files.append(project_dir / generated["path"])
    template = _get(answers, "data_quality", "output_template")
    if isinstance(template, str):
        with contextlib.suppress(AnswersError):  # a missing template is reported by the run itself
            files.append(resolve(project_dir, template))
    files += KIT_FILES
    return [f for f in dict.fromkeys(files) if f.is_file()]


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
