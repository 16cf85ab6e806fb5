"""Benchmark of `wbk run`, each row measured --repeats times in one call; median and spread printed,
ratios taken from the medians of this one run. Exits 1 if a target is missed.

    python bench/batch.py [--projects 6] [--repeats 5] [--warm-only]

1. one project (medical): what a user does without the kit, per step notebook: papermill CLI
   (`-p project P -p show_form False`: no forms, like wbk) then `jupyter nbconvert --to html`,
   vs `wbk run` (whole process, record.html included).                              target >= 4x
2. N projects (copies of the three examples): `--jobs 2` vs `--jobs 1`.             target >= 1.6x
3. overhead: `wbk run --jobs 1` per project vs the floor: the same work (all three examples,
   four notebooks each, records and HTML export) in an already-warm process and kernel. target <= 1.2x
   (--warm-only measures this row alone.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLES = ["medical_reports", "support_answers", "invoice_processing"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def run(command: list[str], cwd: Path = ROOT) -> None:
    subprocess.run(
        command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )


def repeat(times: int, work: Callable[[int], None]) -> list[float]:
    """Seconds of each of ``times`` calls of work(i)."""
    seconds = []
    for i in range(times):
        start = time.perf_counter()
        work(i)
        seconds.append(time.perf_counter() - start)
    return seconds


def naive_loop(project: Path, out: Path) -> None:
    """papermill and nbconvert from the command line, one notebook at a time, as documented."""
    out.mkdir(parents=True, exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        executed = out / notebook.name
        papermill = [str(BIN / "papermill"), str(notebook), str(executed), "--cwd", str(ROOT / "notebooks")]
        run([*papermill, "-p", "project", str(project), "-p", "show_form", "False"])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)])


def copies(work: Path, count: int) -> list[str]:
    made = []
    for i in range(count):
        name = EXAMPLES[i % len(EXAMPLES)]
        target = work / f"{name}_{i:02d}"
        shutil.copytree(ROOT / "examples" / name, target)
        made.append(str(target))
    return made


def warm_floor(times: int, out: Path) -> list[float]:
    """Seconds per project of `wbk run`'s own per-project work (the three examples: notebooks in
    one kernel, record.json, HTML export, the swap into OUT) in a process and kernel that have
    already done it once: what is left when no process, import or kernel start is paid."""
    from kit.run import batch
    from kit.run.execute import KernelSession

    jobs = batch.make_jobs([str(ROOT / "examples" / name) for name in EXAMPLES], out, None)
    with KernelSession() as session:

        def all_three(_: int) -> None:
            for job in jobs:
                outcome = batch.guarded_run(job, lambda *_: None, session)
                assert outcome.status == "ok", outcome.reason

        all_three(0)  # warm: imports, kernel, exporter, the engine exercised
        return [s / len(jobs) for s in repeat(times, all_three)]


WARM_TARGET = 1.2


def warm_only(projects: int, repeats: int) -> int:
    """Row 3 alone: the per-project time of a `wbk run --jobs 1` batch against the warm floor."""
    wbk = [sys.executable, "-m", "kit.cli", "run"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        made = copies(work / "projects", projects)
        serial = repeat(repeats, lambda i: run([*wbk, *made, "--out", str(work / f"s{i}"), "--jobs", "1"]))
        floor = warm_floor(repeats, work / "warm")
    per_project = [s / projects for s in serial]
    overhead = statistics.median(per_project) / statistics.median(floor)
    print(
        f"{'measurement (seconds; median of ' + str(repeats) + ')':<58} {'median':>8} {'spread':>13} {'ratio':>7}"
    )
    print(row(f"per project in a {projects}-project --jobs 1 batch", per_project))
    print(row("per project, warm process and kernel (3 examples, export)", floor, overhead))
    met = overhead <= WARM_TARGET
    print(f"{'met' if met else 'MISSED'}: per project <= {WARM_TARGET}x the warm floor")
    return 0 if met else 1


def row(name: str, seconds: list[float], ratio: float | None = None) -> str:
    median = statistics.median(seconds)
    spread = f"{min(seconds):.2f}-{max(seconds):.2f}"
    return f"{name:<58} {median:>8.2f} {spread:>13} {'' if ratio is None else f'{ratio:.2f}x':>7}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=6, help="projects in the batch rows (default 6)")
    parser.add_argument("--repeats", type=int, default=5, help="measurements per row (default 5)")
    parser.add_argument(
        "--warm-only", action="store_true", help="only the --jobs 1 batch against the warm floor"
    )
    args = parser.parse_args()
    if args.warm_only:
        return warm_only(args.projects, args.repeats)
    wbk = [sys.executable, "-m", "kit.cli", "run"]
    medical = ROOT / "examples" / "medical_reports"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        projects = copies(work / "projects", args.projects)
        naive = repeat(args.repeats, lambda i: naive_loop(medical, work / f"naive{i}"))
        one = repeat(args.repeats, lambda i: run([*wbk, str(medical), "--out", str(work / f"one{i}")]))
        serial = repeat(
            args.repeats, lambda i: run([*wbk, *projects, "--out", str(work / f"s{i}"), "--jobs", "1"])
        )
        parallel = repeat(
            args.repeats, lambda i: run([*wbk, *projects, "--out", str(work / f"p{i}"), "--jobs", "2"])
        )
        floor = warm_floor(args.repeats, work / "warm")
    med = statistics.median
    per_project = [s / args.projects for s in serial]
    speedup, jobs_gain, overhead = (
        med(naive) / med(one),
        med(serial) / med(parallel),
        med(per_project) / med(floor),
    )
    print(
        f"{'measurement (seconds; median of ' + str(args.repeats) + ')':<58} {'median':>8} {'spread':>13} {'ratio':>7}"
    )
    print(row("one project: naive papermill + nbconvert CLI, no forms", naive))
    print(row("one project: wbk run (whole process)", one, speedup))
    print(row(f"{args.projects} projects: wbk run --jobs 1", serial))
    print(row(f"{args.projects} projects: wbk run --jobs 2", parallel, jobs_gain))
    print(row("per project in the --jobs 1 batch", per_project))
    print(row("per project, warm process and kernel (3 examples, export)", floor, overhead))
    targets = [
        ("wbk run >= 4x faster than the naive loop", speedup >= 4),
        ("--jobs 2 >= 1.6x faster than --jobs 1", jobs_gain >= 1.6),
        ("per project <= 1.2x the warm floor", overhead <= WARM_TARGET),
    ]
    for name, ok in targets:
        print(f"{'met' if ok else 'MISSED'}: {name}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
