"""Three-way merge of answers data: what one writer changed since it read the file, applied to what
is on disk now. A form that loaded the answers at 10:00 and saves at 10:05 keeps a sign-off that
``wbk review`` wrote at 10:03, because the form never changed that field; where both changed the
same field differently, the field is a conflict for the writer to resolve.
"""

from __future__ import annotations

from typing import Any

from kit.findings import format_path

MISSING = object()  # a key one side does not have


def merge(base: Any, mine: Any, theirs: Any, at: tuple = ()) -> tuple[Any, list[str]]:
    """(merged value, paths both sides changed differently). ``base`` is what ``mine`` started from;
    ``theirs`` is the current value on disk."""
    if _same(mine, base):
        return theirs, []
    if _same(theirs, base) or _same(theirs, mine):
        return mine, []
    if all(isinstance(v, dict) for v in (base, mine, theirs)):
        out, conflicts = {}, []
        for key in dict.fromkeys([*theirs, *mine]):
            value, found = merge(
                base.get(key, MISSING), mine.get(key, MISSING), theirs.get(key, MISSING), (*at, key)
            )
            conflicts += found
            if value is not MISSING:
                out[key] = value
        return out, conflicts
    if all(isinstance(v, list) for v in (base, mine, theirs)) and len(base) == len(mine) == len(theirs):
        merged = [
            merge(b, m, t, (*at, i)) for i, (b, m, t) in enumerate(zip(base, mine, theirs, strict=True))
        ]
        return [v for v, _ in merged], [c for _, found in merged for c in found]
    return mine, [format_path(at)]


def _same(a: Any, b: Any) -> bool:
    return a is b if MISSING in (a, b) else a == b
