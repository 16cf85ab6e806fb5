"""``wbk lab``: JupyterLab on a project's own copies of the step notebooks.

The copies live in PROJECT/workbook/ with their parameters cell pointing at the project (".."), so
they open with the project selected, move with the folder, and keep an analyst's edits; an existing
copy is never overwritten.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from kit.answers.loading import answers_path
from kit.atomic import write_atomic
from kit.run.execute import step_notebooks

WORKBOOK = "workbook"
PROJECT_LINE = re.compile(r"^project\s*=.*$", re.MULTILINE)


def prepare_workbook(project: Path) -> list[Path]:
    folder = project / WORKBOOK
    made = []
    for source in step_notebooks():
        target = folder / source.name
        if not target.exists():
            nb = nbformat.read(source, as_version=4)
            for cell in nb.cells:
                if "parameters" in cell.metadata.get("tags", []):
                    cell.source = PROJECT_LINE.sub(
                        'project = ".."  # this workbook\'s project folder', cell.source, count=1
                    )
            write_atomic(target, nbformat.writes(nb))
        made.append(target)
    return made


def lab_command(folder: Path, port: int, open_browser: bool, first: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        f"--port={port}",
        f"--LabApp.default_url=/lab/tree/{first}",
    ]
    if not open_browser:
        command.append("--no-browser")
    return command


def start_lab(project: Path, port: int = 8888, open_browser: bool = True) -> int:
    if not answers_path(project).is_file():
        print(f"wbk lab: no answers.yaml in {project}; create one with: wbk new {project}", file=sys.stderr)
        return 2
    notebooks = prepare_workbook(project.resolve())
    print(f"workbook: {notebooks[0].parent}")
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"}
    command = lab_command(notebooks[0].parent, port, open_browser, notebooks[0].name)
    return subprocess.call(command, env=env)
