"""A finding: one located message about a project's files, printed on one line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    file: str
    line: int  # 1-based; 0 when the finding concerns the whole file
    column: int  # 1-based; 0 when unknown
    path: str  # dotted field path, e.g. problem_boundaries.data.sources[2].licence
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        field = f" {_one_line(self.path)}:" if self.path else ""
        return f"{where}: {self.severity}:{field} {_one_line(self.message)}"


def _one_line(text: str) -> str:
    """Keys and values may hold line breaks; a finding stays on one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class AnswersError(Exception):
    """Raised when an answers file cannot be used; carries every finding, not only the first."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


def did_you_mean(value: str, choices, *, list_known: bool = False, cutoff: float = 0.6) -> str:
    """ "; did you mean 'x'?" for the closest choice, else (with list_known) "; known: a, b"."""
    choices = list(choices)
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=cutoff)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(map(str, choices))}" if list_known and choices else ""


def format_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part) if part not in ("", None) else '""'  # an empty key is still named
            out += f".{name}" if out else name
    return out


INDEX = re.compile(r"\[(\d+)\]")


def parse_path(path: str) -> tuple:
    """The inverse of format_path: "a.b[2].c" -> ("a", "b", 2, "c"). A key that itself holds
    brackets or dots (anything can be a YAML key) stays text rather than breaking the parse."""
    loc: list[Any] = []
    for part in path.split("."):
        name, bracket, rest = part.partition("[")
        indices = INDEX.findall(bracket + rest)
        if bracket and "".join(f"[{i}]" for i in indices) != bracket + rest:
            loc.append(part)  # not an index: a key with a bracket in it
            continue
        if name:
            loc.append(name)
        loc += [int(i) for i in indices]
    return tuple(loc)
