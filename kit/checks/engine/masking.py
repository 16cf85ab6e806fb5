"""Values of sensitive columns, shown without showing them.

A source may list ``sensitive: [email, patient_id]``. Wherever the record would show one of their
values (an example row of a failing rule), it shows ``#`` and a keyed hash prefix instead: equal
values get equal prefixes, so a repeated e-mail address is still visibly repeated, and the key is
random per process, so a prefix cannot be looked up against a list of candidate values or matched
across records. Profiles keep no value of such a column at all (kit.checks.profile).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

_KEY = secrets.token_bytes(16)  # never written anywhere: a prefix cannot be recomputed later
PREFIX_BYTES = 5  # 10 hex digits: repeats stay distinguishable among millions of values


def masked(value: Any) -> str | None:
    """``#`` and the keyed hash prefix of ``value``; a missing value stays missing."""
    if value is None:
        return None
    digest = hashlib.blake2b(str(value).encode(), key=_KEY, digest_size=PREFIX_BYTES)
    return "#" + digest.hexdigest()


def mask_rows(rows: Iterable[dict[str, Any]], sensitive: Iterable[str]) -> list[dict[str, Any]]:
    """Example rows with the values of the sensitive columns masked."""
    hidden = set(sensitive)
    return [{k: masked(v) if k in hidden else v for k, v in row.items()} for row in rows]
