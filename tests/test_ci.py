"""CI runs what the README promises, and no test can hang it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import KERNEL_TIMEOUT, ROOT


def test_ci_runs_the_readmes_main_command_and_checks_the_record() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    main = re.search(r"\.venv/bin/(wbk run \S+ --out (\S+))", readme)
    assert main, "the README's main command"
    command, out = main[1], main[2]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f".venv/bin/{command}\n" in script
    for made in ("record.html", "record.json"):
        assert f"{out}/medical_reports/{made}" in script


def test_every_test_has_a_timeout(request) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["pytest"]["ini_options"]["timeout"] == 120
    assert float(request.config.getini("timeout")) == 120
    assert request.node.get_closest_marker("timeout") is None, "plain tests get the default"


@pytest.mark.notebook
def test_kernel_tests_get_the_longer_timeout(request) -> None:
    assert request.node.get_closest_marker("timeout").args == (KERNEL_TIMEOUT,)


def test_a_hanging_test_fails_instead_of_hanging(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text("import time\n\ndef test_hang():\n    time.sleep(60)\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "timeout=2", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 1 and "Timeout" in done.stdout, done.stdout
