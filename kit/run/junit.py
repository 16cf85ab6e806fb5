"""``wbk run --junit FILE``: the batch as JUnit XML, the report every CI system reads.

One ``testsuite`` per project (in run order), one ``testcase`` per check of its record, and one per
blocker or condition that no check raised (a missing sign-off, a legal answer...). A check that
found failing rows (status fail or warn) is a ``failure`` whose type is its severity; a check that
could not run is an ``error``; a project whose run failed is one ``error`` test case. Each failure
carries the measured sentence of the record (the blocker or condition the check raised) and the
address of its evidence in record.html, so a CI page links straight to it, and the path to GO's
action(s) it belongs to (record.json ``path_to_go.actions``): owner, due date, overdue or not, and
how it closes, one line each (the common schema allows no properties on a test case).

The layout follows the common JUnit schema of Apache Ant's JUnit task (tests/schemas/JUnit.xsd):
``testsuites`` > ``testsuite`` (id, package, name, timestamp, hostname, counts, time) >
``properties``, ``testcase``\\*, ``system-out``, ``system-err``. Built from record.json data alone.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.record import links

NOT_PASSING = {"fail": "failure", "warn": "failure", "error": "error"}


@dataclass(frozen=True)
class Case:
    classname: str
    name: str
    outcome: str = ""  # "", "failure" or "error"
    kind: str = ""  # the failure's type: the check's severity, "blocker", "condition", or the error
    message: str = ""
    where: str = ""  # record.html#anchor, relative to the JUnit file
    actions: tuple[str, ...] = ()  # the path to GO's actions of this case, one line each


def junit_xml(projects: list[tuple[str, dict[str, Any], float, Path]], report: Path) -> str:
    """``projects``: (name, record data, seconds, record.html) per project, in run order."""
    root = ET.Element("testsuites")
    for number, (name, rec, seconds, page) in enumerate(projects):
        where = os.path.relpath(page, Path(report).resolve().parent)
        _suite(root, number, name, rec, seconds, where)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(root: ET.Element, number: int, name: str, rec: dict, seconds: float, page: str) -> None:
    cases = _cases(name, rec, page)
    suite = ET.SubElement(
        root,
        "testsuite",
        id=str(number),
        package=name,
        name=str(rec.get("project") or name),
        timestamp=_timestamp(rec),
        hostname=socket.gethostname() or "localhost",
        tests=str(len(cases)),
        failures=str(sum(c.outcome == "failure" for c in cases)),
        errors=str(sum(c.outcome == "error" for c in cases)),
        skipped="0",
        time=f"{seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for key in ("decision", "status", "as_of"):
        if rec.get(key):
            ET.SubElement(properties, "property", name=key, value=str(rec[key]))
    ET.SubElement(properties, "property", name="record", value=page)
    for case in cases:
        element = ET.SubElement(suite, "testcase", name=case.name, classname=case.classname, time="0")
        if case.outcome:
            detail = ET.SubElement(element, case.outcome, message=case.message, type=case.kind)
            detail.text = "\n".join((case.message, f"record: {case.where}", *case.actions))
    ET.SubElement(suite, "system-out").text = ""
    ET.SubElement(suite, "system-err").text = ""


def _cases(name: str, rec: dict, page: str) -> list[Case]:
    failure = rec.get("failure")
    if failure:
        message = f"{failure['step']}, cell {failure['cell']}: {failure['error']}"
        return [Case(f"{name}.run", "run", "error", failure["error"].split(":")[0], message, page)]
    checks = rec.get("checks", [])
    items = links.linked_items(rec, checks)
    said = {}
    for item in items:  # a check's measured sentence: the first blocker or condition it raised
        said.setdefault(item.evidence, item.text)
    actions = (rec.get("path_to_go") or {}).get("actions", [])
    cases = [
        _check_case(
            name,
            check,
            said.get(check["id"]),
            page,
            _lines(actions, lambda a, c=check: a["evidence"] == c["id"]),
        )
        for check in checks
    ]
    ids = {c["id"] for c in checks}
    for item in items:
        if item.evidence not in ids:
            cases.append(
                Case(
                    f"{name}.decision",
                    f"{item.severity} {item.number}: {item.evidence}",
                    "failure",
                    item.severity,
                    item.text,
                    f"{page}#{item.anchor}",
                    _lines(actions, lambda a, i=item: a["id"] == i.anchor),
                )
            )
    return cases


def _lines(actions: list[dict], belongs) -> tuple[str, ...]:
    """The actions that belong to a test case, as the lines its failure text ends with."""
    return tuple(
        f"action {a['id']}: owner {a['owner']}; due {a['due']}{' (overdue)' if a['overdue'] else ''}; "
        f"closes by {a['closes']}: {a['how']}"
        for a in actions
        if belongs(a)
    )


def _check_case(name: str, check: dict, sentence: str | None, page: str, actions: tuple[str, ...]) -> Case:
    outcome = NOT_PASSING.get(check["status"], "")
    classname = f"{name}.{check['family']}"
    if not outcome:
        return Case(classname, check["id"])
    if outcome == "error":
        message = f"could not run: {check.get('error') or 'no reason recorded'}"
        kind = (check.get("error") or "error").split(":")[0]
    else:
        total = check["passed"] + check["failed"]
        message = sentence or f"{check['failed']:,} of {total:,} failed"
        kind = check["severity"]
    where = f"{page}#{links.check_anchor(check['id'])}"
    return Case(classname, check["id"], outcome, kind, message, where, actions)


def _timestamp(rec: dict) -> str:
    """When the project ran, in UTC without a zone, as the schema's pattern wants."""
    executed = (rec.get("provenance") or {}).get("executed_at")
    moment = dt.datetime.fromisoformat(executed) if executed else dt.datetime.now(dt.UTC)
    if moment.tzinfo:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
