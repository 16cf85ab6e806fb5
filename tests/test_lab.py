"""wbk lab: the project's own workbook copies, pointing at the project."""

from __future__ import annotations

from pathlib import Path

import nbformat

from kit.cli import main
from kit.run.lab import lab_command, prepare_workbook


def test_workbook_copies_point_at_their_project_and_are_never_overwritten(medical: Path) -> None:
    made = prepare_workbook(medical)
    assert [p.name for p in made] == [
        "01_problem_boundaries.ipynb",
        "02_data_quality.ipynb",
        "03_data_strategy.ipynb",
        "04_design_record.ipynb",
    ]
    nb = nbformat.read(made[0], as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'project = ".."' in params.source and "as_of = None" in params.source
    made[0].write_text(made[0].read_text().replace("Step 1", "Step 1 (my notes)"))
    prepare_workbook(medical)
    assert "Step 1 (my notes)" in made[0].read_text()


def test_lab_command_opens_step_one(tmp_path: Path) -> None:
    command = lab_command(tmp_path, 9999, False, "01_problem_boundaries.ipynb")
    assert "--no-browser" in command and f"--ServerApp.root_dir={tmp_path}" in command
    assert "--LabApp.default_url=/lab/tree/01_problem_boundaries.ipynb" in command


def test_lab_refuses_a_folder_without_answers(tmp_path: Path, capsys) -> None:
    assert main(["lab", str(tmp_path), "--no-browser"]) == 2
    assert "wbk new" in capsys.readouterr().err
