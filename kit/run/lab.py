"""``wbk lab``: JupyterLab on a project's own copies of the step notebooks.

    wbk lab [DIR] [-- JUPYTERLAB-ARGS...]

DIR defaults to the current folder; everything after it (``--`` optional) goes to JupyterLab
unchanged, e.g. ``wbk lab DIR -- --allow-root --no-browser --port 0`` in a container.

The copies live in PROJECT/workbook/ with their parameters cell pointing at the project (".."), so
they open with the project selected, move with the folder, and keep an analyst's edits; an existing
copy is never overwritten.
"""

from __future__ import annotations

import os
import re
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


def lab_command(folder: Path, first: str, lab_args: list[str]) -> list[str]:
    """JupyterLab on ``folder``, opening ``first``; the user's JupyterLab options come last, so they
    win over ours (traitlets: the last value of an option counts)."""
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{first}",
        *lab_args,
    ]


def root_hint(lab_args: list[str], euid: int) -> str:
    """JupyterLab refuses to run as root without --allow-root; say how before it does."""
    if euid != 0 or any(a.startswith("--allow-root") or "allow_root" in a for a in lab_args):
        return ""
    return "wbk lab: running as root (a container?): JupyterLab needs -- --allow-root"


def start_lab(project: Path, lab_args: list[str] | None = None) -> int:
    """Prepare the workbook, then become JupyterLab (exec): its signals, prompts and exit status
    are the user's, with no wbk process left in between."""
    lab_args = list(lab_args or [])
    if not answers_path(project).is_file():
        print(f"wbk lab: no answers.yaml in {project}; create one with: wbk new {project}", file=sys.stderr)
        return 2
    notebooks = prepare_workbook(project.resolve())
    print(f"workbook: {notebooks[0].parent}", flush=True)
    hint = root_hint(lab_args, os.geteuid())
    if hint:
        print(hint, file=sys.stderr, flush=True)
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"}
    command = lab_command(notebooks[0].parent, notebooks[0].name, lab_args)
    sys.stderr.flush()
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaced this process
