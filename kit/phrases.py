"""Numbers and words as a reader needs them: every sentence the record builds from a measurement
goes through these, never through ad-hoc string pasting.

A rate is never rounded up to 100 % while anything failed, nor down to 0 % while anything passed:
it gets as many decimals as it takes to show the difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

MAX_DECIMALS = 12  # 1 in a trillion still shows


def number(value: int | float) -> str:
    """1234567 -> "1,234,567"; 0.25 -> "0.25"; 3.0 -> "3"."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:.6g}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """plural(1, "error") -> "1 error"; plural(2, "error") -> "2 errors"; thousands separated."""
    word = singular if count == 1 else (plural_form or _plural_of(singular))
    return f"{number(count)} {word}"


def _plural_of(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    return word + "s"


def percent(part: int | float, whole: int | float, decimals: int = 1) -> str:
    """part/whole as a percentage that never hides a difference: 26114 of 26115 -> "99.996 %",
    1 of 100000 -> "0.001 %", 0 of 5 -> "0 %", 5 of 5 -> "100 %"."""
    if not whole:
        return "n/a"
    return share(part / whole, decimals, exact_zero=part == 0, exact_whole=part == whole)


def share(
    rate: float, decimals: int = 1, exact_zero: bool | None = None, exact_whole: bool | None = None
) -> str:
    """A rate (0..1) as a percentage; 0 % and 100 % only when the rate is exactly 0 or 1."""
    exact_zero = rate == 0 if exact_zero is None else exact_zero
    exact_whole = rate == 1 if exact_whole is None else exact_whole
    value = rate * 100
    for places in range(decimals, MAX_DECIMALS + 1):
        text = f"{value:.{places}f}"
        rounded = float(text)
        if (rounded < 100 or exact_whole) and (rounded > 0 or exact_zero):
            return _trim(text) + " %"
    return f"{value:.{MAX_DECIMALS}g} %"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def of(part: int, whole: int, noun: str = "row", plural_form: str | None = None) -> str:
    """of(37, 3013, "claim") -> "37 of 3,013 claims (1.2 %)"."""
    words = plural(whole, noun, plural_form)
    return f"{number(part)} of {words} ({percent(part, whole)})"


def date(value: dt.date | dt.datetime | str | None) -> str:
    """ISO dates; datetimes keep their zone ("2026-11-24 00:00 America/New_York" style offsets)."""
    if value is None:
        return "no date"
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
        return f"{text} {value.tzname()}" if value.tzinfo else text
    return value.isoformat()


def listing(items: Sequence[str], conjunction: str = "and") -> str:
    """["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def tolerance(min_pass_rate: float) -> str:
    """The share of failures a requirement allows: min_pass_rate 0.95 -> "5 %", 1.0 -> "0 %"."""
    allowed = max(0.0, 1.0 - min_pass_rate)
    return share(round(allowed, 12))


def days(count: int) -> str:
    """days(1) -> "1 day"; days(400) -> "400 days"."""
    return plural(count, "day")


def verb(count: int, base: str) -> str:
    """The present-tense verb that agrees with a count: verb(1, "have") -> "has", verb(2, "have")
    -> "have", verb(1, "carry") -> "carries", verb(1, "lack") -> "lacks"."""
    if count == 1:
        return "has" if base == "have" else "is" if base == "are" else _plural_of(base)
    return base


# The article follows the sound, not the letter: "a unit", "an hour". Spelling covers the rest.
SOUNDS_LIKE_YOU = ("uni", "use", "usu", "uti", "ure", "uro", "eu", "ewe")
SOUNDS_LIKE_WON = ("one", "once")
SILENT_H = ("hour", "honest", "honor", "honour", "heir")


def a(word: str) -> str:
    """The indefinite article, by sound: a("value") -> "a value", a("opened_on") -> "an opened_on",
    a("unit") -> "a unit", a("hour") -> "an hour", a("updated_on") -> "an updated_on"."""
    lower = word.lower()
    if lower.startswith(SILENT_H):
        return f"an {word}"
    if lower.startswith(SOUNDS_LIKE_YOU + SOUNDS_LIKE_WON):
        return f"a {word}"
    return f"{'an' if lower[:1] in 'aeiou' else 'a'} {word}"
