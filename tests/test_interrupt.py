"""Ctrl-C stops `wbk run` cleanly: exit 130, no half-written file, earlier records untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_example

pytestmark = pytest.mark.notebook  # runs wbk with kernels: the longer timeout


def test_ctrl_c_stops_the_batch_and_keeps_previous_records(tmp_path: Path) -> None:
    projects = [
        copy_example(name, tmp_path / f"p{i}")
        for i, name in enumerate(["medical_reports", "support_answers", "invoice_processing"])
    ]
    out = tmp_path / "out"
    previous = out / "invoice_processing" / "record.json"
    previous.parent.mkdir(parents=True)
    previous.write_text('{"decision": "previous run"}\n')
    wbk = Path(sys.executable).parent / "wbk"
    command = [str(wbk), "run", *map(str, projects), "--out", str(out)]
    with subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True
    ) as run:
        deadline = time.monotonic() + 120
        for line in run.stderr:  # plain progress lines: stderr is not a terminal
            if "01_problem_boundaries done" in line or time.monotonic() > deadline:
                break
        os.killpg(run.pid, signal.SIGINT)  # what a terminal sends to the foreground process group
        try:
            status = run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
        rest = run.stderr.read()
    assert status == 130, rest
    assert "interrupted" in rest
    assert previous.read_text() == '{"decision": "previous run"}\n', (
        "an unfinished project keeps its old record"
    )
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    assert not list(out.glob(".wbk/*.staging")), "the interrupted project's staging folder is removed"
    for record in out.rglob("record.json"):
        json.loads(record.read_text())  # every record on disk is whole
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-s", str(run.pid)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], "no kernel or worker is left running"
