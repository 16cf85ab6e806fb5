"""The analyst's workbook in JupyterLab, in Debian's Chromium at 1400x1000: every step runs, its
tables are left-aligned and nothing is wider than the screen; step 1's text area is filled and
saved; step 2's rule editor tries a rule on the medical example, reads the planted count, adds the
rule and the decision panel shows the new condition. A screenshot of each step's first screen is
written to $WBK_ARTEFACTS (default build/screenshots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, copy_example
from lab_server import jupyter_lab
from planted import planted

from kit.answers import loading as answers
from kit.run.execute import step_notebooks
from kit.run.lab import prepare_workbook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
TIMEOUT = 120_000
ARTEFACTS = Path(os.environ.get("WBK_ARTEFACTS", ROOT / "build" / "screenshots"))
STEPS = [p.name for p in step_notebooks()]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser):
    home = tmp_path_factory.mktemp("lab")
    project = copy_example("medical_reports", home)
    workbook = prepare_workbook(project)[0].parent
    with jupyter_lab(workbook, home) as (url, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT)
        yield page, url, token, project
        page.close()


def run_all(page, url: str, token: str, notebook: str) -> None:
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    page.locator("#jp-main-statusbar >> text=Idle").wait_for()
    page.locator('.lm-MenuBar-itemLabel:text-is("Run")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()
    page.wait_for_function(EVERY_CELL_RAN, polling=500)


EVERY_CELL_RAN = """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }"""


def labelled(form, label: str):
    """The text area or input under a form label (labels sit above their inputs)."""
    shown = form.locator(f".widget-label:text-is('{label}')").filter(visible=True).first
    return shown.locator("xpath=..").locator("textarea, input").first  # the label's own field box


FIRST_SCREEN_TOP = "e => { e.scrollTop = 0; }"
RIGHT_ALIGNED = """() => [...document.querySelectorAll('.jp-OutputArea-output .wbk td, .jp-OutputArea-output .wbk th')]
  .filter(c => c.innerText.trim() && getComputedStyle(c).textAlign === 'right').map(c => c.innerText.slice(0, 60))"""
TOO_WIDE = """() => [...document.querySelectorAll('.jp-OutputArea-output')]
  .filter(o => o.getBoundingClientRect().right > window.innerWidth + 1).length"""


@pytest.mark.parametrize("notebook", STEPS)
def test_each_step_runs_left_aligned_within_the_screen_and_its_first_screen_is_kept(
    lab, notebook: str
) -> None:
    page, url, token, _ = lab
    run_all(page, url, token, notebook)
    assert page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
    assert page.evaluate(RIGHT_ALIGNED) == []
    assert page.evaluate(TOO_WIDE) == 0
    page.locator(".jp-WindowedPanel-outer").first.evaluate(FIRST_SCREEN_TOP)
    page.wait_for_timeout(300)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{Path(notebook).stem}.png"))


def test_fill_a_text_area_and_save(lab) -> None:
    page, url, token, project = lab
    run_all(page, url, token, STEPS[0])
    form = page.locator(".jp-OutputArea-output").filter(has=page.locator("button:has-text('Save')")).first
    form.locator(".jupyter-widget-Collapse-header", has_text="Outcome").first.click()
    outcome = labelled(form, "Desired outcome")
    text = "Reports patients can read.\nEvery value as in the laboratory system."
    outcome.fill(text)
    outcome.press("Tab")
    form.locator("button:has-text('Save')").click()
    form.locator("text=Saved to answers.yaml").wait_for()
    assert answers.load(project).answers.problem_boundaries.outcome.desired_outcome == text
    form.locator(".wbk-panel", has_text="What this save changed").wait_for()  # redrawn after the save
    assert "Nothing in the decision changed" in form.locator(".wbk-panel").inner_text()


def test_try_a_rule_read_the_planted_count_add_it_and_see_the_decision_change(lab) -> None:
    page, url, token, project = lab
    run_all(page, url, token, STEPS[1])
    form = page.locator(".jp-OutputArea-output").filter(has=page.locator("button:has-text('Save')")).first
    editor = form.locator(".widget-vbox").filter(has=page.locator("text=Try a rule on the data")).last
    editor.locator("select").first.select_option("lab_results")
    tags = editor.locator(".jupyter-widget-taginput")
    tags.fill("unit")
    tags.press("Enter")
    editor.locator("select").nth(1).select_option(index=0)  # the first kind: not_null
    editor.locator("button:has-text('Try')").click()
    missing_unit = len(planted("medical_reports")["rows"]["missing_unit"])
    counted = editor.locator(".wbk-tried b").first
    counted.wait_for()
    assert counted.inner_text().startswith(f"{missing_unit} of 3,504 lab results")
    conditions_before = form.locator(".wbk-panel").inner_text().count("Condition ")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(ARTEFACTS / "rule-editor-tried.png"))

    editor.locator(".widget-text", has=page.locator(".widget-label:text-is('Rule id')")).locator(
        "input"
    ).fill("unit_there")
    editor.locator("button:has-text('Add')").click()
    editor.locator("text=Added rule").wait_for()
    assert answers.load(project).answers.data_quality.rules[-1].id == "unit_there"
    panel = form.locator(".wbk-panel").inner_text()
    assert "new condition" in panel and f"{missing_unit} of 3,504 lab results" in panel
    assert panel.count("Condition ") == conditions_before + 1
    form.locator(".wbk-panel").screenshot(path=str(ARTEFACTS / "decision-panel-after-add.png"))
