"""The record data the last step emits, read back for record.json (schema in
docs/record.schema.json), the executed notebooks made portable, and the portfolio index."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from kit import __version__
from kit.checks import families
from kit.record import render

# The design-record notebook displays its data under this mimetype; wbk run reads it from there.
RECORD_MIMETYPE = "application/vnd.wbk.record+json"


def emitted(steps: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """The record data the design-record step emitted (wb.emit_record), read from its output
    under RECORD_MIMETYPE; None when no step emitted it (the run stopped before)."""
    for _, nb in steps:
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if RECORD_MIMETYPE in output.get("data", {}):
                    return dict(output["data"][RECORD_MIMETYPE])
    return None


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
    counted = {f.name for f in families.DATA_QUALITY}
    checks = [c for c in record.get("checks", []) if c["family"] in counted]
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
