"""Reading and writing YAML safely, with a location for every node and atomic saves.

Reading composes the node tree once: it gives every value its line and column, lets us refuse
tags and aliases before anything is constructed, and is then constructed into the round-trip tree. Writing goes through ruamel's round-trip
mode so an analyst's comments and key order survive a save.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kit.findings import AnswersError, Finding, Severity, format_path

MAX_BYTES = 2 * 1024 * 1024
CORE = "tag:yaml.org,2002:"
KEY_ON_LINE = re.compile(r"\s*(?:-\s+)?([^\s:#'\"][^:#]*?)\s*:(?:\s|$)")
ALLOWED_TAGS = {CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


def round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


@dataclass
class Document:
    """A parsed YAML file: plain data for validation, the round-trip tree for saving."""

    path: Path
    data: Any  # plain dicts, lists and scalars
    tree: Any  # ruamel CommentedMap, keeps comments
    root: Node  # composed nodes, for locations

    def locate(self, loc: tuple) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node that ``loc`` reaches."""
        node = self.root
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def finding(
        self, loc: tuple, message: str, severity: Severity = "error", *, key: bool = False
    ) -> Finding:
        """A Finding located at ``loc`` (at its key with ``key=True``, e.g. for an unknown key)."""
        line, column = self.locate_key(loc) if key else self.locate(loc)
        return Finding(str(self.path), line, column, format_path(loc), message, severity)

    def locate_key(self, loc: tuple) -> tuple[int, int]:
        """Line and column of the key of the last element of ``loc`` (for unknown keys)."""
        node = self.root
        for part in loc[:-1]:
            child = _child(node, part)
            if child is None:
                return self.locate(loc)
            node = child
        if isinstance(node, MappingNode):
            for key, _ in node.value:
                if key.value == loc[-1]:
                    return key.start_mark.line + 1, key.start_mark.column + 1
        return self.locate(loc)


def _child(node: Node, part: Any) -> Node | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def read(path: Path) -> Document:
    """Parse ``path`` or raise AnswersError naming the file, line and column of each problem."""
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AnswersError([Finding(name, 0, 0, "", "file not found")]) from None
    except OSError as exc:
        raise AnswersError([Finding(name, 0, 0, "", f"cannot read: {exc.strerror}")]) from None
    if path.is_dir():
        raise AnswersError([Finding(name, 0, 0, "", "is a folder, expected a YAML file")])
    if size > MAX_BYTES:
        raise AnswersError(
            [Finding(name, 0, 0, "", f"file is {size:,} bytes; answers files are limited to {MAX_BYTES:,}")]
        )
    text = _decode(name, path.read_bytes())
    yaml = round_trip()
    try:
        root = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        raise AnswersError(
            [_marked(name, exc, field_at(text, exc.problem_mark or exc.context_mark))]
        ) from None
    except YAMLError as exc:
        raise AnswersError([_unmarked(name, text, f"not valid YAML: {exc}")]) from None
    except Exception as exc:  # ruamel's round-trip reader fails inside on some inputs (comment overlap)
        message = f"YAML the reader cannot read here ({type(exc).__name__}: {exc})"
        raise AnswersError([_unmarked(name, text, message)]) from None
    if root is None:
        raise AnswersError([Finding(name, 0, 0, "", "file is empty")])
    problems = list(_check_nodes(name, root, text))
    if problems:
        raise AnswersError(problems)
    try:
        tree = yaml.constructor.construct_document(root)  # from the nodes already composed: one parse
    except MarkedYAMLError as exc:
        raise AnswersError(
            [_marked(name, exc, field_at(text, exc.problem_mark or exc.context_mark))]
        ) from None
    except (YAMLError, ValueError, TypeError) as exc:
        raise AnswersError([_unmarked(name, text, f"not valid YAML: {exc}")]) from None
    if not isinstance(tree, CommentedMap):
        kind = "a list" if isinstance(tree, CommentedSeq) else f"a {type(tree).__name__}"
        raise AnswersError([Finding(name, 1, 1, "", f"the file holds {kind}; expected a mapping of keys")])
    return Document(path, plain(tree), tree, root)


def _decode(name: str, raw: bytes) -> str:
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise AnswersError(
            [Finding(name, line, 0, "", "binary content (NUL byte); expected UTF-8 YAML text")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise AnswersError(
            [Finding(name, line, column, "", "not UTF-8 text; save the file as UTF-8")]
        ) from None


def _marked(name: str, exc: MarkedYAMLError, field: str = "") -> Finding:
    mark = exc.problem_mark or exc.context_mark
    problem = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "not valid YAML"
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return Finding(name, line, column, field, f"YAML syntax: {problem}{_hint(problem)}")


# Plain-language hints for the YAML mistakes people make in free text.
COLON = "a colon and a space inside unquoted text start a new key: put the text in quotes"
HINTS = {
    "mapping values are not allowed here": COLON + " or write it on the next lines after '>-'",
    "but got ':'": COLON,
    "found character '\\t'": "YAML indents with spaces, not tabs",
}


def _hint(problem: str) -> str:
    return next((f" ({hint})" for known, hint in HINTS.items() if known in problem), "")


def located_events(text: str):
    """(parser event, field path) for each event of ``text``, raising YAMLError where the syntax
    breaks. The path follows a stack of open mappings (their current key) and sequences (their
    current index), as a reader follows the indentation."""
    frames: list[list] = []  # ["map", key or None, expecting a key] | ["seq", index]
    for event in round_trip().parse(io.StringIO(text)):
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            frames.pop()
            _value_done(frames)
        elif isinstance(event, ScalarEvent | AliasEvent | MappingStartEvent | SequenceStartEvent):
            parent = frames[-1] if frames else None
            if parent and parent[0] == "map" and parent[2]:  # this event is a key
                parent[1], parent[2] = getattr(event, "value", None), False
                if isinstance(event, ScalarEvent):
                    yield event, _path(frames)
                    continue
            if parent and parent[0] == "seq":
                parent[1] += 1
            yield event, _path(frames)
            if isinstance(event, MappingStartEvent):
                frames.append(["map", None, True])
            elif isinstance(event, SequenceStartEvent):
                frames.append(["seq", -1])
            else:
                _value_done(frames)
            continue
        yield event, _path(frames)


def _path(frames: list[list]) -> tuple:
    return tuple(f[1] for f in frames if f[1] is not None and f[1] != -1)


def _value_done(frames: list[list]) -> None:
    if frames and frames[-1][0] == "map":
        frames[-1][2] = True


def last_event(text: str, mark=None) -> tuple[int, int, tuple]:
    """Line, column (0-based) and field path of the last event that starts at or before ``mark``
    (or before the reading breaks, whatever breaks it)."""
    where = (mark.line, mark.column) if mark is not None else None
    found: tuple[int, int, tuple] = (0, 0, ())
    try:
        for event, path in located_events(text):
            start = (event.start_mark.line, event.start_mark.column)
            if where is not None and start > where:
                break
            found = (*start, path)
    except Exception:  # a syntax error, or ruamel failing inside: either way reading stops here
        pass
    return found


def field_at(text: str, mark=None) -> str:
    """The field at ``mark`` (a parser mark), or where the syntax broke; failing that (a break
    between documents), the key written on the mark's line; "" only when there is none."""
    found = last_event(text, mark)[2]
    if found or mark is None:
        return format_path(found)
    lines = text.splitlines()
    written = KEY_ON_LINE.match(lines[mark.line]) if mark.line < len(lines) else None
    return written.group(1) if written else ""


def _unmarked(name: str, text: str, message: str) -> Finding:
    """An error without a position of its own: placed where reading stopped."""
    line, column, path = last_event(text)
    return Finding(name, line + 1, column + 1, format_path(path), message)


def _aliases(name: str, text: str):
    for event, path in located_events(text):
        if isinstance(event, AliasEvent):
            mark = event.start_mark
            yield Finding(
                name,
                mark.line + 1,
                mark.column + 1,
                format_path(path),
                f"aliases (*{event.anchor}) are not supported; write the value out",
            )


def _check_nodes(name: str, root: Node, text: str):
    """Refuse explicit tags, aliases and impossible dates, each at its own line and field."""
    seen: set[int] = set()
    stack: list[tuple[Node, tuple]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if id(node) in seen:  # an alias: the parser's events know where it stands
            yield from _aliases(name, text)
            return
        seen.add(id(node))
        tag, field = str(node.tag), format_path(loc)
        if tag not in ALLOWED_TAGS:
            yield Finding(name, line, column, field, f"YAML tag {tag!r} is not allowed in an answers file")
        elif tag == CORE + "timestamp" and not _valid_timestamp(node.value):
            yield Finding(name, line, column, field, f"{node.value!r} is not a real date (YYYY-MM-DD)")
        if isinstance(node, MappingNode):  # pushed in reverse: the walk follows document order
            for key, value in reversed(node.value):
                inner = (*loc, key.value if isinstance(key, ScalarNode) else str(key.value))
                stack.extend(((value, inner), (key, inner)))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed([(item, (*loc, i)) for i, item in enumerate(node.value)]))


def _valid_timestamp(value: str) -> bool:
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def plain(value: Any) -> Any:
    """ruamel's round-trip types as plain Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.datetime):
        return dt.datetime(*value.timetuple()[:6])
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return str(value)


def merge(tree: Any, new: Any) -> Any:
    """Update a round-trip tree in place to equal ``new``, keeping comments on surviving keys and
    the original spelling (quotes, folding, 0.40) of every value that did not change."""
    if plain(tree) == new:
        return tree
    if isinstance(tree, CommentedMap) and isinstance(new, dict):
        for key in [k for k in tree if k not in new]:
            del tree[key]
        for key, value in new.items():
            tree[key] = merge(tree[key], value) if key in tree else value
        return tree
    if isinstance(tree, CommentedSeq) and isinstance(new, list):
        del tree[len(new) :]
        for i, value in enumerate(new):
            if i < len(tree):
                tree[i] = merge(tree[i], value)
            else:
                tree.append(value)
        return tree
    return new


def dump(tree: Any) -> str:
    buffer = io.StringIO()
    round_trip().dump(tree, buffer)
    return buffer.getvalue()
