from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kit.answers import yamlfile
from kit.findings import parse_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASES = Path(__file__).resolve().parent / "cases"


def copy_example(name: str, target: Path) -> Path:
    destination = target / name
    shutil.copytree(EXAMPLES / name, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


@pytest.fixture
def medical(tmp_path: Path) -> Path:
    """A private copy of the medical example, safe to edit."""
    return copy_example("medical_reports", tmp_path)


def apply_edits(project: Path, edits: dict, delete: tuple = ()) -> None:
    """Set (and delete) dotted answer paths, lists by index (a.b[2].c), in a project's answers.yaml."""
    path = project / "answers.yaml"
    document = yamlfile.read(path)

    def parent_of(dotted: str):
        *parents, last = parse_path(dotted)
        node = document.tree
        for part in parents:
            node = node[part]
        return node, last

    for dotted, value in edits.items():
        node, last = parent_of(dotted)
        node[last] = value
    for dotted in delete:
        node, last = parent_of(dotted)
        del node[last]
    path.write_text(yamlfile.dump(document.tree), encoding="utf-8")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser). In CI it must run."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
