"""JupyterLab in Debian's Chromium: run step 1, edit the form, Save; then an invalid value is shown
inline and leaves the file alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_example
from lab_server import jupyter_lab

from kit.answers import loading as answers
from kit.run.lab import prepare_workbook
from kit.run.project import validate

pytestmark = pytest.mark.browser
TIMEOUT = 90_000


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


def field(form, label: str):
    """The text area or input under a visible form label (labels sit above their inputs)."""
    shown = form.locator(f".widget-label:text-is('{label}')").filter(visible=True).first
    return shown.locator("xpath=..").locator("textarea, input").first  # the label's own field box


def test_run_all_edit_save_and_reject_invalid(lab) -> None:
    page, url, token, project = lab
    path: Path = project / "answers.yaml"
    page.goto(f"{url}/lab/tree/01_problem_boundaries.ipynb?reset&token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    page.locator("#jp-main-statusbar >> text=Idle").wait_for()
    page.locator('.lm-MenuBar-itemLabel:text-is("Run")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()
    form = page.locator(".jp-OutputArea-output").filter(has=page.locator("button:has-text('Save')")).first
    form.wait_for()
    page.locator(".wbk-verdict").wait_for()  # the last cell ran: the verdict is shown
    assert "GenAI with human review" in page.locator(".wbk-verdict").inner_text()

    # the step's own parts (Project, Problem boundaries) are open; their insides are folded
    name = field(form, "Name")
    assert name.input_value() == "Lab result report drafting"
    name.fill("Lab result report drafting (pilot)")
    name.press("Tab")
    form.locator("button:has-text('Save')").click()
    form.locator("text=Saved to answers.yaml").wait_for()
    assert answers.load(project).answers.project.name == "Lab result report drafting (pilot)"
    assert validate(project).ok()
    assert "# every freshness, audit and sign-off check is evaluated against this date" in path.read_text()

    before = path.read_bytes()
    as_of = field(form, "As of")
    as_of.fill("2026-02-31")
    as_of.press("Tab")
    form.locator("button:has-text('Save')").click()
    inline = form.locator(".widget-label", has_text="⚠").filter(visible=True).first
    inline.wait_for()
    assert "date" in inline.inner_text().lower()
    assert "Not saved" in form.inner_text()
    assert path.read_bytes() == before
