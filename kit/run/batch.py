"""``wbk run``: execute every step notebook of each project and write its records and the index.

Per project: one kernel runs the step notebooks in order; the executed notebooks, record.json and
record.html are written into a staging folder and swapped in as OUT/<project>/ when the run has
finished (kit/run/staging.py), so OUT never holds half of a run or files of an earlier one. A
failing cell fails that project only: its finished run is a failed record. The index is rebuilt
from every record in OUT (kit/run/index.py). With --jobs N, projects run in N worker processes
that take the next project from a queue; each keeps one kernel session (kit.run.execute) from
project to project.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import multiprocessing as mp
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from kit.answers import yamlfile
from kit.answers.loading import answers_path
from kit.atomic import write_atomic
from kit.findings import AnswersError
from kit.record import data as record
from kit.record import model
from kit.record.calendar import CALENDAR_FILE, record_calendar
from kit.record.coverage import COVERAGE_FILE, coverage_json
from kit.record.provenance import provenance
from kit.run import gate, index, staging
from kit.run.execute import KernelSession, prepare, step_notebooks
from kit.run.progress import Progress


@dataclass
class Job:
    project: Path
    name: str  # the output folder's name (the project folder's, made unique)
    out: Path
    parameters: dict[str, Any]
    pdf: bool = False  # also write record.pdf (kit.record.pdf)
    failures: Any = None  # kit.run.failures.Options: write failing rows (--failures)
    title: str = ""  # what the reader calls it: project.name of the answers, else the folder name

    def __post_init__(self) -> None:
        self.title = self.title or self.name


@dataclass
class ProjectRun:
    name: str
    status: str  # "ok" or "failed"
    seconds: float
    record: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    published: bool = True  # False: the kit itself failed and wrote no record for this run

    @classmethod
    def crashed(cls, job: Job, exc: BaseException) -> ProjectRun:
        """A failure of the kit's own (not of a notebook cell): the project has no new record."""
        return cls(job.name, "failed", 0.0, {"project": job.title}, f"{type(exc).__name__}: {exc}", False)


def _build_exporter_early() -> None:
    """Build the HTML exporter in a thread, so it overlaps the work that follows (papermill's
    import, preparing the notebooks) instead of adding to it."""
    threading.Thread(target=_build_exporter, daemon=True).start()


def _build_exporter() -> None:
    from kit.record.export import exporter

    exporter()


def run_project(job: Job, folder: Path, session: KernelSession, report=None) -> ProjectRun:
    """Execute one project's step notebooks in the session's kernel and write its records into
    ``folder``; never raises for a bad project."""
    report = report or (lambda *_: None)
    started = time.perf_counter()
    steps: list[tuple[str, nbformat.NotebookNode]] = []
    failure = None
    prepared = [(path.stem, prepare(path, job.parameters, cwd=job.project)) for path in step_notebooks()]
    kernel = session.kernel()
    for stem, nb in prepared:
        report(job.title, stem, "running")
        failure = kernel.run(nb, stem)
        record.portable(nb, job.project)
        write_atomic(folder / "notebooks" / f"{stem}.ipynb", nbformat.writes(nb))
        steps.append((stem, nb))
        report(job.title, stem, "failed" if failure else "done")
        if failure:
            session.discard()  # a failure may leave the kernel in any state: the next project starts fresh
            break
    data = _answers_data(job.project)
    prov = provenance(job.project, data, job.parameters)
    emitted = None if failure else record.emitted(steps)
    if not failure and emitted is None:
        raise RuntimeError("the design-record notebook emitted no record data (wb.emit_record)")
    rec = model.build(
        job.title, prov, emitted, failure.as_dict() if failure else None, job.out / "record.json"
    )
    facts = _facts(job, rec)
    rows_written, rows_problem = [], ""
    if job.failures is not None and not failure:  # before the page: it lists them
        rows_written, rows_problem = _write_failures(job, rec, folder)
    elif not failure:  # the query of every failing rule, compiled only: no rows are written
        rows_written = _failing_queries(job, rec)
    html = _export(
        steps,
        {
            "title": f"Design record: {rec.get('project') or job.name}",
            "facts": facts,
            "failure": failure.as_dict() if failure else None,
            "failing_rows": rows_written,
        },
    )
    write_atomic(folder / "record.json", record.dump(rec))
    if not failure:
        write_atomic(folder / CALENDAR_FILE, record_calendar(rec))
        write_atomic(folder / COVERAGE_FILE, coverage_json(rec))
    write_atomic(folder / "record.html", html)
    if job.pdf:
        from kit.record.pdf import write_pdf

        write_pdf(html, folder / "record.pdf")
    reason = f"{failure.step}, cell {failure.cell}: {failure.error}" if failure else rows_problem
    status = "failed" if failure or reason else "ok"
    return ProjectRun(job.name, status, time.perf_counter() - started, rec, reason)


def _write_failures(job: Job, rec: dict[str, Any], folder: Path) -> tuple[list[dict], str]:
    """--failures: the failing rows beside the record, and why they could not be written ("")."""
    from kit.run import failures

    try:
        return failures.write(job.project, rec, folder / "failures", job.failures), ""
    except Exception as exc:  # the record stands; the batch says the rows are missing
        from kit.checks.engine.connections import redact

        return [], redact(
            f"failing rows not written: {type(exc).__name__}: {exc}".splitlines()[0], job.project
        )


def _failing_queries(job: Job, rec: dict[str, Any]) -> list[dict]:
    """Without --failures: each failing rule's SQL for the record; a rule that cannot be compiled
    again leaves the record without queries (the checks' own results stand, and say it)."""
    from kit.run import failures

    try:
        return failures.listed(job.project, rec)
    except Exception:  # the checks ran and reported; only the printable query is missing
        return []


def _export(steps, wbk):
    from kit.record.export import export_record

    return export_record(steps, wbk)


def _answers_data(project: Path) -> dict[str, Any]:
    try:
        return yamlfile.read(answers_path(project)).data
    except AnswersError:
        return {}


def _next_review(rec: dict[str, Any]) -> str:
    review = rec.get("next_review")
    return f"{review['date']} by {review['owner']}" if review else ""


def _facts(job: Job, rec: dict[str, Any]) -> list[tuple[str, str]]:
    prov = rec["provenance"]
    facts = [
        ("Project", rec.get("project") or job.name),
        ("Decision", rec.get("decision") or "none: the run failed"),
        ("As of", rec.get("as_of") or str(job.parameters.get("as_of") or "")),
        ("Executed", prov["executed_at"]),
        ("Next review", _next_review(rec)),
        ("Kit version", prov["kit_version"]),
        ("Answers schema version", str(prov["schema_version"])),
        ("Answers SHA-256", prov["answers_sha256"][:16] + "…"),
    ]
    return [(k, v) for k, v in facts if v]


# --- many projects --------------------------------------------------------------------------


def make_jobs(
    projects: list[str],
    out: Path,
    as_of: str | None,
    pdf: bool = False,
    baselines: Baselines | None = None,
    failures: Any = None,
) -> list[Job]:
    names: dict[str, int] = {}
    made = []
    for project in projects:
        path = Path(project).resolve()
        base = path.name if path.suffix not in {".yaml", ".yml"} else path.parent.name
        names[base] = names.get(base, 0) + 1
        name = base if names[base] == 1 else f"{base}-{names[base]}"
        folder = path if path.is_dir() or path.suffix not in {".yaml", ".yml"} else path.parent
        baseline = baselines.for_project(name) if baselines else None
        # Relative to the project: the kernel works in the project folder (see prepare), and
        # neither the notebooks nor record.json carry this machine's paths.
        params = {"project": ".", "as_of": as_of, "show_form": False}
        if baseline:  # a first run has none; the notebooks' default (None) stands
            params["baseline"] = os.path.relpath(baseline, folder)
        made.append(
            Job(
                folder, name, out / name, params, pdf=pdf, failures=failures, title=_title(folder, name, made)
            )
        )
    return made


def _title(folder: Path, name: str, earlier: list[Job]) -> str:
    """The project's own name for progress lines and the summary; two alike get their folder."""
    project = _answers_data(folder).get("project")
    title = str(project.get("name") or name) if isinstance(project, dict) else name
    return f"{title} ({name})" if any(j.title == title for j in earlier) else title


def guarded_run(job: Job, report, session: KernelSession) -> ProjectRun:
    """run_project into a staging folder swapped in when it finishes, under the project's lock; a
    crash of our own is reported as that project's failure (its previous record stays), not the
    batch's."""
    try:
        with staging.project_folder(job.out.parent, job.name) as folder:
            return run_project(job, folder, session, report)
    except Exception as exc:
        return ProjectRun.crashed(job, exc)


@dataclass
class Baselines:
    """--baseline (one project's earlier record.json) or --baseline-dir (a previous run's OUT)."""

    file: Path | None = None
    folder: Path | None = None

    def for_project(self, name: str) -> str | None:
        if self.file:
            return str(self.file.resolve())
        earlier = self.folder / name / "record.json" if self.folder else None
        return str(earlier.resolve()) if earlier and earlier.is_file() else None  # none: a first run

    def problem(self, projects: list[str]) -> str | None:
        if self.file and len(projects) > 1:
            return "--baseline compares one project; use --baseline-dir for several"
        if self.file and not self.file.is_file():
            return f"--baseline {self.file}: no such file"
        if self.folder and not self.folder.is_dir():
            return f"--baseline-dir {self.folder}: no such folder"
        return None


def run_projects(
    projects: list[str],
    out: Path,
    jobs: int = 1,
    as_of: str | None = None,
    allow_errors: bool = False,
    pdf: bool = False,
    baselines: Baselines | None = None,
    fail_on: str = gate.DEFAULT_FAIL_ON,
    reports: Reports | None = None,
    failures: Any = None,
) -> int:
    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            print(f"wbk run: --as-of {as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
    if jobs < 1:
        print("wbk run: --jobs must be at least 1", file=sys.stderr)
        return 2
    missing = [p for p in projects if not answers_path(p).is_file()]
    if missing:
        print(f"wbk run: no answers.yaml in {', '.join(missing)}", file=sys.stderr)
        return 2
    problem = baselines.problem(projects) if baselines else None
    if problem:
        print(f"wbk run: {problem}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    all_jobs = make_jobs(projects, out, as_of, pdf, baselines, failures)
    progress = Progress([j.title for j in all_jobs], [p.stem for p in step_notebooks()])
    outcomes: list[ProjectRun] = []
    try:
        if jobs == 1:
            _build_exporter_early()
            with KernelSession(start=True) as session:  # spawned now: it starts while papermill imports
                for job in all_jobs:
                    outcomes.append(guarded_run(job, progress.update, session))
        else:
            outcomes = _run_pool(all_jobs, jobs, progress)
    except KeyboardInterrupt:
        print(
            "wbk run: interrupted; records already written are complete, the rest are unchanged",
            file=sys.stderr,
        )
        index.rebuild(out)  # the projects that finished are listed
        return 130
    finally:
        progress.close()
    index.rebuild(out, {o.name: o.reason for o in outcomes if not o.published})
    print(summary_table(outcomes))
    return finish(outcomes, out, fail_on, allow_errors, reports or Reports())


@dataclass
class Reports:
    """Machine-readable reports a batch writes besides the records (--junit FILE)."""

    junit: Path | None = None


def finish(outcomes: list[ProjectRun], out: Path, fail_on: str, allow_errors: bool, reports: Reports) -> int:
    """Judge every project against the gate, write OUT/summary.json (and the JUnit file), say why
    the batch does not exit 0, and return the exit code of gate.EXIT_CODES."""
    verdicts = [gate.judge(o.name, o.status, _with_failure(o), fail_on, allow_errors) for o in outcomes]
    write_atomic(out / "summary.json", gate.summary_json(verdicts, fail_on, allow_errors))
    if reports.junit:
        from kit.run.junit import junit_xml

        projects = [
            (o.name, _with_failure(o), o.seconds, out.resolve() / o.name / "record.html") for o in outcomes
        ]
        write_atomic(reports.junit, junit_xml(projects, reports.junit))
    for verdict in verdicts:
        if verdict.code:
            print(f"wbk run: {verdict.project}: {verdict.reason} (exit {verdict.code})", file=sys.stderr)
    if any(v.details["errored_checks"] for v in verdicts) and not allow_errors:
        print(
            "wbk run: the records say which checks could not run and why (--allow-errors accepts them)",
            file=sys.stderr,
        )
    return gate.exit_code(verdicts)


def _with_failure(outcome: ProjectRun) -> dict[str, Any]:
    """The record, or for a project that crashed before it had one, a record saying why."""
    if outcome.status == "ok" or outcome.record.get("failure"):
        return outcome.record
    return {**outcome.record, "failure": {"step": "run", "cell": 0, "error": outcome.reason}}


def _worker(todo, events) -> list[ProjectRun]:
    """One worker process: takes projects until none are left, all in one kernel session (a
    failed project's kernel is replaced; the session ends with the worker)."""
    done = []
    with KernelSession() as session:
        while (job := todo.get()) is not None:
            done.append(guarded_run(job, lambda *event: events.put(event), session))
    return done


def _run_pool(all_jobs: list[Job], jobs: int, progress: Progress) -> list[ProjectRun]:
    # spawn, not fork: a process that already holds threads (a test run's Spark gateway, a kernel
    # client's I/O thread) can fork a child with a lock held forever, and a worker then hung with
    # its kernel idle. A spawned worker imports the kit again (about a second) and starts clean.
    context = mp.get_context("spawn")
    workers = min(jobs, len(all_jobs))
    with context.Manager() as manager:
        todo, events = manager.Queue(), manager.Queue()
        for job in [*all_jobs, *[None] * workers]:  # one None per worker: no more projects
            todo.put(job)
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_worker, todo, events) for _ in range(workers)]
            pending = set(futures)
            while pending:
                _, pending = cf.wait(pending, timeout=0.1)
                _drain(events, progress)
            _drain(events, progress)
    finished: dict[str, ProjectRun] = {}
    died: BaseException = RuntimeError("its worker process died before the project finished")
    for future in futures:
        try:
            finished.update((o.name, o) for o in future.result())
        except Exception as exc:  # a worker process itself died: its projects are failures
            died = exc
    return [finished.get(job.name) or ProjectRun.crashed(job, died) for job in all_jobs]


def _drain(events, progress: Progress) -> None:
    while not events.empty():
        progress.update(*events.get())


def summary_table(outcomes: list[ProjectRun]) -> str:
    header = ("project", "status", "decision", "blockers", "conditions", "seconds")
    rows = [
        (
            o.record.get("project") or o.name,
            o.status,
            o.record.get("decision") or o.reason,
            str(len(o.record.get("blockers", []))),
            str(len(o.record.get("conditions", []))),
            f"{o.seconds:.1f}",
        )
        for o in outcomes
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
