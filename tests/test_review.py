"""The review page's pieces that need no browser: sections per role, the default date, the command."""

from __future__ import annotations

import datetime as dt

import pytest

from kit import cli
from kit.decide.team import expected_roles
from kit.review_form import SECTIONS, default_date, sections_for
from kit.run import review

DOMAINS = ["medical", "finance", "software", "support", "other"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_expected_role_names_sections_the_page_has(domain: str) -> None:
    roles = expected_roles(domain)
    assert roles
    for role in roles:
        assert role.sections, f"{domain}: {role.role} reviews nothing"
        assert set(role.sections) <= set(SECTIONS), f"{domain}: {role.role}"


def test_a_role_sees_its_sections_and_an_unknown_role_sees_all() -> None:
    assert sections_for("Compliance (data protection officer)", "medical") == [
        "legal",
        "sources",
        "maintenance",
    ]
    assert sections_for("laboratory scientist", "medical") == list(SECTIONS)


@pytest.mark.parametrize(
    ("today", "as_of", "expected"),
    [("2026-10-30", "2026-11-01", "2026-10-30"), ("2026-11-27", "2026-11-01", "2026-11-01")],
)
def test_the_date_defaults_to_today_but_never_after_as_of(today: str, as_of: str, expected: str) -> None:
    d = dt.date.fromisoformat
    assert default_date(d(as_of), today=d(today)) == d(expected)


def test_the_server_binds_localhost_with_a_token_and_passes_voila_args() -> None:
    command = review.review_command(8866, "t0ken", open_browser=False, voila_args=["--debug"])
    assert "--Voila.ip=127.0.0.1" in command and "--Voila.token=t0ken" in command
    assert command[-1] == "--debug" and "--no-browser" in command
    assert str(review.REVIEW_NOTEBOOK).endswith("notebooks/review.ipynb")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["review", "p"], (None, True, [])),
        (["review", "p", "--no-browser", "--", "--debug"], (None, False, ["--debug"])),
        (["review", "--port", "9", "p", "--", "--debug"], (9, True, ["--debug"])),
        (
            ["review", "p", "--port=7", "--", "--Voila.x=1", "--port=5"],
            (7, True, ["--Voila.x=1", "--port=5"]),
        ),
    ],
)
def test_wbk_review_arguments(argv: list[str], expected: tuple) -> None:
    assert cli.review_request(cli.build_parser().parse_args(argv)) == expected


def test_wbk_review_refuses_a_broken_project(tmp_path, capsys) -> None:
    (tmp_path / "answers.yaml").write_text("project: [\n", encoding="utf-8")
    assert review.start_review(tmp_path) == 1
    assert "answers.yaml:" in capsys.readouterr().err
