"""Where the kit's data folders live: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    inside = PACKAGE / "_data" / name  # wheel builds copy the folders here (see pyproject)
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES = _data_dir("templates")
NOTEBOOKS = _data_dir("notebooks")
EXAMPLES = _data_dir("examples")
RUBRICS = TEMPLATES / "rubrics"
