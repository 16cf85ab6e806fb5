"""``wbk diff``: field-level changes between two record.json files, for audits between runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUMMARY_FIELDS = ("decision", "verdict", "temperature", "completeness", "status")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict) or "decision" not in data:
        raise ValueError(f"{path}: not a wbk record.json")
    return data


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested data as {dotted.path[i]: scalar}."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
        return out or {prefix: []}
    return {prefix: value}


def _changes(old: dict, new: dict, section: str) -> list[tuple[str, str, Any, Any]]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            out.append(("-", f"{section}{key}", old[key], None))
        elif key not in old:
            out.append(("+", f"{section}{key}", None, new[key]))
        elif old[key] != new[key]:
            out.append(("~", f"{section}{key}", old[key], new[key]))
    return out


def diff_records(old_path: Path, new_path: Path) -> list[tuple[str, str, Any, Any]]:
    old, new = _load(old_path), _load(new_path)
    changes = _changes({k: old.get(k) for k in SUMMARY_FIELDS}, {k: new.get(k) for k in SUMMARY_FIELDS}, "")
    for kind in ("blockers", "conditions"):
        before = {b["text"]: b["evidence"] for b in old.get(kind, [])}
        after = {b["text"]: b["evidence"] for b in new.get(kind, [])}
        changes += [("-", f"{kind}", text, None) for text in before if text not in after]
        changes += [("+", f"{kind}", None, text) for text in after if text not in before]
    checks_old = {
        c["id"]: {k: c[k] for k in ("status", "failed", "pass_rate")} for c in old.get("checks", [])
    }
    checks_new = {
        c["id"]: {k: c[k] for k in ("status", "failed", "pass_rate")} for c in new.get("checks", [])
    }
    changes += _changes(flatten(checks_old), flatten(checks_new), "checks.")
    changes += _changes(flatten(old.get("answers", {})), flatten(new.get("answers", {})), "answers.")
    changes += _changes(_coverage(old), _coverage(new), "frameworks.")
    return changes


def _coverage(record: dict) -> dict[str, str]:
    """Each framework item's status, by framework name and reference (e.g. eu_ai_act.Art. 10(3))."""
    return {
        f"{fc['name']}.{i['ref']}": i["status"] for fc in record.get("frameworks", []) for i in fc["items"]
    }


def format_changes(changes: list[tuple[str, str, Any, Any]]) -> str:
    if not changes:
        return "no changes"
    lines = []
    for sign, path, before, after in changes:
        if sign == "~":
            lines.append(f"~ {path}: {json.dumps(before, default=str)} -> {json.dumps(after, default=str)}")
        elif sign == "+":
            lines.append(f"+ {path}: {json.dumps(after, default=str)}")
        else:
            lines.append(f"- {path}: {json.dumps(before, default=str)}")
    return "\n".join(lines)
