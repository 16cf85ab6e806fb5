"""Provenance of a record: which kit, schema and answers made it, every input file by its
SHA-256, the run's parameters and when it ran. record.json carries it; wbk diff compares it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from kit import __version__
from kit.answers.inputs import project_files
from kit.answers.schema import SCHEMA_VERSION
from kit.paths import RUBRICS

RECORD_SCHEMA_VERSION = 1


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def provenance(project_dir: Path, answers: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    def name(path: Path) -> str:
        try:
            return str(path.relative_to(project_dir))
        except ValueError:
            return f"kit:{path.relative_to(RUBRICS.parent.parent)}"

    return {
        "kit_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "record_schema_version": RECORD_SCHEMA_VERSION,
        "answers_sha256": sha256(project_dir / "answers.yaml"),
        "inputs": {name(p): sha256(p) for p in project_files(project_dir, answers)},
        "parameters": {k: v for k, v in parameters.items() if k != "show_form"},
        "executed_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
