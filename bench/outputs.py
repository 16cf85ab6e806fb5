"""Benchmark: generated outputs checked by the rule engine, against a plain-Python reference.

Delay notices drafted from departures (the issue's airline case), written as JSONL by DuckDB with
planted defects of every new kind, at 100,000 and 1,000,000 outputs. Eight output rules:
contains_none (words and a phone-number pattern), contains_all, length, grounded, a compare with the
input row, a compare with a joined source (carriers), and the template's sections_present and
values_match (implied rules). Each engine runs in its own process (for its peak RSS):

- wbk: the kit's engine (outputs opened through DuckDB, nested fields flattened, the input row and
  the carriers joined, the rules counted as they are in a run);
- reference: one pass over the JSONL in plain Python (json + re), the inputs in dicts.

The engine's failing counts must equal the reference's, rule by rule; a mismatch fails the bench
(exit 1). Targets (issue 18, a 2-core machine): 1M outputs <= 30 s, peak RSS <= 2 GB, >= 5x faster
than the reference loop.

    python bench/outputs.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 30)
CARRIERS = [("AA", "American"), ("DL", "Delta"), ("UA", "United"), ("B6", "JetBlue")]
BANNED = ["young", "digital native"]
PHONE = r"\d{3} \d{4}"
POLICY = "delay policy"
MAX_WORDS = 40
# defect d of output i is (i * 7919) % 100 when below 9: about 9 % of outputs carry one defect
DEFECTS = {
    1: "delay field differs from the input",
    2: "carrier name differs from the carriers source",
    3: "a banned word",
    4: "no delay-policy line",
    5: "too long",
    6: "an ungrounded number",
    7: "a phone number (banned pattern, and ungrounded)",
    8: "the notice section missing",
}
RULES = [
    {
        "id": "no_banned",
        "columns": ["sections.notice.text"],
        "check": "contains_none",
        "params": {"words": BANNED, "patterns": [PHONE]},
    },
    {
        "id": "has_policy",
        "columns": ["sections.notice.text"],
        "check": "contains_all",
        "params": {"phrases": [POLICY]},
    },
    {
        "id": "short",
        "columns": ["sections.notice.text"],
        "check": "length",
        "params": {"max_words": MAX_WORDS},
    },
    {
        "id": "grounded",
        "columns": ["sections.notice.text", "input.dep_delay", "input.flight_date"],
        "check": "grounded",
    },
    {
        "id": "delay_matches",
        "columns": ["sections.status.delay_minutes", "input.dep_delay"],
        "check": "compare",
        "params": {"op": "=="},
    },
    {
        "id": "carrier_named",
        "columns": ["sections.status.carrier_name", "carriers.name"],
        "check": "compare",
        "params": {"op": "=="},
    },
]
TEMPLATE = {
    "name": "Delay notice",
    "sections": [
        {
            "id": "status",
            "fields": [
                {"name": "delay_minutes", "type": "number", "input": "dep_delay", "source": "departures"},
                {"name": "carrier_name", "type": "string", "input": "name", "source": "carriers"},
            ],
        },
        {"id": "notice", "fields": [{"name": "text", "type": "text", "generated": True}]},
    ],
}
IMPLIED = ["output.sections_present", "output.values_match"]


# --- data -------------------------------------------------------------------------------------


def generate(folder: Path, n: int) -> None:
    """departures.parquet, carriers.csv and outputs.jsonl, written by DuckDB (never row by row)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    names = " ".join(f"WHEN '{c}' THEN '{name}'" for c, name in CARRIERS)
    codes = ", ".join(f"'{c}'" for c, _ in CARRIERS)
    con.execute(f"""
        CREATE TABLE base AS SELECT
            i, 'D' || i AS record_id, [{codes}][1 + i % 4] AS carrier, (i * 37) % 180 AS dep_delay,
            DATE '2026-11-01' + CAST(i % 28 AS INTEGER) AS flight_date, (i * 7919) % 100 AS d
        FROM range({n}) t(i)""")
    con.execute(
        f"COPY (SELECT record_id, carrier, dep_delay, flight_date FROM base) TO '{folder}/departures.parquet'"
    )
    con.execute(
        f"COPY (SELECT * FROM (VALUES {', '.join(str(c) for c in CARRIERS)}) t(carrier, name)) "
        f"TO '{folder}/carriers.csv' (HEADER)"
    )
    long_tail = " ".join(["We are sorry for the wait."] * 8)
    con.execute(f"""
        COPY (SELECT 'N' || i AS report_id, record_id, {{
            'status': {{
                'delay_minutes': CASE WHEN d = 1 THEN dep_delay + 5 ELSE dep_delay END,
                'carrier_name': CASE WHEN d = 2 THEN 'Lufthansa' ELSE CASE carrier {names} END END
            }},
            'notice': CASE WHEN d = 8 THEN NULL ELSE {{'text':
                'Your ' || CASE carrier {names} END || ' flight on ' || strftime(flight_date, '%Y-%m-%d')
                || ' leaves ' || dep_delay || ' minutes late.'
                || CASE WHEN d = 4 THEN '' ELSE ' See our Delay Policy.' END
                || CASE WHEN d = 3 THEN ' Our young crew apologises.' ELSE '' END
                || CASE WHEN d = 5 THEN ' {long_tail}' ELSE '' END
                || CASE WHEN d = 6 THEN ' We offer 250 EUR.' ELSE '' END
                || CASE WHEN d = 7 THEN ' Call 555 1234.' ELSE '' END
            }} END
        }} AS sections FROM base ORDER BY i) TO '{folder}/outputs.jsonl' (FORMAT json)""")


# --- the reference: one pass in plain Python --------------------------------------------------

WORD = re.compile(
    r"(?<![0-9A-Za-z_])(" + "|".join(map(re.escape, BANNED)) + r")(?![0-9A-Za-z_])", re.IGNORECASE
)
PATTERN = re.compile(PHONE)
WHOLE_NUMBER = re.compile(r"\d+")  # the bench's notices hold whole numbers only
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def reference(folder: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    departures = {r["record_id"]: r for r in pq.read_table(folder / "departures.parquet").to_pylist()}
    with open(folder / "carriers.csv", encoding="utf-8") as handle:
        carriers = dict(line.strip().split(",") for line in list(handle)[1:])
    failed = dict.fromkeys([r["id"] for r in RULES] + IMPLIED, 0)
    with open(folder / "outputs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            out = json.loads(line)
            row = departures[out["record_id"]]
            status, notice = out["sections"]["status"] or {}, out["sections"]["notice"]
            text = notice["text"] if notice else None
            name = carriers[row["carrier"]]
            if text is not None:
                failed["no_banned"] += bool(WORD.search(text) or PATTERN.search(text))
                failed["has_policy"] += POLICY not in text.lower()
                failed["short"] += len(text.split()) > MAX_WORDS
                failed["grounded"] += not _grounded(text, row)
            failed["delay_matches"] += status.get("delay_minutes") != row["dep_delay"]
            failed["carrier_named"] += status.get("carrier_name") != name
            failed["output.sections_present"] += not (status and notice)
            failed["output.values_match"] += (
                status.get("delay_minutes") != row["dep_delay"] or status.get("carrier_name") != name
            )
    return failed


def _grounded(text: str, row: dict) -> bool:
    dates = ISO_DATE.findall(text)
    if any(date != row["flight_date"].isoformat() for date in dates):
        return False
    rest = ISO_DATE.sub(" ", text)
    return all(int(n) == row["dep_delay"] for n in WHOLE_NUMBER.findall(rest))


# --- the engine ---------------------------------------------------------------------------------


def engine(folder: Path) -> dict[str, int]:
    from kit.answers.schema import Rule
    from kit.answers.template import OutputTemplate
    from kit.checks import implied
    from kit.checks.engine import datasets, joined
    from kit.checks.rules import run_on_table

    outputs = joined.flatten(datasets.open_data(folder, "outputs.jsonl"))
    departures = datasets.open_data(folder, "departures.parquet")
    carriers = datasets.open_data(folder, "carriers.csv")
    table = joined.join(outputs, [(joined.INPUT, departures, {"record_id": "record_id"})]).table
    table = joined.join(table, [("carriers", carriers, {"carrier": "carrier"})], prefix="input.").table
    rules = [Rule(dataset="outputs", severity="condition", **r) for r in RULES]
    results = run_on_table(rules, table, AS_OF)
    found = implied.Outputs(
        outputs,
        departures,
        {"record_id": "record_id"},
        OutputTemplate.model_validate(TEMPLATE),
        {"carriers": (carriers, {"carrier": "carrier"})},
    )
    results += implied.count(found, only=IMPLIED)
    errors = {r.id: r.error for r in results if r.error}
    if errors:
        raise SystemExit(f"rules could not run: {errors}")
    return {r.id: r.failed for r in results}


# --- the table ------------------------------------------------------------------------------------


def measure(which: str, folder: Path) -> dict:
    """Run one engine in a fresh process of this script: its counts, seconds and peak RSS."""
    done = subprocess.run(
        [sys.executable, __file__, "--run", which, str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"{which} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_one(which: str, folder: Path) -> None:
    """Libraries are imported before the clock starts: the table measures checking, not start-up."""
    import pyarrow.parquet  # noqa: F401

    if which == "engine":
        import kit.checks.implied
        import kit.checks.rules  # noqa: F401
    started = time.perf_counter()
    counts = {"engine": engine, "reference": reference}[which](folder)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"counts": counts, "seconds": seconds, "rss_mb": rss_mb}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--run", nargs=2, metavar=("ENGINE", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("N", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(args.run[0], Path(args.run[1]))
        return 0
    if args.generate:
        generate(Path(args.generate[1]), int(args.generate[0]))
        return 0
    ok = True
    print("| outputs | engine | seconds | peak RSS (MB) | speed | counts equal |")
    print("|---:|---|---:|---:|---:|---|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="wbk-bench-outputs-") as tmp:
            folder = Path(tmp)
            # in its own process too: Linux keeps a process's peak RSS across fork and exec, so
            # generating here would give every engine this process's peak
            subprocess.run([sys.executable, __file__, "--generate", str(n), str(folder)], check=True)
            ref = measure("reference", folder)
            wbk = measure("engine", folder)
            equal = ref["counts"] == wbk["counts"]
            ok &= equal
            ratio = ref["seconds"] / wbk["seconds"]
            print(
                f"| {n:,} | reference (json + re, one pass) | {ref['seconds']:.2f} | {ref['rss_mb']:.0f} | 1.00x | - |"
            )
            print(
                f"| {n:,} | wbk engine | {wbk['seconds']:.2f} | {wbk['rss_mb']:.0f} | {ratio:.2f}x | {equal} |"
            )
            if not equal:
                print(f"counts differ: reference {ref['counts']}, engine {wbk['counts']}", file=sys.stderr)
            else:
                print(f"<!-- {n:,} outputs, failing per rule: {wbk['counts']} -->")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
