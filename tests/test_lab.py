"""wbk lab: the project's own workbook copies, pointing at the project; JupyterLab options pass
through, so it runs as root in a container."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from kit.cli import build_parser, main
from kit.run.lab import lab_command, prepare_workbook, root_hint


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


def test_lab_command_opens_step_one_and_ends_with_the_users_options(tmp_path: Path) -> None:
    command = lab_command(tmp_path, "01_problem_boundaries.ipynb", ["--port", "0", "--allow-root"])
    assert command[-3:] == ["--port", "0", "--allow-root"], "the user's options come last and win"
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--LabApp.default_url=/lab/tree/01_problem_boundaries.ipynb" in command


@pytest.mark.parametrize(
    ("argv", "project", "lab_args"),
    [
        (["lab"], ".", []),
        (["lab", "p"], "p", []),
        (["lab", "p", "--", "--allow-root", "--port", "0"], "p", ["--allow-root", "--port", "0"]),
        (["lab", "p", "--no-browser", "--port=9000"], "p", ["--no-browser", "--port=9000"]),
    ],
)
def test_everything_after_dir_goes_to_jupyterlab(argv, project, lab_args) -> None:
    args = build_parser().parse_args(argv)
    assert (args.project, args.lab_args) == (project, lab_args)


def test_root_without_allow_root_gets_a_hint() -> None:
    assert "-- --allow-root" in root_hint(["--no-browser"], euid=0)
    assert root_hint(["--allow-root"], euid=0) == ""
    assert root_hint(["--ServerApp.allow_root=True"], euid=0) == ""
    assert root_hint([], euid=1000) == ""


def test_lab_refuses_a_folder_without_answers(tmp_path: Path, capsys) -> None:
    assert main(["lab", str(tmp_path), "--no-browser"]) == 2
    assert "wbk new" in capsys.readouterr().err


@pytest.mark.notebook
def test_lab_starts_as_root_with_passed_options_and_serves_the_workbook(
    medical: Path, tmp_path: Path
) -> None:
    token = secrets.token_hex(16)
    home = tmp_path / "jupyter"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [sys.executable, "-m", "kit.cli", "lab", str(medical), "--", "--allow-root", "--no-browser"]
    command += ["--port", "0", "--ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    lab = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        seen = []
        for line in lab.stdout:
            seen.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                break
        else:
            raise AssertionError("JupyterLab did not start: " + "".join(seen))
        assert "running as root" not in "".join(seen), "--allow-root was passed"
        url = f"http://127.0.0.1:{found.group(1)}"
        notebook = json.loads(get(f"{url}/api/contents/01_problem_boundaries.ipynb?token={token}"))
        cells = notebook["content"]["cells"]
        params = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
        assert 'project = ".."' in params["source"], "the project's own workbook copy is served"
        assert "JupyterLab" in get(f"{url}/lab/tree/01_problem_boundaries.ipynb?token={token}")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)
        lab.stdout.close()


def get(url: str) -> str:
    """The body at url; the server prints its address just before it listens, so retry a while."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.read().decode()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
