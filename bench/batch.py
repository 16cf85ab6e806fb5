"""Benchmark of `wbk run`, measured in one call and printed as a table. Exits 1 if a target is missed.

    python bench/batch.py [--projects 20]

1. one project: `wbk run` (whole process) vs the naive loop: papermill CLI, then
   `jupyter nbconvert --to html` CLI, for each step notebook.                      target >= 4x
2. N projects (copies of the examples): `--jobs 2` vs `--jobs 1`.                    target >= 1.6x
3. overhead: `wbk run` per project (N-project batch, --jobs 1) vs running the same
   notebooks' code in one already-warm kernel.                                       target <= 1.5x
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLES = ["medical_reports", "support_answers", "invoice_processing"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def clock(command: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    return time.perf_counter() - start


def naive_loop(project: Path, out: Path) -> float:
    start = time.perf_counter()
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        executed = out / notebook.name
        clock([str(BIN / "papermill"), str(notebook), str(executed), "-p", "project", str(project)])
        clock([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)])
    return time.perf_counter() - start


def copies(work: Path, count: int) -> list[str]:
    made = []
    for i in range(count):
        name = EXAMPLES[i % len(EXAMPLES)]
        target = work / f"{name}_{i:02d}"
        shutil.copytree(ROOT / "examples" / name, target)
        made.append(str(target))
    return made


def warm_kernel_seconds(project: Path, other: Path) -> float:
    """Execute the four notebooks' code in a kernel that has already run them for another project."""
    from kit.run.execute import Kernel, prepare, step_notebooks

    kernel = Kernel()
    try:
        params = {"show_form": False, "as_of": None}
        for path in step_notebooks():  # warm: imports done, the engine exercised
            assert kernel.run(prepare(path, {**params, "project": str(other)}), path.stem) is None
        start = time.perf_counter()
        for path in step_notebooks():
            assert kernel.run(prepare(path, {**params, "project": str(project)}), path.stem) is None
        return time.perf_counter() - start
    finally:
        kernel.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    wbk = str(BIN / "wbk")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        medical = ROOT / "examples" / "medical_reports"
        (work / "naive").mkdir()
        naive = naive_loop(medical, work / "naive")
        one = clock([wbk, "run", str(medical), "--out", str(work / "one")])
        projects = copies(work / "projects", args.projects)
        serial = clock([wbk, "run", *projects, "--out", str(work / "serial"), "--jobs", "1"])
        parallel = clock([wbk, "run", *projects, "--out", str(work / "parallel"), "--jobs", "2"])
        warm = warm_kernel_seconds(medical, ROOT / "examples" / "support_answers")
    per_project = serial / args.projects
    rows = [
        ("one project: naive papermill + nbconvert CLI loop", naive, None),
        ("one project: wbk run (whole process)", one, naive / one),
        (f"{args.projects} projects: wbk run --jobs 1", serial, None),
        (f"{args.projects} projects: wbk run --jobs 2", parallel, serial / parallel),
        ("per project in the --jobs 1 batch", per_project, None),
        ("same notebooks in one already-warm kernel", warm, per_project / warm),
    ]
    print(f"{'measurement':<52} {'seconds':>8} {'ratio':>7}")
    for name, seconds, ratio in rows:
        print(f"{name:<52} {seconds:>8.2f} {'' if ratio is None else f'{ratio:.2f}x':>7}")
    targets = [
        ("wbk run >= 4x faster than the naive loop", naive / one >= 4),
        ("--jobs 2 >= 1.6x faster than --jobs 1", serial / parallel >= 1.6),
        ("per project <= 1.5x a warm kernel", per_project / warm <= 1.5),
    ]
    for name, ok in targets:
        print(f"{'met' if ok else 'MISSED'}: {name}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
