"""record.json (schema in docs/record.schema.json), provenance, and the portfolio index."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from kit import __version__
from kit.answers.inputs import project_files
from kit.answers.schema import SCHEMA_VERSION
from kit.paths import RUBRICS
from kit.record import render

RECORD_SCHEMA_VERSION = 1
# The design-record notebook displays its data under this mimetype; wbk run reads it from there.
RECORD_MIMETYPE = "application/vnd.wbk.record+json"


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


def portable(nb: Any, project_dir: Path) -> None:
    """An executed notebook without this machine's paths, in place: an error's traceback is cut
    to its message (its frames name files of this machine), and the project folder reads ".".
    A reader of the shared record needs what went wrong, not where the kit is installed."""
    folder = str(project_dir.resolve())
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = _without(output[key], folder)
            for mime, body in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = _without(body, folder)


def _without(value: Any, folder: str) -> Any:
    if isinstance(value, list):
        return [_without(v, folder) for v in value]
    return value.replace(folder + "/", "").replace(folder, ".") if isinstance(value, str) else value


def errored_checks(rec: dict[str, Any]) -> list[str]:
    """Ids of the checks of a record that could not run: never a pass, and never a silent exit 0."""
    return [c["id"] for c in rec.get("checks", []) if c.get("status") == "error"]


def data_quality_pass_rate(record: dict[str, Any]) -> float | None:
    """Rows (or reports) passing over rows checked, across data rules and output checks."""
    checks = [c for c in record.get("checks", []) if c["family"] in ("rule", "output")]
    total = sum(c["passed"] + c["failed"] for c in checks)
    return sum(c["passed"] for c in checks) / total if total else None


def index_html(rows: list[dict[str, Any]]) -> str:
    return render.render(
        "index.html.j2",
        rows=rows,
        kit_version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def dump(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n"
