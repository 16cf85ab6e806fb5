"""Phrase functions: numbers, plurals and rates as a reader needs them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit import phrases


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (26114, 26115, "99.996 %"),
        (1, 100000, "0.001 %"),
        (0, 5, "0 %"),
        (5, 5, "100 %"),
        (37, 3013, "1.2 %"),
        (1, 3, "33.3 %"),
        (999999, 1000000, "99.9999 %"),
    ],
)
def test_percent_shows_what_a_reader_must_see(part, whole, text) -> None:
    assert phrases.percent(part, whole) == text


@given(st.integers(min_value=1, max_value=10**9), st.data())
def test_a_rate_is_never_rounded_to_a_whole_or_to_nothing(whole, data) -> None:
    part = data.draw(st.integers(min_value=0, max_value=whole))
    text = phrases.percent(part, whole)
    if part < whole:
        assert text != "100 %"
    if part > 0:
        assert text != "0 %"
    assert float(text.removesuffix(" %")) == pytest.approx(100 * part / whole, abs=0.06)


@pytest.mark.parametrize(
    ("count", "word", "text"),
    [
        (1, "error", "1 error"),
        (2, "error", "2 errors"),
        (0, "example", "0 examples"),
        (3013, "claim", "3,013 claims"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (2, "match", "2 matches"),
    ],
)
def test_plural(count, word, text) -> None:
    assert phrases.plural(count, word) == text


def test_of_and_numbers_and_lists_and_dates() -> None:
    assert phrases.of(37, 3013, "claim") == "37 of 3,013 claims (1.2 %)"
    assert phrases.number(1234567) == "1,234,567" and phrases.number(0.25) == "0.25"
    assert phrases.listing(["a", "b", "c"]) == "a, b and c" and phrases.listing(["a"]) == "a"
    assert phrases.date(dt.date(2026, 11, 24)) == "2026-11-24"


def test_tolerance_and_days() -> None:
    assert phrases.tolerance(1.0) == "0 %" and phrases.tolerance(0.95) == "5 %"
    assert phrases.tolerance(0.999) == "0.1 %" and phrases.tolerance(0.0) == "100 %"
    assert phrases.days(1) == "1 day" and phrases.days(1200) == "1,200 days"


@pytest.mark.parametrize(
    ("count", "base", "text"),
    [
        (1, "have", "has"),
        (2, "have", "have"),
        (0, "have", "have"),
        (1, "carry", "carries"),
        (1, "lack", "lacks"),
        (1, "are", "is"),
        (3, "repeat", "repeat"),
        (1, "miss", "misses"),
    ],
)
def test_verb_agrees_with_its_count(count, base, text) -> None:
    assert phrases.verb(count, base) == text


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("opened_on", "an opened_on"),
        ("salary", "a salary"),
        ("unit", "a unit"),
        ("unique_key", "a unique_key"),
        ("user_id", "a user_id"),
        ("updated_on", "an updated_on"),
        ("hour", "an hour"),
        ("height", "a height"),
        ("issue_date", "an issue_date"),
        ("one_off", "a one_off"),
        ("European_code", "a European_code"),
    ],
)
def test_article_by_sound(word, text) -> None:
    assert phrases.a(word) == text
