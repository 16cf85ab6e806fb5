"""Sign-offs: the hash of what a reviewer saw, and writing a sign-off back to answers.yaml.

What the hash covers (``content_sha256``): the validated answers as JSON
(``Answers.model_dump(mode="json", exclude_defaults=True)``), minus the fields in ``NOT_HASHED``,
serialised canonically (keys sorted, no spaces, UTF-8) and hashed with SHA-256. So:

- comments, key order, quoting and YAML layout never change it (they are not answers);
- writing a sign-off never changes it (every ``sign_off`` is left out), so one reviewer signing
  does not make the others stale, and two reviewers can sign the same version;
- moving ``project.as_of`` or the re-review intervals does not change it either: those say *when*
  and *how often* the answers are judged, not what was reviewed;
- acceptances are left out as sign-offs are: accepting a condition makes no sign-off stale;
- spelling a default out (``min_pass_rate: 1.0``) or leaving it out hashes the same;
- every other answer, including the team itself (roles, persons, what each validates), is covered.
  The sample data files are not: they are covered by record.json's provenance hashes.

Writing (``sign``) holds an exclusive lock on ``.answers.yaml.lock`` beside the file, re-reads and
re-validates the answers under it, refuses when their hash is not the one the reviewer saw, and
then changes only that member's ``sign_off`` in the round-trip tree: comments and order are kept,
the write is atomic, and a sign-off written by someone else a moment earlier is kept too.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kit.answers import loading as answers_io
from kit.answers import yamlfile
from kit.answers.schema import Answers
from kit.atomic import write_atomic
from kit.findings import Finding, format_path

# Paths left out of the hash; "*" stands for every item of a list.
NOT_HASHED: list[tuple[str, ...]] = [
    ("project", "as_of"),
    ("data_quality", "review_interval_days"),
    ("data_quality", "validation_team", "*", "sign_off"),
    ("data_quality", "validation_team", "*", "review_interval_days"),
    ("acceptances",),  # judgements about the answers, like sign-offs: accepting stales no one
]
DECISIONS = ("approved", "approved_with_conditions", "rejected")
NEEDS_NOTES = {"approved_with_conditions": "the conditions", "rejected": "why"}
LOCK_TIMEOUT_S = 30.0


class SignOffRefused(ValueError):
    """A sign-off that cannot be written; the message tells the reviewer what to do."""


class AnswersChanged(SignOffRefused):
    """The answers changed after the reviewer loaded them."""


def content_sha256(answers: Answers) -> str:
    data = answers.model_dump(mode="json", exclude_defaults=True)
    for path in NOT_HASHED:
        _drop(data, path)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _drop(node: Any, path: tuple[str, ...]) -> None:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(node, list):
        for item in node:
            _drop(item, rest)
    elif isinstance(node, dict) and head in node:
        if rest:
            _drop(node[head], rest)
        else:
            del node[head]


def date_findings(answers: Answers, document: yamlfile.Document, as_of: dt.date) -> list[Finding]:
    """A sign-off dated after as_of is an error: nobody can have signed what is judged later."""
    out = []
    for i, member in enumerate(answers.data_quality.validation_team):
        signed = member.sign_off.date
        if signed and signed > as_of:
            loc = ("data_quality", "validation_team", i, "sign_off", "date")
            line, column = document.locate(loc)
            out.append(
                Finding(
                    str(document.path),
                    line,
                    column,
                    format_path(loc),
                    f"signed on {signed}, after as_of {as_of}; a sign-off cannot postdate the day "
                    "the record is evaluated (move project.as_of forward or correct the date)",
                )
            )
    return out


@contextlib.contextmanager
def locked(path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """An exclusive lock for read-modify-write of ``path``. The lock is a separate file because
    atomic writes replace the answers file (a lock on its old inode would guard nothing)."""
    lock_path = path.with_name(f".{path.name}.lock")
    with open(lock_path, "a") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SignOffRefused(
                        f"{path} is locked by another writer for over {timeout_s:g} s; try again"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def member_index(answers: Answers, member: int | str) -> int:
    """A team member by position, by role, or by "role (person)" (case-insensitive)."""
    team = answers.data_quality.validation_team
    if isinstance(member, int):
        if 0 <= member < len(team):
            return member
        raise SignOffRefused(f"no team member {member}; the team has {len(team)}")
    wanted = member.strip().casefold()
    for keys in (lambda m: m.role, lambda m: f"{m.role} ({m.person})"):
        found = [i for i, m in enumerate(team) if keys(m).casefold() == wanted]
        if len(found) == 1:
            return found[0]
    roles = ", ".join(f"{m.role} ({m.person})" for m in team)
    raise SignOffRefused(f"no single team member {member!r}; the team: {roles}")


def _check_request(answers: Answers, decision: str, notes: str | None, date: dt.date) -> None:
    if decision not in DECISIONS:
        raise SignOffRefused(f"decision must be one of {', '.join(DECISIONS)}; got {decision!r}")
    if decision in NEEDS_NOTES and not (notes or "").strip():
        raise SignOffRefused(f"{decision.replace('_', ' ')}: write {NEEDS_NOTES[decision]} in the notes")
    as_of = answers.project.as_of
    if date > as_of:
        raise SignOffRefused(
            f"the answers are evaluated as of {as_of}; a sign-off dated {date} would be after it. "
            "Date it no later than that, or ask the analyst to move project.as_of forward"
        )


def sign(
    project: str | Path,
    member: int | str,
    decision: str,
    notes: str | None,
    date: dt.date,
    seen_sha256: str,
    evidence: dict[str, Any] | None = None,
) -> answers_io.Loaded:
    """Write one member's sign-off to the project's answers.yaml and return the answers as saved.

    Refuses (SignOffRefused) a bad request, and (AnswersChanged) answers whose hash is no longer
    ``seen_sha256``: the reviewer must reload and look again. Sign-offs by others are not changes.
    ``evidence``: what the reviewer saw of the decision (``evidence_sha256``, ``items_seen``, from
    kit.decide.seen), stored beside the answers hash so a later run can tell what is new.
    """
    path = answers_io.answers_path(project)
    with locked(path):
        loaded = answers_io.load(path)  # re-read under the lock: merge with whatever landed meanwhile
        current = content_sha256(loaded.answers)
        if current != seen_sha256:
            raise AnswersChanged(
                f"{path.name} changed since you loaded it (answers hash {seen_sha256[:12]}, now "
                f"{current[:12]}); reload the review page, check the changes, and sign again"
            )
        index = member_index(loaded.answers, member)
        _check_request(loaded.answers, decision, notes, date)
        data = copy.deepcopy(loaded.document.data)
        sign_off: dict[str, Any] = {"decision": decision, "date": date}
        if notes and notes.strip():
            sign_off["notes"] = notes.strip()
        sign_off["answers_sha256"] = current
        sign_off.update(evidence or {})
        data["data_quality"]["validation_team"][index]["sign_off"] = sign_off
        text = _spliced(loaded.document, index, sign_off)
        if text is None or _parsed(text) != data:
            return answers_io.save(loaded.document, data)  # block style or no sign_off yet: via the tree
        answers_io.validate_data(loaded.document, data)
        write_atomic(path, text)
        return answers_io.load(path)


# --- the smallest edit: replace the text of one flow-style sign_off, leave every other byte ---------

TEXT_WIDTH = 100


def _spliced(document: yamlfile.Document, index: int, sign_off: dict[str, Any]) -> str | None:
    """The file's text with member ``index``'s ``sign_off: {...}`` rewritten in place, or None
    when that sign_off is not a flow mapping (the round-trip tree writes it then)."""
    node = _node(document.root, ("data_quality", "validation_team", index, "sign_off"))
    if not isinstance(node, MappingNode) or not node.flow_style:
        return None
    text = document.path.read_bytes().decode("utf-8-sig")
    if _parsed(text) != document.data:  # a writer that does not take the lock changed it just now
        raise AnswersChanged(f"{document.path.name} changed while signing; reload and sign again")
    start, end = node.start_mark, node.end_mark
    items = [f"{key}: {_scalar(value)}" for key, value in sign_off.items()]
    return text[: start.index] + _flow(items, start.column) + text[end.index :]


def _node(node: Node, loc: tuple) -> Node | None:
    for part in loc:
        if isinstance(node, MappingNode):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
        if node is None:
            return None
    return node


def _scalar(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.replace("_", "").isalnum():
        return value  # decisions and hashes: plain
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted one


def _flow(items: list[str], column: int) -> str:
    """``{a: 1, b: 2,`` wrapped at TEXT_WIDTH, continuation lines aligned after the brace."""
    lines, line = [], "{"
    for i, item in enumerate(items):
        piece = item + ("}" if i == len(items) - 1 else ",")
        if line != "{" and column + len(line) + 1 + len(piece) > TEXT_WIDTH:
            lines.append(line)
            line = " " * (column + 1) + piece
        else:
            line = f"{line}{piece}" if line == "{" else f"{line} {piece}"
    return "\n".join([*lines, line])


def _parsed(text: str) -> Any:
    return yamlfile.plain(yamlfile.round_trip().load(text))
