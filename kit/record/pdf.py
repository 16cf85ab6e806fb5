"""record.pdf from record.html with WeasyPrint (pure Python on Pango; no browser, no network).

WeasyPrint applies the record's print CSS fully: the running header of @page margin boxes, page
numbers, ``target-counter`` page references after in-page links, and rows never split across pages.
The first screen is page 1. Text stays text, so the PDF is searchable (pdftotext reads it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from kit.atomic import write_atomic


def to_pdf(html: str) -> bytes:
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # it reports CSS it ignores, line by line
    # The record is self-contained: nothing but data: URIs may load, so no URL it names is fetched.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def write_pdf(html: str, path: Path) -> None:
    write_atomic(path, to_pdf(html))
