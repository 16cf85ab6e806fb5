"""What the wbk command prints reads as English: counts agree with their nouns."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import apply_edits

from kit.cli import main


def test_validate_says_1_error_not_1_errors(medical: Path, capsys) -> None:
    apply_edits(medical, {"project.as_of": "2026-02-31"})
    assert main(["validate", str(medical)]) == 2  # invalid answers
    summary = capsys.readouterr().out.splitlines()[-1]
    assert ", 1 error, " in summary, summary
    assert not re.search(r"\b1 (errors|warnings|fields)\b", summary), summary


def test_validate_counts_fields_with_their_noun(medical: Path, capsys) -> None:
    assert main(["validate", str(medical)]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    found = re.search(
        r"valid, ([\d.]+) % complete \((\d+) of ([\d,]+) fields\), 0 errors, (\d+) warnings?", summary
    )
    assert found, summary
    share, filled, total = float(found[1]), int(found[2]), int(found[3].replace(",", ""))
    assert abs(share - 100 * filled / total) < 0.1 and (share < 100 or filled == total)
