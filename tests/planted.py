"""What each example's seeded generator planted (its planted.json), as the counts every check must
report: tests compare the kit's numbers with these, never with the kit's own earlier output.

medical_reports plants defects by kind (rows of lab_results, generated reports); the support and
invoice generators plant none and say so per check, with the rows each check reads.
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import EXAMPLES

from kit.record.links import slug

# medical_reports: which planted kind each check must find (every other rule or output check: none)
MEDICAL_KINDS = {
    "unit_present": ("rows", "missing_unit"),
    "value_plausible": ("rows", "negative_value"),
    "flag_consistent": ("rows", "wrong_flag"),
    "result_id_unique": ("rows", "duplicate"),
    "order_test_unique": ("rows", "duplicate"),
    "results_fresh": ("rows", "stale"),
    "output.sections_present": ("reports", "missing_section"),
    "output.values_match": ("reports", "hallucinated_value"),
    "output.ranges_unchanged": ("reports", "changed_range"),
    "output.flags_consistent": ("reports", "wrong_flag"),
    "output.no_extra_tests": ("reports", "extra_test"),
    "output.numbers_grounded": ("reports", "hallucinated_number"),
}
MEDICAL_LAB_RULES = ("unit_present", "value_plausible", "flag_consistent", "result_id_unique")
# job_adverts plants defects by kind too: rows of requisitions, drafted adverts
JOB_ADVERT_KINDS = {
    "requisition_id_unique": ("rows", "duplicate"),
    "requisition_id_format": ("rows", "malformed_id"),
    "salary_stated": ("rows", "missing_salary"),
    "salary_plausible": ("rows", "implausible_salary"),
    "contract_known": ("rows", "unknown_contract"),
    "hours_legal": ("rows", "excessive_hours"),
    "requisition_open": ("rows", "stale"),
    "output.sections_present": ("adverts", "missing_section"),
    "output.values_match": ("adverts", "wrong_title"),
    "output.ranges_unchanged": ("adverts", "changed_salary"),
    "output.numbers_grounded": ("adverts", "invented_number"),
    "inclusive_wording": ("adverts", "non_inclusive"),
    "salary_in_band": ("rows", ("out_of_band", "implausible_salary")),
}
BY_KIND = {"medical_reports": MEDICAL_KINDS, "job_adverts": JOB_ADVERT_KINDS}


def planted(example: str) -> dict:
    return json.loads((EXAMPLES / example / "planted.json").read_text(encoding="utf-8"))


def csv_rows(path: Path) -> int:
    """Data rows of a CSV, counted by the csv module, not by the kit."""
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def expected_failing(example: str, check_ids) -> dict[str, list[str]]:
    """The ids each check must report failing, for the rule and output checks in check_ids."""
    truth = planted(example)
    if example in BY_KIND:
        kinds = BY_KIND[example]
        return {c: _planted_ids(truth, *kinds[c]) if c in kinds else [] for c in check_ids}
    return {c: truth["checks"][c]["failing"] for c in check_ids}


def _planted_ids(truth: dict, group: str, kinds: str | tuple[str, ...]) -> list[str]:
    return [i for kind in ((kinds,) if isinstance(kinds, str) else kinds) for i in truth[group][kind]]


def expected_checked(example: str) -> dict[str, int]:
    """Rows (or reports) each check must report checking, where the generator's truth says."""
    if example == "medical_reports":
        rows = csv_rows(EXAMPLES / example / "data" / "lab_results.csv")
        text = (EXAMPLES / example / "outputs" / "generated_reports.jsonl").read_text(encoding="utf-8")
        reports = len(text.splitlines())
        outputs = {c: reports for c in MEDICAL_KINDS if c.startswith("output.")}
        return {**dict.fromkeys(MEDICAL_LAB_RULES, rows), **outputs}
    if example == "job_adverts":
        rows = csv_rows(EXAMPLES / example / "data" / "requisitions.csv")
        text = (EXAMPLES / example / "outputs" / "drafted_adverts.jsonl").read_text(encoding="utf-8")
        adverts = len([line for line in text.splitlines() if line.strip()])
        on_adverts = {c for c, (group, _) in JOB_ADVERT_KINDS.items() if group == "adverts"}
        return {c: adverts if c in on_adverts else rows for c in JOB_ADVERT_KINDS}
    return {c: spec["checked"] for c, spec in planted(example)["checks"].items()}


def expected_checked_among(example: str, reported) -> dict[str, int]:
    """expected_checked, less the output checks that were not run: one with nothing to look at in
    the project's template (no range field, no flag field, ...) does not run."""
    return {
        c: n for c, n in expected_checked(example).items() if c in reported or not c.startswith("output.")
    }


def number(text: str) -> int:
    return int(text.replace(",", "").replace("\u202f", "").strip())


class CheckTables(HTMLParser):
    """Rows <tr id="check-ID"> of tables whose header names Checked and Failed: {id: cells by header}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.header: list[str] = []
        self.cells: list[str] | None = None
        self.row_id = ""
        self.depth = 0  # nested tables (examples) inside a check's cell are not columns
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.depth += 1
        elif tag == "thead" and self.depth == 1:
            self.in_head, self.header = True, []
        elif tag == "tr" and self.depth == 1 and (attrs.get("id") or "").startswith("check-"):
            self.row_id, self.cells = attrs["id"].removeprefix("check-"), []
        elif tag in ("td", "th") and self.depth == 1:
            if self.in_head:
                self.header.append("")
            elif self.cells is not None:
                self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth -= 1
        elif tag == "thead":
            self.in_head = False
        elif tag == "tr" and self.depth == 1 and self.cells is not None:
            self.rows[self.row_id] = dict(zip(self.header, self.cells, strict=False))
            self.cells = None

    def handle_data(self, data):
        if self.depth != 1:
            return
        if self.in_head and self.header:
            self.header[-1] += data.strip()
        elif self.cells:
            self.cells[-1] += data


FAILING = re.compile(r"^\s*([\d,\u202f]+)\s+of\s+([\d,\u202f]+)\s*$")


def shown_counts(html: str, check_ids) -> dict[str, tuple[int, int]]:
    """{check id: (checked, failed)} as the tables of a notebook's HTML output show them: the row
    id is the check's anchor (kit.record.links.slug of its id), the "Failing" cell reads "N of M"."""
    parser = CheckTables()
    parser.feed(html)
    by_anchor = {slug(c): c for c in check_ids}
    shown = {}
    for anchor, cells in parser.rows.items():
        found = FAILING.match(cells.get("Failing", ""))
        if found and anchor in by_anchor:
            shown[by_anchor[anchor]] = (number(found[2]), number(found[1]))
    return shown
