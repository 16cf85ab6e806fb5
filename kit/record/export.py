"""One static HTML record per project, from its executed step notebooks and our nbconvert template:
the first screen (kit.record.summary) on top, then each step as a collapsible section."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from kit.paths import TEMPLATES
from kit.record import render
from kit.record.data import RECORD_MIMETYPE, emitted
from kit.record.print_css import running_header
from kit.record.summary import first_screen

TEMPLATE_NAME = "wbk-record"
HIDDEN_TAGS = {"parameters", "injected-parameters", "analyst"}  # "analyst": how-to for the notebook user
NOT_SHARED = {RECORD_MIMETYPE, "application/vnd.jupyter.widget-view+json"}


@functools.cache
def exporter() -> HTMLExporter:
    """Built once per process: constructing an exporter costs far more than using it."""
    html = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True
    )
    return html


def _shareable(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A cell without outputs a reviewer cannot use: widget views and the record's raw data."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs = [o for o in cell.get("outputs", []) if not (set(o.get("data", {})) & NOT_SHARED)]
        for output in cell.outputs:  # each output's copy of the style sheet: the record has one, in its head
            if "text/html" in output.get("data", {}):
                html = output.data["text/html"]
                output.data["text/html"] = render.without_style(
                    "".join(html) if isinstance(html, list) else html
                )
    return cell


def in_record_order(steps: list[tuple[str, nbformat.NotebookNode]]):
    """The design-record step (04) first, then the steps in their order."""
    return sorted(steps, key=lambda s: (not s[0].startswith("04"), s[0]))


def record_notebook(steps: list[tuple[str, nbformat.NotebookNode]]) -> nbformat.NotebookNode:
    """The record step first (decision, blockers, conditions), then every step in order. Each
    step's title moves from its first heading to the summary of its collapsible section."""
    ordered = in_record_order(steps)
    record = nbformat.v4.new_notebook()
    record.metadata = copy.deepcopy(ordered[0][1].metadata) if ordered else {}
    record.metadata.pop("widgets", None)
    for name, nb in ordered:
        for i, cell in enumerate(nb.cells):
            cell = _shareable(cell)
            cell["id"] = f"{name}-{i}"  # unique across the combined notebooks
            if i == 0:
                cell.metadata["wbk_anchor"] = name
                if cell.cell_type == "markdown":
                    cell.source = TITLE.sub("", cell.source, count=1)
            record.cells.append(cell)
    return record


TITLE = re.compile(r"\A# [^\n]*\n?")


def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    """A step's title: its first top-level heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line.lstrip("# ").strip()
    return default


def table_of_contents(steps: list[tuple[str, nbformat.NotebookNode]]) -> list[tuple[str, str]]:
    """(anchor, title) per step, in record order."""
    return [(name, title_of(nb, name)) for name, nb in in_record_order(steps)]


ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')


def unique_ids(html: str) -> str:
    """Keep each element id on its first occurrence only: steps 1 and 3 both show the source
    inventory, and links must land on one element. Our templates write every id as id="..."; user
    text is escaped, so it can hold no such attribute."""
    seen: set[str] = set()

    def first_only(match: re.Match) -> str:
        if match.group(1) in seen:
            return ""
        seen.add(match.group(1))
        return match.group(0)

    return ID_ATTRIBUTE.sub(first_only, html)


REGION_OR_STEP = re.compile(
    r'<div aria-label="(?P<label>[^"]*)"(?P<region> class="wbk-scroll" role="region")'
    r'|<details class="wbk-step" id="(?P<step>[^"]*)"'
)


def unique_region_names(html: str, titles: dict[str, str]) -> str:
    """Name each scrolling region once: steps 1 and 3 both show the source inventory, and a reader
    moving by landmarks must tell them apart. A name seen before gets its step's title after it.
    (nbconvert writes attributes in alphabetical order, as templates/html/macros.html.j2 does.)"""
    seen: set[str] = set()
    step = ""

    def named(match: re.Match) -> str:
        nonlocal step
        if match.group("step") is not None:
            step = titles.get(match.group("step"), match.group("step"))
            return match.group(0)
        label, n = match.group("label"), 1
        while label in seen:
            n += 1
            label = f"{match.group('label')} ({step}{'' if n == 2 else f', {n - 1}'})"
        seen.add(label)
        return f'<div aria-label="{label}"{match.group("region")}'

    return REGION_OR_STEP.sub(named, html)


def to_html(nb: nbformat.NotebookNode, wbk: dict[str, Any]) -> str:
    body, _ = exporter().from_notebook_node(
        nb, resources={"wbk": wbk, "metadata": {"name": wbk.get("title", "")}}
    )
    return unique_region_names(unique_ids(body), wbk.get("titles", {}))


def export_record(steps: list[tuple[str, nbformat.NotebookNode]], wbk: dict[str, Any]) -> str:
    rec = emitted(steps) or {}
    toc = table_of_contents(steps)
    return to_html(
        record_notebook(steps),
        {
            **wbk,
            "toc": toc,
            "titles": dict(toc),
            "summary": first_screen(rec),
            "style_sheet": render.style_sheet(),
            "print_css": running_header(wbk.get("title", ""), rec.get("decision"), rec.get("as_of")),
        },
    )
