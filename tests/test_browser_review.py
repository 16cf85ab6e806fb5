"""`wbk review` in Debian's Chromium: a reviewer picks a role and signs; the answers file gains the
sign-off with the hash of what the page showed, comments intact; changed answers refuse a second
signature until the page is reloaded, and make the first one stale."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, apply_edits, copy_example

from kit.answers import loading as answers_io
from kit.answers.signoff import content_sha256
from kit.decide.decision import decide
from kit.decide.evidence import gather

pytestmark = pytest.mark.browser
TIMEOUT = 90_000
COMMENT = "# every freshness, audit and sign-off check is evaluated against this date"
URL = re.compile(r"http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+")


@contextmanager
def wbk_review(project: Path, home: Path):
    """``wbk review PROJECT`` as a user starts it; yields the URL it prints (with its token)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JUPYTER_RUNTIME_DIR": str(home / "rt"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    env.pop("JUPYTER_TOKEN", None)
    log_path = home / "review.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the server stops
    server = subprocess.Popen(
        [sys.executable, "-m", "kit.cli", "review", str(project), "--port", "0", "--no-browser"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = _wait_for_url(server, log_path)
        yield url
    finally:
        server.terminate()  # wbk passes it on to Voilà, which shuts its kernel down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for_url(server: subprocess.Popen, log_path: Path) -> str:
    deadline = time.monotonic() + 90
    while True:
        found = URL.search(log_path.read_text())
        if found:
            try:
                urllib.request.urlopen(found.group(0), timeout=5).read(100)
                return found.group(0)
            except OSError:
                pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("wbk review did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.3)


@pytest.fixture(scope="module")
def review_page(tmp_path_factory, browser):
    home = tmp_path_factory.mktemp("review")
    project = copy_example("medical_reports", home)
    with wbk_review(project, home) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT)
        yield page, url, project
        page.close()


def test_server_binds_localhost_and_wants_the_token(review_page) -> None:
    _, url, _ = review_page
    assert url.startswith("http://127.0.0.1:")
    opened = urllib.request.urlopen(url.split("?")[0], timeout=5)  # without the token
    assert "/login" in opened.url
    assert "ReviewPage" not in opened.read().decode()


def test_pick_a_role_sign_and_see_it_go_stale(review_page) -> None:
    page, url, project = review_page
    path = project / "answers.yaml"
    seen = content_sha256(answers_io.load(project).answers)
    page.goto(url)
    role = page.locator(".widget-dropdown select")
    role.wait_for()
    role.select_option(label="patient advocate — Maria Santos (patient council) (pending)")
    page.locator("text=You validate:").wait_for()
    about = page.locator(".wbk", has=page.locator(".wbk-state")).inner_text()
    assert "readability" in about and "that nothing alarms without context" in about and "pending" in about
    page.locator("summary", has_text="Acceptance of generated outputs").wait_for()

    page.locator("label", has_text="Approved with conditions").click()
    page.locator("textarea").fill("Add a glossary of lab terms before the pilot.")
    page.locator("input[type=date]").fill("2026-10-30")
    page.locator("button", has_text="Sign").click()
    page.locator(".wbk-signed").wait_for()

    text = path.read_text(encoding="utf-8")
    assert COMMENT in text and text.startswith("# Working Backwards Kit answers")
    signed = answers_io.load(project).answers.data_quality.validation_team[2].sign_off
    assert signed.decision == "approved_with_conditions"
    assert signed.date == dt.date(2026, 10, 30)
    assert signed.notes == "Add a glossary of lab terms before the pilot."
    assert signed.answers_sha256 == seen
    assert gather(project).team.matrix[2]["decision"] == "approved_with_conditions"

    # The analyst edits the answers while the page is still open: signing again is refused ...
    apply_edits(project, {"problem_boundaries.outcome.desired_outcome": "Drafts patients can act on."})
    before = path.read_bytes()
    page.locator("label", has_text="Approved").first.click()
    page.locator("button", has_text="Sign").click()
    page.locator(".wbk-errors", has_text="reload").wait_for()
    assert path.read_bytes() == before
    # ... the record now shows the sign-off as stale, a condition of the decision ...
    ev = gather(project)
    assert ev.team.matrix[2]["decision"] == "stale"
    assert any("stale" in c.text for c in decide(ev).conditions)
    # ... and so does the page once reloaded.
    page.locator("button", has_text="Reload").click()
    page.locator(".wbk-state", has_text="stale").wait_for()
    assert "(stale)" in role.locator("option:checked").inner_text()


def _open_as(browser, url: str, role_label: str, decision: str, notes: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.locator(".widget-dropdown select").select_option(label=role_label)
    page.locator("text=You validate:").wait_for()
    page.locator("label", has_text=decision).first.click()
    page.locator("textarea").fill(notes)
    page.locator("input[type=date]").fill("2026-10-31")
    return page


def test_two_reviewers_signing_at_once_both_land(review_page, browser) -> None:
    """Two pages, two kernels: both Sign clicks go out before either answer comes back."""
    _, url, project = review_page
    team = answers_io.load(project).answers.data_quality.validation_team
    labels = {
        i: f"{m.role} — {m.person} ({gather(project).team.matrix[i]['decision'].replace('_', ' ')})"
        for i, m in enumerate(team)
    }
    first = _open_as(browser, url, labels[1], "Rejected", "Ranges of the LIS are out of date.")
    second = _open_as(browser, url, labels[3], "Approved", "Residency and retention fine.")
    try:
        for page in (first, second):
            page.locator("button", has_text="Sign").dispatch_event("click")
        for page in (first, second):
            page.locator(".wbk-signed").wait_for()
    finally:
        first.close()
        second.close()
    signed = answers_io.load(project).answers.data_quality.validation_team
    assert (signed[1].sign_off.decision, signed[1].sign_off.notes) == (
        "rejected",
        "Ranges of the LIS are out of date.",
    )
    assert (signed[3].sign_off.decision, signed[3].sign_off.notes) == (
        "approved",
        "Residency and retention fine.",
    )
    assert signed[1].sign_off.answers_sha256 == signed[3].sign_off.answers_sha256 is not None
    assert COMMENT in (project / "answers.yaml").read_text(encoding="utf-8")


def test_an_allowed_role_accepts_a_warning_and_the_next_record_shows_it(tmp_path, browser) -> None:
    """Job adverts left with one open condition, the warning rule requisition_open (its overdue
    audit marked done by hand): the employment law counsel (may_accept: true) accepts it in the
    page; the next `wbk run` shows it accepted, with reason, and the decision recomputed to GO."""
    from test_actions import only_warnings_open

    from kit.cli import main

    project = copy_example("job_adverts", tmp_path)
    only_warnings_open(project)
    apply_edits(project, {"data_strategy.maintenance.audits[1].last_done": dt.date(2026, 9, 15)})
    before = decide(gather(project))
    assert (before.decision, [c.evidence for c in before.conditions]) == (
        "GO WITH CONDITIONS",
        ["requisition_open"],
    )
    reason = "The hiring managers re-approved the nine requisitions in November."
    with wbk_review(project, tmp_path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.locator(".widget-dropdown select").first.select_option(
            label="employment law counsel — Dr. Miriam Roth (approved)"
        )
        form = page.locator(".wbk-accept")
        form.locator("select").wait_for()
        form.locator("select").select_option(index=0)
        form.locator("textarea").fill(reason)
        form.locator("input[type=date]").fill("2027-02-18")
        form.locator("button", has_text="Accept").click()
        page.locator(".wbk-accepted").wait_for()
        page.close()
    written = answers_io.load(project).answers.acceptances
    assert [(a.item, a.by_role, a.expires) for a in written] == [
        ("requisition_open", "employment law counsel", dt.date(2027, 2, 18))
    ]
    out = tmp_path / "out"
    assert main(["run", str(project), "--out", str(out)]) == 0
    rec = json.loads((out / project.name / "record.json").read_text(encoding="utf-8"))
    assert rec["decision"] == "GO"
    assert [c["evidence"] for c in rec["accepted"]] == ["requisition_open"]
    assert rec["path_to_go"]["accepted"][0]["reason"] == reason
    html = (out / project.name / "record.html").read_text(encoding="utf-8")
    assert "Accepted:" in html and "nine requisitions in November" in html
