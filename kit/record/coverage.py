"""The record's framework coverage (kit.decide.frameworks), shown and exported from record data.

Three views of record.json's ``frameworks``: one summary line per framework on the first screen,
the full table (a section of its own, every check, answer and person linked to where the record
shows it), and ``coverage.json`` beside the record, one object per item, for a GRC tool to import
(its JSON Schema: docs/coverage.schema.json, ``python -m kit.record.coverage``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kit.decide.frameworks import DISCLAIMER, STATUS_WORDS, FrameworkCoverage, Status, summary_line
from kit.record import links, render

COVERAGE_FILE = "coverage.json"
RECORD_HTML = "record.html"


def linked(fc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items of one framework's coverage, each evidence with the anchor that shows it."""
    return [
        {
            **item,
            "label": STATUS_WORDS[item["status"]][0],
            "checks": [{**c, "anchor": links.check_anchor(c["id"])} for c in item["checks"]],
            "not_run": [{**c, "anchor": links.check_anchor(c["id"])} for c in item.get("not_run", [])],
            "answers": [{"path": p, "anchor": links.answer_anchor(p)} for p in item["answers"]],
            # a member links to their row of the team section, an audit to its answer row
            "people": [{**p, "anchor": links.target(p["path"], {}).anchor} for p in item["people"]],
        }
        for item in fc["items"]
    ]


def summary_lines(frameworks: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """For the first screen: per framework its summary line and the anchor of its table."""
    return [
        {"text": summary_line(FrameworkCoverage.model_validate(fc)), "anchor": anchor(fc["name"])}
        for fc in frameworks
    ]


def anchor(name: str) -> str:
    return "framework-" + links.slug(name)


def section(frameworks: list[Mapping[str, Any]]) -> str:
    """The coverage section: per framework, its source, summary and item table."""
    return render.render(
        "frameworks.html.j2",
        frameworks=[
            {
                **fc,
                "anchor": anchor(fc["name"]),
                "summary": summary_line(FrameworkCoverage.model_validate(fc)),
                "rows": linked(fc),
            }
            for fc in frameworks
        ],
        disclaimer=DISCLAIMER,
    )


# --- coverage.json ------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Link(Strict):
    kind: str = Field(description="check, check_not_run, answer, role or audit")
    id: str = Field(description="the check id, answer path, or the member's or audit's answer path")
    status: str | None = Field(
        None, description="the check's status, or the sign-off's state / audit's last date"
    )
    href: str = Field(description="where record.html shows it, e.g. record.html#check-rule_id")


class CoverageItem(Strict):
    framework: str = Field(description="the framework's name, e.g. eu_ai_act")
    framework_version: str = Field(description="the source document's version the item comes from")
    reference: str = Field(description='the item\'s reference, e.g. "Art. 10(2)(f)" or "MEASURE 2.11"')
    text: str = Field(description="the kit's short paraphrase of the item")
    status: Status = Field(description="evidenced, checks_fail, answered, guarded or not_addressed")
    evidence: list[Link]


class CoverageFile(Strict):
    """coverage.json: the record's framework coverage, one object per item."""

    project: str
    as_of: str
    record: str = Field(description="the record this coverage belongs to, beside this file")
    statement: str = Field(description="what the mapping is and is not")
    items: list[CoverageItem]


def _links(row: Mapping[str, Any]) -> list[Link]:
    href = RECORD_HTML + "#"
    return (
        [Link(kind="check", id=c["id"], status=c["status"], href=href + c["anchor"]) for c in row["checks"]]
        + [
            Link(kind="check_not_run", id=c["id"], status=c["status"], href=href + c["anchor"])
            for c in row["not_run"]
        ]
        + [Link(kind="answer", id=a["path"], href=href + a["anchor"]) for a in row["answers"]]
        + [
            Link(kind=p["guard"], id=p["path"], status=p["state"], href=href + p["anchor"])
            for p in row["people"]
        ]
    )


def coverage_file(rec: Mapping[str, Any]) -> dict[str, Any]:
    """coverage.json's content, from a finished record's data."""
    items = [
        CoverageItem(
            framework=fc["name"],
            framework_version=f"{fc['document']}, {fc['version']}",
            reference=row["ref"],
            text=row["text"],
            status=row["status"],
            evidence=_links(row),
        )
        for fc in rec.get("frameworks", [])
        for row in linked(fc)
    ]
    data = CoverageFile(
        project=rec["project"], as_of=str(rec["as_of"]), record=RECORD_HTML, statement=DISCLAIMER, items=items
    )
    return data.model_dump(mode="json")


def coverage_json(rec: Mapping[str, Any]) -> str:
    return json.dumps(coverage_file(rec), indent=2, ensure_ascii=False) + "\n"


def json_schema() -> dict[str, Any]:
    schema = CoverageFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "wbk coverage.json"
    return schema


if __name__ == "__main__":
    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
