"""Dates and times for rules: the cut-off of ``as_of`` in the project's time zone, and any date-like
column (dates, naive or zoned timestamps, ISO 8601 text with ``Z`` or offsets) made comparable.

``as_of`` is a calendar day in ``project.timezone``; a cut-off N days before it starts at local
midnight. Dates compare as calendar days, naive timestamps as local wall-clock times, and zoned
timestamps (or text with an offset) as instants against the cut-off instant in UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt_types

from kit.checks.engine import datasets

# Portable regular expressions (RE2, PostgreSQL ARE and Java agree on these).
_DAY = r"\d{4}-\d{2}-\d{2}"
_CLOCK = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
TEXT_FORMS = {
    "date": f"^{_DAY}$",
    "naive": f"^{_DAY}{_CLOCK}$",
    "zoned": f"^{_DAY}{_CLOCK}(Z|[+-]\\d{{2}}(:?\\d{{2}})?)$",
}


class NotDates(Exception):
    """A column used as dates holds values that are not dates."""


@dataclass(frozen=True)
class Cutoff:
    day: dt.date  # the first day that passes, in the project's time zone
    timezone: str

    @property
    def local(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time())

    @property
    def instant(self) -> dt.datetime:
        return self.local.replace(tzinfo=zoneinfo.ZoneInfo(self.timezone)).astimezone(dt.UTC)

    def stated(self) -> str:
        """The cut-off instant as a reader needs it, e.g. '2025-11-01 00:00 America/New_York
        (04:00 UTC)'."""
        text = f"{self.day.isoformat()} 00:00 {self.timezone}"
        if self.timezone != "UTC":
            utc = self.instant
            text += f" ({utc:%Y-%m-%d %H:%M} UTC)"
        return text


def cutoff(as_of: dt.date, days: int, timezone: str) -> Cutoff:
    return Cutoff(as_of - dt.timedelta(days=days), timezone)


def form_of(table: ibis.Table, column: str) -> str:
    """How a column holds dates: 'date', 'naive', 'zoned' (native types) or, for text, the one form
    all its values take (a query counts each form). Raises NotDates naming an example value."""
    kind = table[column].type()
    if kind.is_date():
        return "date"
    if kind.is_timestamp():
        return "zoned" if kind.timezone else "naive"
    if not kind.is_string():
        raise NotDates(f"column {column!r} holds {kind} values, not dates")
    return _text_form(table, column)


def _text_form(table: ibis.Table, column: str) -> str:
    col = table[column]
    matches = {form: col.re_search(pattern) for form, pattern in TEXT_FORMS.items()}
    counts = table.aggregate(
        **{form: ibis.ifelse(hit, 1, 0).sum() for form, hit in matches.items()},
        other=ibis.ifelse(col.notnull() & ~ibis.or_(*matches.values()), 1, 0).sum(),
    )
    found = {form for form, n in datasets.rows(counts)[0].items() if (n or 0) > 0}
    if "other" in found:
        bad = datasets.rows(table.filter(col.notnull() & ~ibis.or_(*matches.values())).select(col).limit(1))
        raise NotDates(
            f"column {column!r} holds values that are not dates, e.g. {bad[0][column]!r}; "
            "write dates as YYYY-MM-DD or ISO 8601 timestamps (2026-01-31T09:30:00Z)"
        )
    if "zoned" in found and found - {"zoned"}:
        raise NotDates(
            f"column {column!r} mixes timestamps with and without a time zone; give every value an offset or none"
        )
    if "zoned" in found:
        return "zoned"
    return "naive" if "naive" in found else "date"


TYPES = {"date": dt_types.date, "naive": dt_types.Timestamp(), "zoned": dt_types.Timestamp(timezone="UTC")}


def as_time(table: ibis.Table, column: str, form: str) -> ibis.Value:
    """The column cast to its form's type (a no-op for native columns)."""
    col = table[column]
    return col if col.type() == TYPES[form] else col.cast(TYPES[form])


def at_or_after(value: ibis.Value, form: str, limit: Cutoff) -> ibis.BooleanValue:
    """value >= the cut-off, in the value's own terms (day, local wall clock or instant)."""
    if form == "date":
        return value >= ibis.date(limit.day)
    if form == "naive":
        return value >= ibis.timestamp(limit.local)
    return value >= ibis.literal(limit.instant.replace(tzinfo=None), type=TYPES["zoned"])
