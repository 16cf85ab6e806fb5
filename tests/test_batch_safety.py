"""wbk run never leaves half a record: kill -9 mid-run, reruns after a failure, runs at once into
one --out, a second run of the same project, leftovers of killed runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, copy_example

from kit.run import staging
from kit.run.batch import run_projects
from kit.run.execute import step_notebooks

pytestmark = pytest.mark.notebook
STEPS = [p.stem for p in step_notebooks()]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def wbk(*args: str, **popen) -> subprocess.Popen:
    """`wbk` in its own process group, from the tree under test."""
    return subprocess.Popen(
        [sys.executable, "-m", "kit.cli", *args], env=ENV, text=True, start_new_session=True, **popen
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


MARKER = "written-by-the-previous-run-7f3a"


def previous_record(out: Path, name: str) -> Path:
    """A previous run's folder, every file with bytes no run would write (MARKER)."""
    folder = out / name
    (folder / "notebooks").mkdir(parents=True)
    for step in STEPS:
        (folder / "notebooks" / f"{step}.ipynb").write_text(f'{{"{MARKER}": "{step}"}}\n')
    (folder / "record.json").write_text('{"project": "Previous run", "status": "ok", "decision": "GO"}\n')
    (folder / "record.html").write_text(f"<p>{MARKER}</p>\n")
    return folder


def wait_for_line(stream, needle: str) -> list[str]:
    seen = []
    for line in stream:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"never printed {needle!r}: {''.join(seen)}")


def test_sigkill_mid_run_leaves_the_previous_record_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = snapshot(previous_record(out, "medical_reports"))
    with wbk("run", str(EXAMPLES / "medical_reports"), "--out", str(out), stderr=subprocess.PIPE) as run:
        wait_for_line(run.stderr, "Lab result report drafting: 01_problem_boundaries done")  # project.name
        kernels = subprocess.run(["pgrep", "-P", str(run.pid)], capture_output=True, text=True).stdout.split()
        os.killpg(run.pid, signal.SIGKILL)  # step 2 is running: its staging folder holds step 1
        assert run.wait(timeout=30) == -signal.SIGKILL
    assert snapshot(out / "medical_reports") == before
    killed = staging.leftovers(out, "medical_reports")
    assert [p.suffix for p in killed] == [".staging"], "the test killed a run that had begun writing"
    assert (killed[0] / "notebooks" / "01_problem_boundaries.ipynb").is_file()
    deadline = time.monotonic() + 30  # ipykernel notices its parent died within a second or two
    while any(Path(f"/proc/{pid}").exists() for pid in kernels) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in kernels), "the kernel outlived its run"

    assert run_projects([str(EXAMPLES / "medical_reports")], out) == 0
    assert staging.leftovers(out, "medical_reports") == [], "the next run removed the killed run's files"
    assert sorted(p.stem for p in (out / "medical_reports" / "notebooks").iterdir()) == STEPS
    for step in STEPS:
        assert MARKER not in (out / "medical_reports" / "notebooks" / f"{step}.ipynb").read_text()
    assert json.loads((out / "medical_reports" / "record.json").read_text())["decision"] == (
        "GO WITH CONDITIONS"
    )


def test_a_rerun_after_a_failure_leaves_no_stale_notebook(tmp_path: Path) -> None:
    project = copy_example("support_answers", tmp_path)
    text = (project / "answers.yaml").read_text(encoding="utf-8")
    (project / "answers.yaml").write_text(text.replace("domain: support", "domain: [support"))
    out = tmp_path / "out"
    previous_record(out, "support_answers")
    assert run_projects([str(project)], out) == 2  # invalid answers
    folder = out / "support_answers"
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == ["01_problem_boundaries.ipynb"]
    record = json.loads((folder / "record.json").read_text())
    assert record["status"] == "failed" and record["failure"]["step"] == "01_problem_boundaries"
    assert MARKER not in (folder / "record.html").read_text()
    assert list((out / staging.HIDDEN).glob("*.staging")) == []


def test_two_runs_at_once_into_one_out_both_reach_the_index(tmp_path: Path) -> None:
    out = tmp_path / "out"
    earlier = out / "earlier_project"
    earlier.mkdir(parents=True)
    (earlier / "record.json").write_text(
        json.dumps({"project": "An earlier project", "status": "ok", "decision": "NO-GO", "checks": []})
    )
    names = ("support_answers", "invoice_processing")
    runs = [wbk("run", str(EXAMPLES / name), "--out", str(out), stderr=subprocess.PIPE) for name in names]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    index = (out / "index.html").read_text()
    for name in (*names, "earlier_project"):
        assert f'href="{name}/record.html"' in index, name
    assert "USE A DETERMINISTIC SYSTEM" in index and "NO-GO" in index and "An earlier project" in index
    for name in names:
        assert json.loads((out / name / "record.json").read_text())["status"] == "ok"


def test_a_second_run_of_the_same_project_waits_for_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    messages = []
    with staging.project_lock(out, "invoice_processing", messages.append):
        run = wbk("run", str(EXAMPLES / "invoice_processing"), "--out", str(out), stderr=subprocess.PIPE)
        wait_for_line(run.stderr, f"another run is writing {out / 'invoice_processing'}; waiting")
        assert not (out / "invoice_processing").exists() and run.poll() is None
    _, rest = run.communicate(timeout=300)
    assert run.returncode == 0, rest
    assert messages == [], "the test took the lock first"
    assert json.loads((out / "invoice_processing" / "record.json").read_text())["status"] == "ok"


# --- leftovers of killed runs, without a kernel ---------------------------------------------------


@pytest.mark.timeout(60)
def test_recover_removes_staging_and_restores_a_record_left_aside(tmp_path: Path) -> None:
    out = tmp_path
    hidden = out / staging.HIDDEN
    (hidden / "p.abcdefgh.staging" / "notebooks").mkdir(parents=True)
    (hidden / "p.ijklmnop.old").mkdir()
    (hidden / "p.ijklmnop.old" / "record.json").write_text("{}")
    (hidden / "p.b.qrstuvwx.staging").mkdir()  # project "p.b": not p's
    staging.recover(out, "p")
    assert (out / "p" / "record.json").read_text() == "{}", "killed between the two renames: put back"
    assert sorted(p.name for p in hidden.iterdir()) == ["p.b.qrstuvwx.staging"]


@pytest.mark.timeout(60)
def test_a_raising_run_publishes_nothing(tmp_path: Path) -> None:
    before = snapshot(previous_record(tmp_path, "p"))
    with pytest.raises(RuntimeError), staging.project_folder(tmp_path, "p") as folder:
        (folder / "record.json").write_text("half")
        raise RuntimeError("export failed")
    assert snapshot(tmp_path / "p") == before
    assert staging.leftovers(tmp_path, "p") == []
    with staging.project_folder(tmp_path, "p") as folder:
        (folder / "record.json").write_text("{}")
    assert snapshot(tmp_path / "p") == {"record.json": b"{}"}
    assert oct((tmp_path / "p").stat().st_mode & 0o777) == oct(0o755)


def test_the_project_after_a_failed_one_gets_a_fresh_kernel_and_runs(tmp_path: Path) -> None:
    """--jobs 1 as the CLI runs it: a failure stops its kernel; the next project starts another."""
    broken = copy_example("support_answers", tmp_path)
    text = (broken / "answers.yaml").read_text(encoding="utf-8")
    (broken / "answers.yaml").write_text(text.replace("domain: support", "domain: [support"))
    out = tmp_path / "out"
    run = wbk(
        "run", str(broken), str(EXAMPLES / "invoice_processing"), "--out", str(out), stdout=subprocess.PIPE
    )
    summary, _ = run.communicate(timeout=300)
    assert run.returncode == 2, summary  # invalid answers
    assert json.loads((out / "support_answers" / "record.json").read_text())["status"] == "failed"
    assert json.loads((out / "invoice_processing" / "record.json").read_text())["status"] == "ok", summary
