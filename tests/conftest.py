from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
