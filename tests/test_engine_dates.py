"""Dates and times (issue 15): a fresh_within rule on ISO timestamps with ``Z`` counts exactly the
rows older than the cut-off, where as_of is a day in the project's time zone; the count is computed
independently here with pandas. Columns of non-dates are located errors in validate."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLES

from kit.answers.schema import Rule, Source
from kit.checks import rules
from kit.checks.engine import datasets

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def departures() -> pd.Series:
    """Departure times as ISO text with Z, many of them near the cut-offs' midnight."""
    rng = np.random.default_rng(15)
    start = pd.Timestamp("2025-10-01T00:00:00Z")
    seconds = rng.integers(0, 120 * 86_400, 20_000)
    times = start + pd.to_timedelta(seconds, unit="s")
    return pd.Series(times.strftime("%Y-%m-%dT%H:%M:%SZ"), name="time_hour")


def older_than_cutoff(times: pd.Series, timezone: str) -> int:
    cutoff = pd.Timestamp(AS_OF - dt.timedelta(days=365)).tz_localize(timezone)
    return int((pd.to_datetime(times, utc=True) < cutoff).sum())


def source(sample: str) -> Source:
    return Source(
        id="flights", name="f", kind="file", licence="x", access="granted", scope="broad", sample=sample
    )


RULE = Rule(
    id="fresh",
    dataset="flights",
    columns=["time_hour"],
    check="fresh_within",
    params={"days": 365},
    severity="condition",
)


def write(departures: pd.Series, folder: Path, form: str) -> str:
    frame = departures.to_frame().assign(n=range(len(departures)))
    if form == "csv":
        frame.to_csv(folder / "f.csv", index=False)
    elif form == "parquet-text":
        frame.to_parquet(folder / "f.parquet", index=False)
    else:
        frame.to_json(folder / "f.jsonl", orient="records", lines=True)
    return {"csv": "f.csv", "parquet-text": "f.parquet", "jsonl": "f.jsonl"}[form]


@pytest.mark.parametrize("timezone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("form", ["csv", "parquet-text", "jsonl"])
def test_fresh_within_on_zoned_iso_timestamps(departures, tmp_path, timezone, form) -> None:
    table = datasets.open_source(source(write(departures, tmp_path, form)), tmp_path)
    result = rules.run_on_table([RULE], table, AS_OF, timezone)[0]
    expected = older_than_cutoff(departures, timezone)
    assert result.error == ""
    assert (result.checked, result.failed) == (len(departures), expected)
    assert 0 < expected < len(departures)


def test_the_time_zone_moves_the_cutoff_and_the_meaning_states_it(departures, tmp_path) -> None:
    table = datasets.open_source(source(write(departures, tmp_path, "csv")), tmp_path)
    utc, new_york = (rules.run_on_table([RULE], table, AS_OF, tz)[0] for tz in ("UTC", "America/New_York"))
    assert new_york.failed > utc.failed  # New York's midnight comes 5 hours after UTC's
    assert "on or after 2025-11-24 00:00 America/New_York (2025-11-24 05:00 UTC)" in new_york.detail
    assert "on or after 2025-11-24 00:00 UTC" in utc.detail


def test_non_dates_are_a_located_error_in_validate(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "medical_reports", project)
    data = project / "data" / "lab_results.csv"
    text = data.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    row = text[5].split(",")
    row[header.index("collected_on")] = "last tuesday"
    text[5] = ",".join(row)
    data.write_text("\n".join(text) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kit.cli", "validate", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2  # invalid answers
    assert "Traceback" not in done.stderr
    line = next(ln for ln in done.stdout.splitlines() if "rules[8].columns[0]" in ln)
    assert line.startswith(f"{project / 'answers.yaml'}:")
    assert (
        ": error: data_quality.rules[8].columns[0]: column 'collected_on' holds values that are not dates"
        in line
    )
    assert "'last tuesday'" in line
