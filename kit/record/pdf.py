"""record.pdf from record.html with WeasyPrint (pure Python on Pango; no browser, no network).

WeasyPrint applies the record's print CSS fully: the running header of @page margin boxes, page
numbers, ``target-counter`` page references after in-page links, and rows never split across pages.
The first screen is page 1. Text stays text, so the PDF is searchable (pdftotext reads it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from kit.atomic import write_atomic


def _no_fetch(url: str, timeout: int = 10, ssl_context=None, http_headers=None):
    """The record is self-contained: any URL it names is refused rather than fetched."""
    raise ValueError(f"record.pdf loads nothing from outside the record: {url}")


def to_pdf(html: str) -> bytes:
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # it reports CSS it ignores, line by line
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def write_pdf(html: str, path: Path) -> None:
    write_atomic(path, to_pdf(html))
