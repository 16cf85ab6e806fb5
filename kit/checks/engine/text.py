"""The kinds for generated text: parameters, predicates and what their examples show.

``contains_none``, ``contains_all`` and ``length`` run in the backend's SQL (regular expressions
that DuckDB's RE2, PostgreSQL's ARE and Spark's Java engine read alike: no ``\\b``, which
PostgreSQL reads as a backspace, and no back-references, which Spark writes ``$1``). ``grounded``
reads the text and its grounding columns in streamed batches (never the whole table at once) and
judges them in Python, because recognising "1 November 2026" as a date has no portable SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import ibis
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kit import phrases
from kit.checks.result import MAX_EXAMPLES


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A letter, digit or underscore of the Latin scripts: what a whole word may not touch.
_WORD_CHAR = "0-9A-Za-z_\u00c0-\u024f"
_SPECIAL = set(".^$*+?()[]{}|\\")


def literal(text: str) -> str:
    """Text as a regular expression matching it literally, in syntax all three engines read."""
    return "".join(f"\\{c}" if c in _SPECIAL else c for c in text)


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
    return patterns


class ContainsNone(_Params):
    words: list[str] = Field(default_factory=list)
    words_file: str | None = None
    patterns: list[str] = Field(default_factory=list)
    case: Literal["insensitive", "sensitive"] = "insensitive"

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)

    @model_validator(mode="after")
    def _something_to_look_for(self) -> ContainsNone:
        if not (self.words or self.words_file or self.patterns):
            raise ValueError("give words, words_file or patterns")
        return self


class ContainsAll(_Params):
    phrases: list[str] = Field(min_length=1)
    case: Literal["insensitive", "sensitive"] = "insensitive"


class Length(_Params):
    min_words: int | None = Field(None, ge=0)
    max_words: int | None = Field(None, ge=0)
    min_chars: int | None = Field(None, ge=0)
    max_chars: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _some_bound(self) -> Length:
        if all(v is None for v in (self.min_words, self.max_words, self.min_chars, self.max_chars)):
            raise ValueError("give min_words, max_words, min_chars or max_chars")
        return self


class Grounded(_Params):
    pass


# --- contains_none / contains_all -------------------------------------------------------------


def words_of(p: ContainsNone, ctx: kinds.Context) -> list[str]:
    """The inline words and those of words_file (one word or phrase a line; # starts a comment)."""
    words = list(p.words)
    if p.words_file:
        path = Path(ctx.project_dir or ".") / p.words_file
        if not path.is_file():
            raise kinds.RuleError(f"file not found: {p.words_file}", ("params", "words_file"))
        lines = path.read_text(encoding="utf-8").splitlines()
        found = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if not found:
            raise kinds.RuleError(
                f"{p.words_file} lists no word: write one word or phrase a line", ("params", "words_file")
            )
        words += found
    return words


def _folded(col: ibis.Value, case: str) -> ibis.Value:
    text = col.cast("string")
    return text.lower() if case == "insensitive" else text


def _word_pattern(words: list[str], case: str) -> str:
    spelled = sorted({w.lower() if case == "insensitive" else w for w in words}, key=len, reverse=True)
    return f"(^|[^{_WORD_CHAR}])({'|'.join(literal(w) for w in spelled)})($|[^{_WORD_CHAR}])"


def _hits(t, cols, p, ctx) -> list[tuple[ibis.BooleanValue, ibis.Value]]:
    """(found, what was found) for the words, then for each pattern."""
    col, out = t[cols[0]], []
    words = words_of(p, ctx)
    if words:
        pattern = _word_pattern(words, p.case)
        folded = _folded(col, p.case)
        out.append((folded.re_search(pattern), folded.re_extract(pattern, 2)))
    for pattern in p.patterns:
        text = col.cast("string")
        out.append((text.re_search(pattern), text.re_extract(pattern, 0)))
    return out


def contains_none(t, cols, p, ctx):
    found = ibis.literal(False)
    for hit, _ in _hits(t, cols, p, ctx):
        found |= hit
    return t[cols[0]].isnull() | ~found


def contains_none_shows(t, cols, p, ctx) -> dict[str, ibis.Value]:
    return {"hit": ibis.cases(*_hits(t, cols, p, ctx), else_=ibis.null("string"))}


def _has(t, cols, p, phrase: str) -> ibis.BooleanValue:
    return _folded(t[cols[0]], p.case).contains(phrase.lower() if p.case == "insensitive" else phrase)


def contains_all(t, cols, p, ctx):
    ok = ibis.literal(True)
    for phrase in p.phrases:
        ok &= _has(t, cols, p, phrase)
    return t[cols[0]].isnull() | ok


def contains_all_shows(t, cols, p, ctx) -> dict[str, ibis.Value]:
    missing = [(~_has(t, cols, p, phrase), phrase) for phrase in p.phrases]
    return {"missing": ibis.cases(*missing, else_=ibis.null("string"))}


# --- length -----------------------------------------------------------------------------------


def _measures(t, cols) -> dict[str, ibis.Value]:
    text = t[cols[0]].cast("string")
    # one letter per word (a run of non-space), spaces removed: its length counts the words
    words = text.re_replace(r"[^\s]+", "w").re_replace(r"\s", "").length()
    return {"words": words, "chars": text.length()}


def length(t, cols, p, ctx):
    m = _measures(t, cols)
    ok = ibis.literal(True)
    for measure, low, high in (("words", p.min_words, p.max_words), ("chars", p.min_chars, p.max_chars)):
        if low is not None:
            ok &= m[measure] >= low
        if high is not None:
            ok &= m[measure] <= high
    return t[cols[0]].isnull() | ok


def length_shows(t, cols, p, ctx) -> dict[str, ibis.Value]:
    return _measures(t, cols)


# --- grounded ---------------------------------------------------------------------------------

_MONTHS = {calendar.month_name[i].lower(): i for i in range(1, 13)}
_MONTH = "|".join(_MONTHS)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_IN_WORDS = re.compile(
    rf"(?P<d1>\d{{1,2}}) (?P<m1>{_MONTH}) (?P<y1>\d{{4}})|(?P<m2>{_MONTH}) (?P<d2>\d{{1,2}}),? (?P<y2>\d{{4}})",
    re.IGNORECASE,
)
# a maximal run of digits with optional thousands separators and decimals
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?!\d)")


def _dates(text: str) -> Iterator[tuple[str, dt.date]]:
    for match in _ISO.finditer(text):
        try:
            yield match.group(0), dt.date.fromisoformat(match.group(0))
        except ValueError:
            continue  # not a real date: its digits are read as numbers
    lowered = text.lower()
    if not any(month in lowered for month in _MONTHS):  # the month-name search only when one is there
        return
    for match in _IN_WORDS.finditer(text):
        day, month, year = (
            (match["d1"], match["m1"], match["y1"])
            if match["d1"]
            else (match["d2"], match["m2"], match["y2"])
        )
        try:
            yield match.group(0), dt.date(int(year), _MONTHS[month.lower()], int(day))
        except ValueError:
            continue


def mentions(text: str) -> Iterator[tuple[str, float | dt.date]]:
    """(as written, value) for every date and number of a text; a date's digits are not numbers."""
    rest = text
    for written, when in _dates(text):
        yield written, when
        rest = rest.replace(written, " " * len(written), 1)
    for match in NUMBER.finditer(rest):
        written = match.group(0)
        yield written, float(written.replace(",", ""))


def grounding(values: list[Any]) -> tuple[set[float], set[dt.date]]:
    """The numbers and dates a row's grounding values hold (text read as a number or ISO date)."""
    numbers, dates = set(), set()
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, dt.datetime):
            dates.add(value.date())
        elif isinstance(value, dt.date):
            dates.add(value)
        elif isinstance(value, int | float):
            if not math.isnan(value):
                numbers.add(float(value))
        else:
            for _written, found in mentions(str(value)):
                (dates if isinstance(found, dt.date) else numbers).add(found)
    return numbers, dates


def ungrounded(text: str | None, values: list[Any]) -> list[str]:
    """What the text mentions that no grounding value holds, as written."""
    found = list(mentions(str(text))) if text else []
    if not found:
        return []  # nothing to ground: the grounding values need not be read
    numbers, dates = grounding(values)
    return [
        written
        for written, value in found
        if not (value in dates if isinstance(value, dt.date) else _known(value, numbers))
    ]


def _known(number: float, numbers: set[float]) -> bool:
    return number in numbers or any(math.isclose(number, k, rel_tol=1e-9, abs_tol=1e-9) for k in numbers)


BATCH = 50_000

# --- grounded: the SQL that spares Python most rows (DuckDB) -----------------------------------
# Python stays the judge: SQL only sets aside the rows it can prove grounded, by a stricter reading
# (exact equality, ASCII digits, ISO dates only), and Python judges every other row as before. So
# counts and examples cannot differ from the Python reading; a rare row merely costs Python time.


@ibis.udf.scalar.builtin(
    signature=((ibis.dtype("string"), ibis.dtype("string")), ibis.dtype("array<string>"))
)
def regexp_extract_all(text, pattern): ...


@ibis.udf.scalar.builtin(signature=((ibis.dtype("string"),), ibis.dtype("int64")))
def strlen(text): ...  # bytes: more than characters only when the text is not all ASCII


_SQL_ISO = r"\d{4}-\d{2}-\d{2}"
# One pass reads dates and numbers: leftmost, an ISO date wins over the number its digits start, as
# when Python takes the dates out first; NUMBER without its look-ahead reads the same. Not the same
# when a date follows a number's digits (12026-11-01, 1.2026-11-01), a thousands group runs into a
# digit (1,2345), or a date is written in words: such rows go to Python.
_SQL_MENTION = rf"{_SQL_ISO}|\d+(?:,\d{{3}})*(?:\.\d+)?"
_SQL_TO_PYTHON = (
    rf"(?i)\d[.,]?\d{{4}}-\d{{2}}-\d{{2}}|\d,\d{{4}}"
    rf"|\d{{1,2}} (?:{_MONTH}) \d{{4}}|(?:{_MONTH}) \d{{1,2}},? \d{{4}}"
)


def _held(values: ibis.ArrayValue | None, value: ibis.Value) -> ibis.BooleanValue:
    return ibis.literal(False) if values is None else values.contains(value).fill_null(False)


def certainly_grounded(text: ibis.StringValue, numbers, dates) -> ibis.BooleanValue:
    """True where every number and date of ``text`` is exactly one of ``numbers`` (an array of
    float64, or None) or ``dates`` (an array of date, or None), read as Python would read them."""
    digits_beyond_ascii = (strlen(text) != text.length()) & text.re_replace("[0-9]", "").re_search(r"\p{Nd}")
    unheld = regexp_extract_all(text, _SQL_MENTION).filter(
        lambda s: (
            ~ibis.ifelse(
                s.re_search(f"^{_SQL_ISO}$"),
                _held(dates, s.try_cast("date")),
                _held(numbers, s.replace(",", "").try_cast("float64")),
            )
        )
    )
    simple = ~text.re_search(_SQL_TO_PYTHON) & (unheld.length() == 0)
    return text.isnull() | ~digits_beyond_ascii & (~text.re_search("[0-9]") | simple)


def _grounding_arrays(t, columns: list[str]):
    """(numbers, dates) arrays of the grounding columns, or None when one of them holds values
    only Python reads (text, decimals, time zones) or the backend is not DuckDB."""
    if t.get_backend().name != "duckdb":
        return None
    numbers, dates = [], []
    for column in columns:
        kind = t[column].type()
        if kind.is_boolean():
            continue
        if kind.is_integer() or kind.is_floating():
            numbers.append(t[column].cast("float64"))
        elif kind.is_date() or (kind.is_timestamp() and kind.timezone is None):
            dates.append(t[column].cast("date"))
        else:
            return None
    return (ibis.array(numbers) if numbers else None, ibis.array(dates) if dates else None)


def grounded(t, cols, p, ctx) -> kinds.Failing:
    """Rows whose text mentions a number or date that none of the other columns hold, found by
    reading only those columns in batches."""
    for j, column in enumerate(cols[1:], 1):
        if t[column].type().is_nested():
            raise kinds.RuleError(f"{column!r} holds lists or records, not values", ("columns", j))
    shown = [t.columns[0], *cols] if t.columns[0] not in cols else list(cols)
    arrays = _grounding_arrays(t, cols[1:]) if t[cols[0]].type().is_string() else None
    judged = t if arrays is None else t.filter(~certainly_grounded(t[cols[0]], *arrays))

    def streamed() -> tuple[int, list[dict]]:
        failed, examples = 0, []
        for batch in datasets.batches(judged.select(*shown), BATCH):
            # column by column: one Python list per column is far cheaper than a dict per row
            values = {name: batch.column(name).to_pylist() for name in shown}
            texts, grounds = values[cols[0]], [values[c] for c in cols[1:]]
            for i, text in enumerate(texts):
                missing = ungrounded(text, [g[i] for g in grounds]) if text else []
                if missing:
                    failed += 1
                    if len(examples) < MAX_EXAMPLES:
                        row = {name: values[name][i] for name in shown}
                        examples.append({**row, "ungrounded": ", ".join(missing)})
        return failed, examples

    return kinds.Failing(
        ibis.literal(0), t.select(*shown).limit(0), measured=("ungrounded",), streamed=streamed
    )


# --- meanings and failure sentences -----------------------------------------------------------


def none_meaning(cols, p, ctx) -> str:
    parts = []
    if p.words or p.words_file:
        listed = phrases.listing([repr(w) for w in p.words[:5]], "or") if p.words else ""
        source = f"the words of {kinds.code(p.words_file)}" if p.words_file else ""
        parts.append(" or ".join(x for x in (listed, source) if x) + " as whole words")
    if p.patterns:
        parts.append(f"text matching {phrases.listing([kinds.code(x) for x in p.patterns], 'or')}")
    case = " (case-sensitive)" if p.case == "sensitive" else ""
    return f"{cols[0]} holds none of {', nor '.join(parts)}{case}"


def none_failure(cols, p, ctx, noun) -> tuple[str, str]:
    return "mention", f"a word or pattern that no {noun}'s {cols[0]} may hold"


def all_meaning(cols, p, ctx) -> str:
    return f"{cols[0]} holds {phrases.listing([repr(x) for x in p.phrases])}"


def all_failure(cols, p, ctx, noun) -> tuple[str, str]:
    return "lack", f"{phrases.listing([repr(x) for x in p.phrases], 'or')} in their {cols[0]}"


def _length_bounds(p: Length) -> list[str]:
    out = []
    for unit, low, high in (("word", p.min_words, p.max_words), ("character", p.min_chars, p.max_chars)):
        if low is not None and high is not None:
            out.append(f"{phrases.number(low)} to {phrases.number(high)} {unit}s")
        elif low is not None:
            out.append(f"at least {phrases.plural(low, unit)}")
        elif high is not None:
            out.append(f"at most {phrases.plural(high, unit)}")
    return out


def length_meaning(cols, p, ctx) -> str:
    return f"{cols[0]} is {' and '.join(_length_bounds(p))} long"


def length_failure(cols, p, ctx, noun) -> tuple[str, str]:
    return "have", f"{cols[0]} outside {' and '.join(_length_bounds(p))}"


def grounded_meaning(cols, p, ctx) -> str:
    return (
        f"every number and date in {cols[0]} equals a value of {phrases.listing(cols[1:], 'or')} in the same "
        "row (1,200 = 1200; 45.0 = 45; 2026-11-01 = 1 November 2026)"
    )


def grounded_failure(cols, p, ctx, noun) -> tuple[str, str]:
    return "mention", f"a number or date in {cols[0]} that none of {phrases.listing(cols[1:])} holds"


# Last, because the kind table (kinds) imports this module for its rows: whichever of the two is
# imported first, both are complete before any function here runs.
from kit.checks.engine import datasets, kinds  # noqa: E402
