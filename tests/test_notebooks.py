"""Every step notebook runs under papermill for every example; outputs are compared with golden
notebooks (tests/golden/EXAMPLE/STEP.ipynb) using pytest-notebook's diffing, volatile values
normalised. A missing golden file is written and the test fails: review it as a diff and commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from conftest import EXAMPLES, ROOT
from pytest_notebook.diffing import diff_notebooks, diff_to_string, filter_diff
from pytest_notebook.notebook import regex_replace_nb

from kit.run.execute import step_notebooks

GOLDEN = Path(__file__).parent / "golden"
NOTEBOOKS = ROOT / "notebooks"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "answers.yaml").exists())
# Papermill's timing metadata, cell ids it generates, widget views (model ids) and chart bytes vary.
IGNORE = [
    "/metadata",
    "/cells/*/metadata/papermill",
    "/cells/*/metadata/execution",
    "/cells/*/id",
    "/cells/*/outputs/*/data/application/vnd.jupyter.widget-view+json",
]
REPLACE = [
    ("/cells/*/outputs", r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,<PNG>"),
    ("/cells/*/outputs", r"0x[0-9a-fA-F]{6,16}", "0x<ADDRESS>"),
    ("/cells/*/outputs", r"Saved to answers\.yaml at \d\d:\d\d:\d\d", "Saved to answers.yaml at <TIME>"),
]


def normalised(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Without run-specific metadata (paths, timings, widget state) and volatile values."""
    nb = regex_replace_nb(nb, tuple(REPLACE))
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    for cell in nb.cells:
        cell.source = cell.source.rstrip()  # papermill's injected cell may or may not end in a newline
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return nb


@pytest.mark.notebook
@pytest.mark.parametrize("step", [p.stem for p in step_notebooks()])
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_step_notebook_matches_golden(example: str, step: str, tmp_path: Path) -> None:
    executed = papermill.execute_notebook(
        str(NOTEBOOKS / f"{step}.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"project": f"examples/{example}"},
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    assert not any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
    actual = normalised(executed)
    golden = GOLDEN / example / f"{step}.ipynb"
    if not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(actual, golden)
        pytest.fail(f"wrote {golden.relative_to(ROOT)}: review it (git diff) and commit it")
    expected = normalised(nbformat.read(golden, as_version=4))
    diff = filter_diff(diff_notebooks(expected, actual), IGNORE)
    assert not diff, diff_to_string(expected, diff, use_color=False)


@pytest.mark.notebook
def test_papermill_cli_runs_a_step(tmp_path: Path) -> None:
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "notebooks/01_problem_boundaries.ipynb",
            str(out),
            "-p",
            "project",
            "examples/support_answers",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    nb = json.loads(out.read_text())
    html = "".join(
        "".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"] for o in c.get("outputs", [])
    )
    assert "GenAI fits" in html


@pytest.mark.parametrize("path", [p.relative_to(ROOT) for p in step_notebooks()], ids=str)
def test_notebooks_are_committed_clean_and_parameterised(path: Path) -> None:
    nb = nbformat.read(ROOT / path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs before committing"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "project = " in tagged[0].source and "as_of = None" in tagged[0].source
    assert all(len(c.source.splitlines()) <= 4 for c in code), "notebook cells are calls; logic lives in kit/"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Step ")
