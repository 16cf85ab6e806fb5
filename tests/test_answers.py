"""The answers file: valid and invalid cases from tests/cases, located errors, atomic saves."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CASES, EXAMPLES, ROOT, apply_edits
from ruamel.yaml import YAML

from kit.answers import loading as answers
from kit.answers.schema import json_schema
from kit.cli import main
from kit.findings import AnswersError
from kit.run.project import validate

INVALID = YAML(typ="safe").load((CASES / "answers_invalid.yaml").read_text())
VALID = YAML(typ="safe").load((CASES / "answers_valid.yaml").read_text(encoding="utf-8"))
LOCATED = re.compile(r"^\S+answers\.yaml(:\d+:\d+)?: (error|warning): ")


def apply_case(project: Path, case: dict) -> Path:
    path = project / "answers.yaml"
    if "text" in case:
        path.write_text(case["text"], encoding="utf-8")
    elif case.get("raw") == "binary":
        path.write_bytes(b"schema_version: 1\n\x00\x01\x02\xff\xfe garbage")
    elif case.get("raw") == "latin1":
        path.write_bytes("schema_version: 1\nproject: caf\xe9\n".encode("latin-1"))
    elif case.get("raw") == "huge":
        path.write_bytes(b"# padding\n" * 5_300_000)
    elif case.get("raw") == "missing":
        path.unlink()
    elif case.get("raw") == "folder":
        path.unlink()
        path.mkdir()
    elif "replace" in case:
        old, new = case["replace"]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"case text {old!r} not in the example"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    else:
        apply_edits(project, case.get("set", {}), tuple(case.get("delete", [])))
    return path


@pytest.mark.parametrize("case", INVALID, ids=[c["name"] for c in INVALID])
def test_invalid_answers_give_located_errors(medical: Path, case: dict, capsys) -> None:
    apply_case(medical, case)
    status = main(["validate", str(medical)])
    out = capsys.readouterr().out
    assert status == 2, out  # invalid answers (kit.run.gate.EXIT_CODES)
    lines = out.strip().splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert "INVALID" in summary
    assert findings, "an invalid file must say what is wrong"
    for line in findings:
        assert LOCATED.match(line), f"not a located one-line message: {line!r}"
    for expected in case["expect"]:
        assert any(expected in line for line in findings), f"{expected!r} not in:\n{out}"


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_valid_edits_stay_valid(medical: Path, case: dict, capsys) -> None:
    apply_case(medical, case)
    assert main(["validate", str(medical)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "answers.yaml").exists())
)
def test_examples_are_valid(example: str, capsys) -> None:
    assert main(["validate", str(EXAMPLES / example)]) == 0, capsys.readouterr().out


def test_strict_turns_missing_recommended_fields_into_failures(medical: Path, capsys) -> None:
    assert main(["validate", str(medical)]) == 0
    assert main(["validate", "--strict", str(medical)]) == 2
    out = capsys.readouterr().out
    assert "data_quality.validation_team[2].sign_off.date: recommended field is empty" in out


def test_completeness_counts_required_and_recommended_fields(medical: Path) -> None:
    result = validate(medical)
    done = result.completeness
    assert done is not None and 0 < done.filled < done.total
    assert done.total - done.filled == len(done.missing) == len(result.warnings)


def test_blank_recommended_text_is_a_warning_not_an_error(medical: Path) -> None:
    apply_edits(medical, {"project.summary": ""})
    result = validate(medical)
    assert not result.errors
    assert any(f.path == "project.summary" for f in result.warnings)


def test_cli_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


@pytest.mark.parametrize("command", ["validate", "schema", "new", "run", "lab", "diff"])
def test_every_subcommand_has_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "usage: wbk " + command in capsys.readouterr().out


def test_committed_schema_is_current() -> None:
    """Golden file: delete templates/answers.schema.json and run the tests to regenerate it."""
    golden = ROOT / "templates" / "answers.schema.json"
    current = json.dumps(json_schema(), indent=2) + "\n"
    if not golden.exists():
        golden.write_text(current, encoding="utf-8")
        pytest.fail("templates/answers.schema.json regenerated; review the diff and commit it")
    assert json.loads(golden.read_text(encoding="utf-8")) == json_schema(), (
        "the schema changed: delete templates/answers.schema.json, rerun, review the diff"
    )


def test_schema_command_prints_the_schema(capsys) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema["$defs"]["Source"]["properties"]["verified_by"]["x-importance"] == "recommended"


def test_new_scaffolds_from_starter_and_from_example(tmp_path: Path, capsys) -> None:
    assert main(["new", str(tmp_path / "fresh")]) == 0
    fresh = validate(tmp_path / "fresh")
    assert fresh.errors and all(f.line > 0 for f in fresh.errors), "starter lists what to fill in"
    assert main(["new", str(tmp_path / "copy"), "--from", "medical_reports"]) == 0
    assert validate(tmp_path / "copy").ok()
    assert main(["new", str(tmp_path / "copy")]) == 2, "never overwrites a project"
    assert main(["new", str(tmp_path / "x"), "--from", "no_such_example"]) == 2


# --- saving -----------------------------------------------------------------------------------


def test_save_keeps_comments_and_key_order(medical: Path) -> None:
    loaded = answers.load(medical)
    data = answers.to_data(loaded.answers)
    data["project"]["owner"] = "Dr. Someone Else"
    answers.save(loaded.document, data)
    text = (medical / "answers.yaml").read_text(encoding="utf-8")
    assert "owner: Dr. Someone Else" in text
    assert "# every freshness, audit and sign-off check is evaluated against this date" in text
    assert "# past its 180-day SLA on 2026-11-01: a condition of the record" in text
    assert text.index("schema_version") < text.index("project:") < text.index("problem_boundaries:")
    assert answers.load(medical).answers.project.owner == "Dr. Someone Else"


def test_invalid_save_leaves_the_file_untouched(medical: Path) -> None:
    before = (medical / "answers.yaml").read_bytes()
    loaded = answers.load(medical)
    data = answers.to_data(loaded.answers)
    data["project"]["as_of"] = "not a date"
    with pytest.raises(AnswersError) as exc:
        answers.save(loaded.document, data)
    assert "project.as_of" in str(exc.value)
    assert (medical / "answers.yaml").read_bytes() == before


WRITER = """
import sys
from pathlib import Path
from kit.atomic import write_atomic
path, big = Path(sys.argv[1]), sys.argv[2]
print("ready", flush=True)
n = 0
while True:
    n += 1
    write_atomic(path, f"# save {n}\\n" + big)
"""


def test_killed_writer_never_leaves_a_broken_file(medical: Path) -> None:
    path = medical / "answers.yaml"
    original = path.read_text(encoding="utf-8")
    big = original + "# " + "x" * 200 + "\n" * 2000  # large enough that a write takes a while
    for delay in (0.05, 0.11, 0.17, 0.23):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), big],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        text = path.read_text(encoding="utf-8")
        assert text == original or text.endswith(big), "a save was visible half-written"
        assert answers.load(medical).answers.project.name == "Lab result report drafting"
