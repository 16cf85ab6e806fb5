"""Where each piece of evidence lives in the record, and what kind of problem an item is.

Every blocker and condition names its evidence: a check id (``unit_present``, ``source.guidelines``)
or an answer path (``data_quality.validation_team[2].sign_off``). These functions turn that name
into the id of the element that shows it, so the record links from the item to its cause and back.
They read plain record data (ids, families, statuses), so the first screen, built from record.json,
and the step blocks, built from the evidence, agree on every id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kit.checks import families

# The kinds a reader counts on the first screen, in the order they read them; a check family's
# entry (kit.checks.families) says which of them its checks count under.
KINDS = {
    "error": "Could not be checked",
    "data_quality": "Data quality",
    "sources": "Sources and audits",
    "legal": "Legal and risk",
    "bias": "Bias",
    "team": "Team sign-off",
    "fit": "GenAI fit",
}

# Answer paths with an element of their own, first match wins; anything else links to its answer row.
# "{0}" is the first group, "{slug}" the whole path id-safe; the legal register gives each of its
# issues the id legal-<slug of the evidence>.
PATH_TARGETS: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"data_quality\.validation_team\[(\d+)\]"), "member-{0}", "team"),
    (re.compile(r"problem_boundaries\.data\.sources\[\d+\]\.licence"), "legal-{slug}", "legal"),
    (re.compile(r"data_quality\.output_template"), "lineage-gaps", "data_quality"),
    (re.compile(r"problem_boundaries\.appropriateness"), "", "fit"),
    (re.compile(r"problem_boundaries\.legal"), "legal-{slug}", "legal"),
]


def slug(text: str) -> str:
    """An id-safe form of a check id or path: letters, digits, '_' and '-' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def check_anchor(check_id: str) -> str:
    return "check-" + slug(check_id)


def answer_anchor(path: str) -> str:
    """The answers table row of a path; inside a list of records, the record's row."""
    cut = re.match(r"[^\[]*(\[\d+\])?", path).group(0)
    return "answer-" + slug(cut)


def legal_anchor(evidence: str) -> str:
    return "legal-" + slug(evidence)


def source_anchor(source_id: str) -> str:
    return "source-" + slug(source_id)


@dataclass(frozen=True)
class Target:
    anchor: str  # element id in the record
    kind: str  # a key of KINDS
    label: str  # the target's name as a reader sees it (also its printed name)


def target(evidence: str, checks: Mapping[str, Mapping]) -> Target:
    """Where the evidence of an item is shown and which kind of problem it is.
    ``checks`` maps check id to its summary (family, status)."""
    if evidence in checks:
        check = checks[evidence]
        kind = (
            "error"
            if check.get("status") == "error"
            else families.family(check.get("family", "")).first_screen
        )
        return Target(check_anchor(evidence), kind, f"{check.get('family', 'check')} check {evidence}")
    for pattern, anchor, kind in PATH_TARGETS:
        found = pattern.match(evidence)
        if found:
            where = anchor.format(*found.groups(), slug=slug(evidence)) if anchor else answer_anchor(evidence)
            return Target(where, kind, evidence)
    return Target(answer_anchor(evidence), "data_quality", evidence)


@dataclass(frozen=True)
class Linked:
    """A blocker or condition with its place in the record and its evidence's place."""

    severity: str  # "blocker" or "condition"
    number: int  # from 1 within its severity, in the decision's order
    text: str
    evidence: str
    target: Target

    @property
    def anchor(self) -> str:
        """Its element id: "blocker-1", "condition-3"."""
        return f"{self.severity}-{self.number}"


def linked_items(decision: Mapping, checks: Iterable[Mapping]) -> list[Linked]:
    """Blockers then conditions of a decision (record data), numbered from 1 within each list."""
    by_id = {c["id"]: c for c in checks}
    out = []
    for severity, key in (("blocker", "blockers"), ("condition", "conditions")):
        for n, item in enumerate(decision.get(key) or [], start=1):
            out.append(
                Linked(
                    severity,
                    n,
                    item["text"],
                    item["evidence"],
                    target(item["evidence"], by_id),
                )
            )
    return out


def raised_by(items: Iterable[Linked]) -> dict[str, list[Linked]]:
    """Evidence anchor -> the items it raised: each check links back to its conditions."""
    out: dict[str, list[Linked]] = {}
    for item in items:
        out.setdefault(item.target.anchor, []).append(item)
    return out


def counts_by_kind(items: Iterable[Linked]) -> list[dict]:
    """One row per kind: blockers and conditions; kinds with nothing are kept (a reader sees the zero)."""
    rows = {k: {"kind": k, "label": label, "blocker": 0, "condition": 0} for k, label in KINDS.items()}
    for item in items:
        rows[item.target.kind][item.severity] += 1
    return [r for k, r in rows.items() if k != "fit" or r["blocker"] or r["condition"]]
