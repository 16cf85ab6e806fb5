"""Browser tests find Chromium where the user has it ($WBK_CHROMIUM, then PATH), skip with the
reason when there is none, and fail under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, find_chromium


def executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def on(path: Path):
    return lambda name: shutil.which(name, path=str(path))


def test_another_distributions_name_on_path_is_found(tmp_path: Path) -> None:
    found = executable(tmp_path / "bin", "chromium-browser")
    assert find_chromium({}, on(tmp_path / "bin")) == (str(found), "")


def test_wbk_chromium_wins_and_may_be_a_path_anywhere(tmp_path: Path) -> None:
    executable(tmp_path / "bin", "chromium")
    mine = executable(tmp_path / "opt" / "chrome-linux", "chrome")
    assert find_chromium({"WBK_CHROMIUM": str(mine)}, on(tmp_path / "bin")) == (str(mine), "")


def test_a_wrong_wbk_chromium_is_named_not_ignored(tmp_path: Path) -> None:
    executable(tmp_path / "bin", "chromium")
    found, reason = find_chromium({"WBK_CHROMIUM": "/nowhere/chrome"}, on(tmp_path / "bin"))
    assert found is None and "WBK_CHROMIUM=/nowhere/chrome" in reason


def test_nothing_found_says_how_to_fix_it(tmp_path: Path) -> None:
    found, reason = find_chromium({}, on(tmp_path / "empty"))
    assert found is None and "chromium-browser" in reason and "WBK_CHROMIUM" in reason


BROWSER_TEST = "def test_needs_a_browser(browser):\n    assert browser\n"


def run_browser_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """A one-test pytest session using tests/conftest.py, with Chromium named where it is not."""
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_one.py").write_text(BROWSER_TEST)
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update(env, WBK_CHROMIUM="/nowhere/chrome", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", str(tmp_path / "test_one.py")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_missing_chromium_skips_with_its_reason_and_fails_under_ci(tmp_path: Path) -> None:
    local = run_browser_test(tmp_path)
    assert local.returncode == 0, local.stdout
    assert "SKIPPED" in local.stdout and "WBK_CHROMIUM=/nowhere/chrome" in local.stdout
    ci = run_browser_test(tmp_path, CI="true")
    assert ci.returncode == 1, ci.stdout
    assert "browser tests must run in CI: WBK_CHROMIUM=/nowhere/chrome" in ci.stdout
