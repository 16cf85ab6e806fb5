"""Field paths: format_path and parse_path are inverses, and any YAML key parses (the fuzz test
found a key "[" that broke the parse)."""

from __future__ import annotations

import pytest

from kit.findings import format_path, parse_path

ROUND_TRIPS = [
    ("data_quality", "rules", 10, "columns", 0),
    ("a", "b", 0, 1),
    ("project",),
    (),
]


@pytest.mark.parametrize("loc", ROUND_TRIPS, ids=str)
def test_parse_inverts_format(loc) -> None:
    assert parse_path(format_path(loc)) == loc


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("'['", ("'['",)),
        ("x.[", ("x", "[")),
        ("a[b]", ("a[b]",)),
        ("a[1x]", ("a[1x]",)),
        ("a..b", ("a", "b")),
    ],
)
def test_keys_with_brackets_stay_keys(path: str, loc: tuple) -> None:
    assert parse_path(path) == loc
