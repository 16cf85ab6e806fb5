"""The record as its readers see it: first screen, evidence links, charts, layout, accessibility, PDF.

Built once with `wbk run --pdf` on the three examples and opened in Debian's Chromium."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES

from kit.checks.result import CheckResult
from kit.cli import main
from kit.record import render
from kit.record.summary import first_screen

EXAMPLE_NAMES = ("medical_reports", "support_answers", "invoice_processing")
# What a reader must read for each sign-off state, written here, not taken from the kit.
STATE_WORDS = {
    "approved": "approved",
    "approved_with_conditions": "approved with conditions",
    "pending": "pending",
    "rejected": "rejected",
    "stale": "stale",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("records")
    projects = [str(EXAMPLES / name) for name in EXAMPLE_NAMES]
    assert main(["run", *projects, "--out", str(out), "--jobs", "2", "--pdf"]) == 0
    return out


def record(built: Path, name: str) -> dict:
    return json.loads((built / name / "record.json").read_text())


def open_record(browser, built: Path, name: str, width: int = 1280, height: int = 800):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto((built / name / "record.html").as_uri())
    page.wait_for_load_state("load")
    return page


# --- without a browser -------------------------------------------------------------------------


def test_user_text_is_text_and_patterns_are_code() -> None:
    html = render.render(
        "answers.html.j2",
        parts={
            "data_quality": {
                "rules": [
                    {
                        "id": "nhs_number",
                        "check": "matches",
                        "params": {"pattern": "N[1-9](...)"},
                        "description": "**not bold** <b>no tag</b> [no link](http://example.invalid)",
                    }
                ]
            }
        },
    )
    assert "<code>N[1-9](...)</code>" in html
    assert "**not bold** &lt;b&gt;no tag&lt;/b&gt; [no link](http://example.invalid)" in html
    assert "<a " not in html and "<strong>" not in html


def test_a_single_failure_never_reads_as_100_percent() -> None:
    check = CheckResult("one_bad_row", checked=26115, failed=1, family="rule")
    html = render.render("checks.html.j2", title="t", intro="", checks=[check], chart=None, raised_by={})
    assert "99.996 %" in html and "1 of 26,115" in html
    assert "100.0" not in html


def first_screen_of(**changes) -> str:
    rec = {
        "decision": "NO-GO",
        "verdict": "GenAI with human review",
        "as_of": "2026-11-20",
        "status": "ok",
        "blockers": [{"text": "check fresh could not run: TypeError", "evidence": "fresh"}],
        "conditions": [{"text": "clinician: stale", "evidence": "data_quality.validation_team[0].sign_off"}],
        "checks": [{"id": "fresh", "family": "rule", "status": "error"}],
        "sign_offs": [
            {"role": "clinician", "person": "Dr. A", "decision": "stale", "date": "2026-10-20"},
            {"role": "compliance", "person": "B", "decision": "rejected", "date": "2026-10-21"},
        ],
        **changes,
    }
    return " ".join(first_screen(rec).split())


def test_first_screen_shows_stale_and_unknown_states_and_errors() -> None:
    html = first_screen_of()
    assert "stale" in html and "rejected" in html
    assert "Still to sign:</b> clinician (Dr. A)" in html, "a stale sign-off must be signed again"
    assert '<a href="#kind-error">Could not be checked</a></th> <td>1</td><td>0</td>' in html
    assert '<a href="#member-0">clinician</a>' in html
    html = first_screen_of(sign_offs=[{"role": "r", "person": "p", "decision": "withdrawn", "date": None}])
    assert "withdrawn" in html, "a state the kit does not know yet is shown as it is"


def test_pdf_page_one_has_the_decision_and_who_still_signs(built: Path) -> None:
    for name in EXAMPLE_NAMES:
        rec = record(built, name)
        pdf = built / name / "record.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
        page_one = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        flat = " ".join(page_one.split())
        assert f"Decision: {rec['decision']}" in flat
        for s in rec["sign_offs"]:
            assert s["role"] in flat
        pending = [s for s in rec["sign_offs"] if s["decision"] == "pending"]
        assert ("Still to sign" in flat) == bool(pending)
    medical = " ".join(
        subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(built / "medical_reports" / "record.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    )
    assert "Still to sign: patient advocate (Maria Santos (patient council))" in medical


def test_patterns_reach_the_record_literally(built: Path) -> None:
    html = (built / "invoice_processing" / "record.html").read_text()
    assert r"<code>^DE\d{9}$</code>" in html


# --- in Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_first_screen_answers_the_four_questions(built: Path, browser, name: str) -> None:
    rec = record(built, name)
    page = open_record(browser, built, name)
    decision = page.locator(".wbk-first .wbk-decision")
    assert decision.inner_text() == f"Decision: {rec['decision']}"
    verdict = page.locator(".wbk-verdict-line")
    assert rec["verdict"] in verdict.inner_text()
    assert verdict.bounding_box()["y"] + verdict.bounding_box()["height"] <= 800
    rows = page.locator(".wbk-signoffs tbody tr")
    assert rows.count() == len(rec["sign_offs"]) > 0
    for i, s in enumerate(rec["sign_offs"]):
        row = rows.nth(i)
        box = row.bounding_box()
        assert box["y"] + box["height"] <= 800, f"{s['role']} is below the first screen"
        text = " ".join(row.inner_text().split())
        assert s["role"] in text and STATE_WORDS[s["decision"]] in text
    counts = page.locator(".wbk-counts tbody tr")
    blockers = sum(int(counts.nth(i).locator("td").nth(0).inner_text()) for i in range(counts.count()))
    conditions = sum(int(counts.nth(i).locator("td").nth(1).inner_text()) for i in range(counts.count()))
    assert (blockers, conditions) == (len(rec["blockers"]), len(rec["conditions"]))
    table_box = page.locator(".wbk-counts").bounding_box()
    assert table_box["y"] + table_box["height"] <= 800
    page.close()


@pytest.mark.browser
def test_medical_counts_by_kind(built: Path, browser) -> None:
    """Planted in the example: 11 failing rules and output checks, and 4 template gaps of 2 kinds
    (3 fields no rule guards, 1 fed by an inaccessible source: one condition per kind), 2 stale or
    inaccessible sources and 1 overdue audit, 1 bias check, 2 outstanding sign-offs."""
    page = open_record(browser, built, "medical_reports")
    found = {}
    for row in page.locator(".wbk-counts tbody tr").all():
        cells = [c.inner_text() for c in row.locator("th, td").all()]
        found[cells[0]] = (int(cells[1]), int(cells[2]))
    assert found["Data quality"] == (0, 11 + 2)
    assert found["Sources and audits"] == (0, 3)
    assert found["Bias"] == (0, 1)
    assert found["Team sign-off"] == (0, 2)
    assert found["Legal and risk"] == (0, 0) and found["Could not be checked"] == (0, 0)
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_in_page_link_resolves(built: Path, browser, name: str) -> None:
    page = open_record(browser, built, name)
    broken = page.evaluate(
        """() => [...document.querySelectorAll('a[href^="#"]')]
            .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
            .filter(id => !document.getElementById(id))"""
    )
    assert broken == []
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "every id appears once"
    page.close()


@pytest.mark.browser
def test_conditions_link_to_their_checks_and_back(built: Path, browser) -> None:
    rec = record(built, "medical_reports")
    page = open_record(browser, built, "medical_reports")
    assert page.locator("[id^='condition-']").count() == len(rec["conditions"])
    for check in (c for c in rec["checks"] if c["status"] == "fail"):
        row = page.locator(f"tr#check-{check['id'].replace('.', '-')}")
        back = row.locator("a[href^='#condition-']")
        assert back.count() >= 1, f"{check['id']} links to the condition it raised"
        condition = page.locator(back.first.get_attribute("href"))
        assert condition.locator(f"a[href='#check-{check['id'].replace('.', '-')}']").count() == 1
        assert check["id"] in condition.inner_text()
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("width", [1280, 390])
def test_no_horizontal_page_overflow(built: Path, browser, name: str, width: int) -> None:
    page = open_record(browser, built, name, width=width)
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"page is {sizes[0]} px wide in a {sizes[1]} px window"
    page.close()


BAR_WIDTHS = """() => [...document.querySelectorAll('svg.wbk-chart')].map(svg => ({
    label: svg.getAttribute('aria-label'),
    widths: [...svg.querySelectorAll('rect.wbk-bar')].map(r => parseFloat(r.getAttribute('width'))),
}))"""


@pytest.mark.browser
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_chart_whose_bars_are_all_alike(built: Path, browser, name: str) -> None:
    page = open_record(browser, built, name)
    for chart in page.evaluate(BAR_WIDTHS):
        widths = chart["widths"]
        assert chart["label"], "every chart has a text alternative"
        assert len(widths) >= 2 and max(widths) - min(widths) > 0.05 * max(widths), chart["label"]
    page.close()


@pytest.mark.browser
def test_rule_chart_shows_failure_rates_not_pass_rates(built: Path, browser) -> None:
    """unit_present fails on 12 rows and result_id_unique on 4 (of 3,504): the first bar is longer;
    value_present fails on none: no bar."""
    page = open_record(browser, built, "medical_reports")
    chart = page.locator("svg.wbk-chart[data-chart='chart-rule-failures']")
    labels = [t.text_content() for t in chart.locator("text.wbk-label").all()]
    widths = [float(r.get_attribute("width")) for r in chart.locator("rect.wbk-bar").all()]
    by_rule = dict(zip(labels, widths, strict=True))
    assert by_rule["unit_present"] > by_rule["result_id_unique"] > 0 == by_rule["value_present"]
    page.close()
