"""The ``wbk`` command: a thin layer over library calls. ``wbk run`` and ``wbk validate`` exit with
the codes of kit.run.gate.EXIT_CODES (0 met the gate, 1 failed or could not run, 2 usage or invalid
answers, 3 a decision met --fail-on); ``wbk diff`` exits 1 when the records differ."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from kit import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2  # the gate's table (kit.run.gate) agrees: 2 is usage


def cmd_validate(args: argparse.Namespace) -> int:
    from kit.run.project import validate

    status = EXIT_OK
    for project in args.projects:
        result = validate(project)
        for finding in result.findings:
            if finding.severity == "error" or args.strict or not args.quiet:
                print(finding)
        print(f"{project}: {validate_summary(result, args.strict)}")
        if not result.ok(args.strict):
            status = EXIT_USAGE  # invalid answers: the gate's code 2, as wbk run gives for them
    return status


def validate_summary(result, strict: bool) -> str:
    """ "valid, 99.5 % complete (199 of 200 fields), 1 error, 2 warnings": counts in words that agree
    with them, and a share never rounded up to 100 % while a field is missing."""
    from kit.phrases import percent, plural

    parts = ["valid" if result.ok(strict) else "INVALID"]
    done = result.completeness
    if done:
        parts.append(
            f"{percent(done.filled, done.total)} complete ({done.filled} of {plural(done.total, 'field')})"
        )
    parts += [plural(len(result.errors), "error"), plural(len(result.warnings), "warning")]
    return ", ".join(parts)


def cmd_schema(args: argparse.Namespace) -> int:
    from kit.answers.schema import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=False))
    return EXIT_OK


def cmd_kinds(args: argparse.Namespace) -> int:
    """The check kinds a rule may name and the output checks an unacceptable output may cite."""
    from kit.answers.schema import SEVERITIES
    from kit.checks.engine.kinds import KINDS
    from kit.checks.outputs import OUTPUT_CHECKS

    print(
        "rule kinds (data_quality.rules[].check; on a source, or on generated outputs by dataset: <outputs id>):"
    )
    for name, kind in KINDS.items():
        least, most = kind.columns
        columns = f"{least}" if least == most else f"{least}+" if most is None else f"{least}-{most}"
        params = ", ".join(kind.params.model_fields) or "-"
        print(f"  {name:<16} {columns} columns; params: {params}; e.g. {kind.example_meaning()}")
    print(
        "columns of an output rule: output field paths (sections.pay.salary_min), input.<column> of the\n"
        "output's input row, <dataset>.<column> of generated_outputs.joins; a source rule reads\n"
        "<dataset>.<column> of its own join: [{dataset, on: {column: column}}]"
    )
    print("output checks (need data_quality.generated_outputs):")
    for name, (_, meaning) in OUTPUT_CHECKS.items():
        print(f"  {name:<26} {meaning}")
    print("severities (data_quality.rules[].severity):")
    for word, meaning in SEVERITIES.items():
        print(f"  {word:<18} {meaning}")
    return EXIT_OK


def cmd_frameworks(args: argparse.Namespace) -> int:
    """The frameworks project.frameworks may name, with their source's version and item count."""
    from kit.decide.frameworks import listing

    print(listing())
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from kit.run.project import scaffold

    try:
        path = scaffold(Path(args.directory), args.source)
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"wbk new: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"created {path}\nnext: fill it in (wbk lab {args.directory}), then wbk validate {args.directory}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    # jsonschema imports rfc3987_syntax when it is installed, which builds IRI grammars for 0.7-1.5 s
    # at import. nbformat's validation never checks IRI formats, so this process goes without.
    sys.modules.setdefault("rfc3987_syntax", None)
    from kit.run.batch import Baselines, Reports, run_projects

    baselines = Baselines(
        Path(args.baseline) if args.baseline else None, Path(args.baseline_dir) if args.baseline_dir else None
    )
    return run_projects(
        args.projects,
        Path(args.out),
        jobs=args.jobs,
        as_of=args.as_of,
        allow_errors=args.allow_errors,
        pdf=args.pdf,
        baselines=baselines,
        fail_on=args.fail_on,
        failures=_failures(args),
        reports=Reports(junit=Path(args.junit) if args.junit else None),
    )


def _failures(args: argparse.Namespace):
    if not (args.failures or args.failures_schema):
        return None
    from kit.run.failures import Options

    return Options(schema=args.failures_schema, include_sensitive=args.include_sensitive)


def cmd_lab(args: argparse.Namespace) -> int:
    from kit.run.lab import start_lab

    project, lab_args = args.project, list(args.lab_args)
    if project.startswith("-"):  # `wbk lab -- --allow-root`: no DIR given, argparse took an option
        project, lab_args = ".", [project, *lab_args]
    return start_lab(Path(project), lab_args)


def _review_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--port", type=int, metavar="N", help="default 8866, or a free port if taken")
    parser.add_argument("--no-browser", action="store_true")
    return parser


def review_request(args: argparse.Namespace) -> tuple[int | None, bool, list[str]]:
    """Port, open-browser flag and Voilà's arguments of ``wbk review``. argparse hands everything
    after PROJECT to voila_args (and may drop a leading "--"): wbk's own options there still
    count; everything else, and all after "--", goes to Voilà."""
    rest = list(args.voila_args)
    before, after = (rest[: rest.index("--")], rest[rest.index("--") + 1 :]) if "--" in rest else (rest, [])
    parser = _review_options(argparse.ArgumentParser(prog="wbk review PROJECT", add_help=False))
    extra, unknown = parser.parse_known_args(before)
    port = extra.port if extra.port is not None else args.port
    return port, not (args.no_browser or extra.no_browser), unknown + after


def cmd_review(args: argparse.Namespace) -> int:
    from kit.run.review import start_review

    port, open_browser, voila_args = review_request(args)
    return start_review(Path(args.project), port=port, open_browser=open_browser, voila_args=voila_args)


def cmd_diff(args: argparse.Namespace) -> int:
    from kit.record.diff import diff_records, format_changes

    try:
        changes = diff_records(Path(args.old), Path(args.new))
    except (OSError, ValueError) as exc:
        print(f"wbk diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(format_changes(changes))
    return EXIT_FINDINGS if changes else EXIT_OK


def _add(
    sub, name: str, handler: Callable, help_text: str, epilog: str | None = None
) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wbk", description="Working Backwards Kit")
    parser.add_argument("--version", action="version", version=f"wbk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from kit.run import gate

    exits = f"exit codes:\n{gate.exit_table()}"
    p = _add(sub, "validate", cmd_validate, "check projects' answers files and report completeness", exits)
    p.add_argument("projects", nargs="+", metavar="PROJECT", help="project folder or answers.yaml")
    p.add_argument("--strict", action="store_true", help="treat missing recommended fields as errors")
    p.add_argument("--quiet", action="store_true", help="print errors and the summary only")

    _add(sub, "schema", cmd_schema, "print the JSON Schema of the answers file")
    _add(sub, "kinds", cmd_kinds, "list the check kinds rules may use and the output checks")
    _add(sub, "frameworks", cmd_frameworks, "list the frameworks a record can show its coverage of")

    p = _add(sub, "new", cmd_new, "create a project folder from the starter or an example")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--from", dest="source", metavar="EXAMPLE", help="example name or project folder")

    p = _add(sub, "run", cmd_run, "execute every step notebook and build the design records", exits)
    p.add_argument("projects", nargs="+", metavar="PROJECT")
    p.add_argument("--out", required=True, metavar="DIR", help="where records and the index go")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="projects run at once (default 1)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluate dates as of this day, not the answers'")
    p.add_argument(
        "--allow-errors",
        action="store_true",
        help="exit 0 even when some checks could not run (the records still show them as errors)",
    )
    p.add_argument(
        "--fail-on",
        choices=list(gate.FAIL_ON),
        default=gate.DEFAULT_FAIL_ON,
        help=f"the decisions that exit 3 (default {gate.DEFAULT_FAIL_ON}): {gate.fail_on_help()}",
    )
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report: a test suite per project")
    p.add_argument(
        "--failures",
        action="store_true",
        help="write every failing rule's failing rows to OUT/PROJECT/failures/<rule>.parquet",
    )
    p.add_argument(
        "--failures-schema",
        metavar="NAME",
        help="with a connection: write them as tables of schema NAME on the rule's database instead",
    )
    p.add_argument(
        "--include-sensitive",
        action="store_true",
        help="failure files keep the columns sources mark sensitive (left out by default)",
    )
    p.add_argument("--pdf", action="store_true", help="also write record.pdf (WeasyPrint)")
    compare = p.add_mutually_exclusive_group()
    compare.add_argument(
        "--baseline", metavar="RECORD", help="an earlier record.json: show what changed since"
    )
    compare.add_argument(
        "--baseline-dir",
        metavar="DIR",
        help="a previous run's --out: each project compared with DIR/<project>",
    )

    p = _add(sub, "lab", cmd_lab, "open JupyterLab on the step notebooks for a project")
    p.add_argument("project", metavar="DIR", nargs="?", default=".", help="project folder (default: .)")
    p.add_argument(
        "lab_args",
        metavar="-- JUPYTERLAB-ARGS",
        nargs=argparse.REMAINDER,
        help="passed to JupyterLab as given, e.g. -- --allow-root --no-browser --port 0",
    )

    p = _add(sub, "review", cmd_review, "serve the sign-off page for the validation team (Voilà, localhost)")
    p.add_argument("project", metavar="PROJECT")
    _review_options(p)
    p.add_argument("voila_args", nargs=argparse.REMAINDER, metavar="-- VOILA-ARGS", help="passed to voila")

    p = _add(sub, "diff", cmd_diff, "field-level changes between two record.json files")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("wbk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
