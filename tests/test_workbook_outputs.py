"""The kit's outputs read like the record wherever they are shown: no Python repr in any output of
the four step notebooks, every text cell left-aligned under JupyterLab's own styles, nothing wider
than 1400 px; the exported records are valid HTML (W3C Nu HTML Checker) and axe-core finds no
violation of any impact.

Built once with `wbk run` on the four examples; the executed step notebooks it keeps are what
JupyterLab shows (forms aside, which are widgets)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import EXAMPLES, ROOT

from kit import guide
from kit.checks.engine.kinds import KINDS
from kit.cli import main

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "answers.yaml").exists())
VNU = ROOT / "tests" / "vendor" / "npm" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
LAB_STATIC = Path(sys.prefix) / "share" / "jupyter" / "lab"  # the installed JupyterLab
REPRS = ("<function", "object at 0x", "<lambda>")
WIDEST = 1400


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("records")
    assert main(["run", *[str(EXAMPLES / n) for n in EXAMPLE_NAMES], "--out", str(out), "--jobs", "2"]) == 0
    return out


def html_outputs(built: Path, example: str) -> list[tuple[str, str]]:
    """(notebook, markup) of every HTML output the step notebooks showed."""
    found = []
    for path in sorted((built / example / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/html" in data:
                    found.append((path.stem, "".join(data["text/html"])))
    return found


# --- without a browser -------------------------------------------------------------------------


def test_the_kind_table_shows_sentences_never_functions() -> None:
    shown = str(guide.check_kinds())
    assert not any(r in shown for r in REPRS), shown
    assert all(f"<td><code>{name}</code></td>" in shown for name in KINDS)
    # Sentences written here from the kind table's example values, not taken from the kit.
    assert "<code>columns: []; params: {min: 100}</code></td><td>the dataset holds at least 100 rows" in shown
    assert "rows satisfy <code>amount &gt; 0 OR status = &#39;void&#39;</code>" in shown
    assert "a unit that is one of mg/dL or mmol/L" in shown


@pytest.mark.notebook
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_no_output_shows_a_python_repr(built: Path, example: str) -> None:
    for path in sorted((built / example / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                text = json.dumps(output.get("data", {})) + "".join(output.get("text", ""))
                found = [r for r in REPRS if r in text]
                assert not found, f"{path.name}: {found} in {cell.source!r}"


def vnu_jar() -> Path:
    """vnu.jar from tests/vendor/npm (npm ci there; .ci/run does it). Under CI it must be there."""
    if VNU.exists() and shutil.which("java"):
        return VNU
    missing = f"{VNU.relative_to(ROOT)} or java is missing: run npm ci --prefix tests/vendor/npm"
    if os.environ.get("CI"):
        pytest.fail(f"the HTML checker must run in CI: {missing}")
    pytest.skip(missing)


@pytest.mark.notebook
def test_records_are_valid_html(built: Path) -> None:
    jar = vnu_jar()
    records = [str(built / name / "record.html") for name in EXAMPLE_NAMES]
    checked = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "text", *records],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr[:4000]


# --- in Chromium ---------------------------------------------------------------------------------


def lab_css() -> str:
    """JupyterLab's own rules for rendered HTML outputs, read from the installed JupyterLab (its
    styles ship inside its JavaScript bundles)."""
    rules = []
    for bundle in sorted((LAB_STATIC / "static").glob("*.js")):
        text = bundle.read_text(encoding="utf-8", errors="replace")
        if ".jp-RenderedHTMLCommon td" not in text:
            continue
        text = text.replace("\\n", "\n").replace('\\"', '"')
        for selectors, body in re.findall(
            r"(?<=\})\s*([^{}\"]*jp-RenderedHTMLCommon[^{}\"]*)\{([^{}\"]*)\}", text
        ):
            rules.append(f"{selectors.strip()} {{{body}}}")
    assert any("text-align: right" in r for r in rules), "JupyterLab's right-aligned table rule was found"
    return "\n".join(rules)


ALIGNMENTS = """() => [...document.querySelectorAll('.wbk td, .wbk th')]
  .filter(c => c.innerText.trim())
  .map(c => ({align: getComputedStyle(c).textAlign, text: c.innerText.slice(0, 60)}))"""


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_outputs_are_left_aligned_and_fit_under_jupyterlab_styles(built: Path, browser, example: str) -> None:
    outputs = html_outputs(built, example)
    assert len(outputs) > 10
    page = browser.new_page(viewport={"width": WIDEST, "height": 1000})
    cells = "".join(
        f'<div class="jp-OutputArea-output jp-RenderedHTMLCommon" data-notebook="{html.escape(nb)}">{markup}</div>'
        for nb, markup in outputs
    )
    page.set_content(
        f"<!DOCTYPE html><html><head><style>{lab_css()}</style></head><body>{cells}</body></html>"
    )
    cells = page.evaluate(ALIGNMENTS)
    assert len(cells) > 100
    right = [c["text"] for c in cells if c["align"] not in ("left", "start")]
    assert not right, f"{len(right)} text cells not left-aligned, e.g. {right[:5]}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDEST
    page.close()


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_axe_finds_no_violation_of_any_impact(built: Path, browser, example: str) -> None:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto((built / example / "record.html").as_uri())
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document).then(r => r.violations.map(v => ({
              id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)})))"""
    )
    assert result == []
    context.close()
