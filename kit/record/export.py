"""One static HTML record per project, from its executed step notebooks and our nbconvert template."""

from __future__ import annotations

import copy
import functools
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from kit.paths import TEMPLATES
from kit.record.data import RECORD_MIMETYPE

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
    return cell


def in_record_order(steps: list[tuple[str, nbformat.NotebookNode]]):
    """The design-record step (04) first, then the steps in their order."""
    return sorted(steps, key=lambda s: (not s[0].startswith("04"), s[0]))


def record_notebook(steps: list[tuple[str, nbformat.NotebookNode]]) -> nbformat.NotebookNode:
    """The record step first (decision, blockers, conditions), then every step in order."""
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
            record.cells.append(cell)
    return record


def table_of_contents(steps: list[tuple[str, nbformat.NotebookNode]]) -> list[tuple[str, str]]:
    """(anchor, title) per step, the title taken from the step's first heading."""
    out = []
    for name, nb in in_record_order(steps):
        heading = next(
            (
                line.lstrip("# ").strip()
                for c in nb.cells
                if c.cell_type == "markdown"
                for line in c.source.splitlines()
                if line.startswith("# ")
            ),
            name,
        )
        out.append((name, heading))
    return out


def to_html(nb: nbformat.NotebookNode, wbk: dict[str, Any]) -> str:
    body, _ = exporter().from_notebook_node(
        nb, resources={"wbk": wbk, "metadata": {"name": wbk.get("title", "")}}
    )
    return body


def export_record(steps: list[tuple[str, nbformat.NotebookNode]], wbk: dict[str, Any]) -> str:
    nb = record_notebook(steps)
    return to_html(nb, {**wbk, "toc": table_of_contents(steps)})
