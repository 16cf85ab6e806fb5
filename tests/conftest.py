from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbconvert.exporters  # noqa: F401  (see below)
import pytest

from kit.answers import yamlfile
from kit.findings import parse_path

# nbconvert is imported here, once, before any test runs: `wbk run` imports it on a thread of its own
# (kit.run.batch builds the exporter early), and bleach, which it imports, silences a warning with
# warnings.catch_warnings, which is not thread-safe. Racing a test's own warning filters, that import
# raised the DeprecationWarning as an error in whichever test was running (seen once in 500).
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


# Kernel-executing and browser tests: room for a module fixture that runs several projects on a
# loaded 2-core machine; anything else gets pyproject's default (120 s).
KERNEL_TIMEOUT = 600


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        slow = item.get_closest_marker("notebook") or item.get_closest_marker("browser")
        if slow and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(KERNEL_TIMEOUT))


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium(env=None, which=shutil.which) -> tuple[str | None, str]:
    """The browser to drive and, if none, why: $WBK_CHROMIUM (a path or a command name) wins, then
    the first of CHROMIUM_NAMES on PATH."""
    env = os.environ if env is None else env
    named = env.get("WBK_CHROMIUM")
    if named:
        found = which(named)
        if found:
            return found, ""
        return None, f"WBK_CHROMIUM={named} is not an executable file or a command on PATH"
    for name in CHROMIUM_NAMES:
        found = which(name)
        if found:
            return found, ""
    return None, (
        f"no Chromium found: none of {', '.join(CHROMIUM_NAMES)} is on PATH; install one "
        "(apt-get install chromium) or set WBK_CHROMIUM to its path"
    )


@pytest.fixture(scope="session")
def browser():
    """A local Chromium driven by Playwright (never a downloaded browser). In CI it must run."""
    executable, missing = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
