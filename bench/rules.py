"""Benchmark: the medical example's 10 lab-result rules, like for like, on data with 0 %, 1 % and 10 %
defective rows and on a large Parquet table. Engines, each in its own process (for its peak RSS):

- wbk: the kit's rule engine (rules compiled to Ibis, run by embedded DuckDB on the Parquet file);
- floor: one hand-written DuckDB SQL query computing the same counts (the best one can do by hand);
- GX pandas / GX SQL: Great Expectations 1.x, the same rules as ONE suite with result_format BASIC,
  on a pandas DataFrame read from the file, and on its SQL datasource over DuckDB (if it runs).

Every engine's failing-row counts must equal the floor's: a mismatch, or a GX expectation that
raises, fails the bench (exit 1). The one difference in definitions is named, not hidden: for
uniqueness wbk counts the repeats beyond the first row of a key, GX every row of a repeated key; the
floor computes both, and each engine is checked against its own definition.

    python bench/rules.py [--rows 1000000] [--big-rows 100000000] [--repeat 3] [--skip-gx]

Data is generated on the fly into a temp dir by DuckDB (range() + COPY ... TO), never row by row
in Python. GX is not run on the big table: its pandas datasource needs the whole table in memory.
Targets (issue 9, a 2-core machine): 1M rows x 10 rules <= 1.0 s at every defect rate, within 1.5x
of the floor, >= 10x faster than GX; the big table <= 90 s with peak RSS <= 3 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import importlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 1)
UCUM = ["g/L", "mmol/L", "umol/L", "U/L", "mIU/L"]
# The medical example's panel: LOINC code, name, unit, reference low and high.
PANEL = [
    ("718-7", "Haemoglobin", "g/L", 120.0, 170.0),
    ("14749-6", "Glucose", "mmol/L", 3.9, 5.5),
    ("2951-2", "Sodium", "mmol/L", 135.0, 145.0),
    ("2823-3", "Potassium", "mmol/L", 3.5, 5.1),
    ("14682-9", "Creatinine", "umol/L", 60.0, 110.0),
    ("1742-6", "ALT", "U/L", 7.0, 56.0),
    ("3016-3", "TSH", "mIU/L", 0.4, 4.0),
]
# One defect per defective row, chosen by a hash: each rule has rows to find, some rows fail two
# rules (a negative value also disagrees with its flag), exactly as real bad rows do.
DEFECTS = [
    "repeated result_id",
    "repeated order and test",
    "missing unit",
    "unit outside UCUM",
    "missing value",
    "negative value",
    "wrong flag",
    "malformed test code",
    "result older than a year",
    "flag letter not L/N/H",
]


# --- data -------------------------------------------------------------------------------------


def generate(path: Path, rows: int, defect_rate: float) -> Path:
    """A lab_results Parquet file: 7 tests per order, defects at ``defect_rate`` of the rows."""
    import duckdb

    panel = ", ".join(
        f"({i}, '{c}', '{n}', '{u}', {lo}::DOUBLE, {hi}::DOUBLE)" for i, (c, n, u, lo, hi) in enumerate(PANEL)
    )
    basis = round(defect_rate * 1_000_000)
    sql = f"""
    COPY (
      WITH panel(n, code, name, unit, low, high) AS (VALUES {panel}),
      base AS (
        SELECT i, p.*, hash(i, 'defect') % 1000000 < {basis} AS bad, hash(i, 'kind') % 10 AS kind,
               round(p.low + (p.high - p.low) * ((hash(i, 'value') % 1300) / 1000.0 - 0.1), 2) AS v
        FROM range({rows}) r(i) JOIN panel p ON p.n = i % 7
      ),
      shaped AS (
        SELECT *, CASE WHEN v < low THEN 'L' WHEN v > high THEN 'H' ELSE 'N' END AS true_flag FROM base
      )
      SELECT
        'R' || lpad(CAST(CASE WHEN bad AND kind = 0 AND i > 0 THEN i - 1 ELSE i END AS VARCHAR), 10, '0')
          AS result_id,
        'O' || lpad(CAST(CASE WHEN bad AND kind = 1 AND i >= 7 THEN i - 7 ELSE i END // 7 AS VARCHAR), 9, '0')
          AS order_id,
        'P' || lpad(CAST(hash(i // 7, 'patient') % 250000 AS VARCHAR), 6, '0') AS patient_id,
        CASE WHEN bad AND kind = 7 THEN 'X' || code ELSE code END AS test_code,
        name AS test_name,
        CASE WHEN bad AND kind = 4 THEN NULL WHEN bad AND kind = 5 THEN -v - 1 ELSE v END AS value,
        CASE WHEN bad AND kind = 2 THEN NULL WHEN bad AND kind = 3 THEN 'mg/dL' ELSE unit END AS unit,
        low AS ref_low, high AS ref_high,
        CASE WHEN bad AND kind = 6 THEN (CASE true_flag WHEN 'N' THEN 'H' WHEN 'H' THEN 'L' ELSE 'N' END)
             WHEN bad AND kind = 9 THEN lower(true_flag) ELSE true_flag END AS flag,
        CASE WHEN bad AND kind = 8 THEN DATE '2024-06-01' ELSE DATE '2026-08-01' + CAST(i % 90 AS INTEGER) END
          AS collected_on
      FROM shaped
    ) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
    """
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(sql)
    return path


# --- the rules ----------------------------------------------------------------------------------


@functools.cache
def suite():
    """The medical example's nine lab_results rules, plus the flag letters: ten rules."""
    from kit.answers import loading
    from kit.answers.schema import Rule

    loaded = loading.load(ROOT / "examples" / "medical_reports")
    chosen = [r for r in loaded.answers.data_quality.rules if r.dataset == "lab_results"]
    chosen.append(
        Rule(
            id="flag_letter",
            dataset="lab_results",
            columns=["flag"],
            check="in_set",
            params={"values": ["L", "N", "H"]},
            severity="condition",
        )
    )
    assert len(chosen) == 10, [r.id for r in chosen]
    return chosen


def oldest_fresh() -> dt.date:
    return AS_OF - dt.timedelta(days=365)


# --- the engines: each returns {rule id: failing rows}; called in a process of its own ----------


def run_wbk(path: Path) -> dict[str, int]:
    from kit.checks import rules
    from kit.checks.engine import datasets

    table = datasets.default_backend().read_parquet(str(path))
    return {r.id: r.failed for r in rules.run_on_table(suite(), table, AS_OF)}


FLOOR = """
WITH t AS (SELECT * FROM read_parquet('{path}'))
SELECT
  ids.extra AS result_id_unique, pairs.extra AS order_test_unique,
  ids.all_rows AS result_id_unique_all_rows, pairs.all_rows AS order_test_unique_all_rows,
  rows.*
FROM (
  SELECT coalesce(sum(n - 1), 0) AS extra, coalesce(sum(n), 0) AS all_rows FROM (
    SELECT count(*) AS n FROM t WHERE result_id IS NOT NULL GROUP BY result_id HAVING count(*) > 1)
) ids, (
  SELECT coalesce(sum(n - 1), 0) AS extra, coalesce(sum(n), 0) AS all_rows FROM (
    SELECT count(*) AS n FROM t WHERE order_id IS NOT NULL AND test_code IS NOT NULL
    GROUP BY order_id, test_code HAVING count(*) > 1)
) pairs, (
  SELECT
    count(*) FILTER (WHERE unit IS NULL) AS unit_present,
    count(*) FILTER (WHERE unit NOT IN ({ucum})) AS unit_is_ucum,
    count(*) FILTER (WHERE value IS NULL) AS value_present,
    count(*) FILTER (WHERE value < 0 OR value > 10000) AS value_plausible,
    count(*) FILTER (WHERE flag IS DISTINCT FROM
      CASE WHEN value < ref_low THEN 'L' WHEN value > ref_high THEN 'H' ELSE 'N' END
      AND flag IS NOT NULL AND value IS NOT NULL) AS flag_consistent,
    count(*) FILTER (WHERE NOT regexp_full_match(test_code, '\\d{{1,5}}-\\d')) AS test_code_loinc,
    count(*) FILTER (WHERE collected_on < DATE '{oldest}') AS results_fresh,
    count(*) FILTER (WHERE flag NOT IN ('L', 'N', 'H')) AS flag_letter
  FROM t
) rows
"""


def run_floor(path: Path) -> dict[str, int]:
    import duckdb

    ucum = ", ".join(f"'{u}'" for u in UCUM)
    with duckdb.connect() as con:
        cursor = con.execute(FLOOR.format(path=path, ucum=ucum, oldest=oldest_fresh()))
        names = [d[0] for d in cursor.description]
        return dict(zip(names, (int(v) for v in cursor.fetchone()), strict=True))


def gx_expectations() -> list[tuple[str, object]]:
    """(rule id, expectation) for the ten rules; consistent_flag is three conditional expectations."""
    import great_expectations.expectations as gxe

    out: list[tuple[str, object]] = []
    for rule in suite():
        c, p = rule.columns, rule.params
        if rule.check == "unique" and len(c) == 1:
            out.append((rule.id, gxe.ExpectColumnValuesToBeUnique(column=c[0])))
        elif rule.check == "unique":
            out.append((rule.id, gxe.ExpectCompoundColumnsToBeUnique(column_list=c)))
        elif rule.check == "not_null":
            out.append((rule.id, gxe.ExpectColumnValuesToNotBeNull(column=c[0])))
        elif rule.check == "in_set":
            out.append((rule.id, gxe.ExpectColumnValuesToBeInSet(column=c[0], value_set=p["values"])))
        elif rule.check == "between":
            expectation = gxe.ExpectColumnValuesToBeBetween(
                column=c[0], min_value=p["min"], max_value=p["max"]
            )
            out.append((rule.id, expectation))
        elif rule.check == "matches":
            out.append((rule.id, gxe.ExpectColumnValuesToMatchRegex(column=c[0], regex=p["pattern"])))
        elif rule.check == "fresh_within":
            oldest = dt.datetime.combine(oldest_fresh(), dt.time())
            out.append((rule.id, gxe.ExpectColumnValuesToBeBetween(column=c[0], min_value=oldest)))
        elif rule.check == "consistent_flag":
            out += [(rule.id, e) for e in _gx_flag_agrees(*c, p)]
        else:
            raise AssertionError(f"no GX expectation for {rule.check}")
    return out


def _gx_flag_agrees(flag: str, value: str, low: str, high: str, p: dict) -> list:
    """consistent_flag as GX column-pair expectations, one per flag letter (GX compares two columns
    only there). For a row with a flag and a value this is exactly wbk's rule, split by the flag:
    L needs value < low, H value > high, N low <= value <= high, any other letter fails."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    pair = {"ignore_row_if": "either_value_is_missing"}  # a row without a value passes, as in wbk
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=low, column_B=value, row_condition=Column(flag) == p["low"], **pair
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=value, column_B=high, row_condition=Column(flag) == p["high"], **pair
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=value, column_B=low, or_equal=True, row_condition=Column(flag) == p["normal"], **pair
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=high, column_B=value, or_equal=True, row_condition=Column(flag) == p["normal"], **pair
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column=flag,
            value_set=[p["low"], p["normal"], p["high"]],
            row_condition=Column(value).is_not_null(),
        ),
    ]


def _gx_counts(batch, expectations) -> dict[str, int]:
    import great_expectations as gx

    for rule_id, expectation in expectations:
        expectation.meta = {"rule": rule_id}  # results come back in GX's own order
    suite = gx.ExpectationSuite(name="lab_results", expectations=[e for _, e in expectations])
    with contextlib.redirect_stderr(io.StringIO()):  # GX draws a progress bar
        result = batch.validate(suite, result_format="BASIC")
    counts: dict[str, int] = {}
    raised: dict[str, str] = {}
    for outcome in result.results:
        rule_id = outcome.expectation_config.meta["rule"]
        if "unexpected_count" not in outcome.result:  # GX nests the exception under a metric's id
            raised.setdefault(rule_id, _exception_message(outcome.exception_info))
            continue
        counts[rule_id] = counts.get(rule_id, 0) + int(outcome.result["unexpected_count"] or 0)
    if raised and not counts:
        raise DidNotRun(f"every expectation raised, e.g. {next(iter(raised.values()))}")
    if raised:
        raise RuntimeError("; ".join(f"the expectation for {k} raised: {v}" for k, v in raised.items()))
    return counts


class DidNotRun(Exception):
    """The datasource cannot evaluate anything on this setup (reported, not counted as a result)."""


def _exception_message(info: dict) -> str:
    if "exception_message" in info:
        return str(info["exception_message"])
    nested = [v for v in info.values() if isinstance(v, dict) and "exception_message" in v]
    return str(nested[0]["exception_message"]) if nested else "no result and no exception"


def run_gx_pandas(path: Path) -> dict[str, int]:
    import great_expectations as gx
    import pandas as pd

    frame = pd.read_parquet(path)
    frame["collected_on"] = pd.to_datetime(frame["collected_on"])
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("lab_results")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    return _gx_counts(batch, gx_expectations())


def run_gx_sql(path: Path) -> dict[str, int]:
    import duckdb
    import great_expectations as gx

    database = path.with_suffix(".duckdb")
    with duckdb.connect(str(database)) as con:  # GX's SQL datasource reads tables, not files
        con.execute(f"CREATE OR REPLACE TABLE lab_results AS SELECT * FROM read_parquet('{path}')")
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql("bench", connection_string=f"duckdb:///{database}")
    asset = source.add_table_asset("lab_results", table_name="lab_results")
    batch = asset.add_batch_definition_whole_table("all").get_batch()
    return _gx_counts(batch, gx_expectations())


ENGINES = {"wbk": run_wbk, "floor": run_floor, "GX pandas": run_gx_pandas, "GX SQL (DuckDB)": run_gx_sql}
# Imported before the clock starts: seconds are the work on the data, not Python's imports.
IMPORTS = {
    "wbk": ["kit.checks.rules", "kit.checks.engine.datasets"],
    "floor": ["duckdb"],
    "GX pandas": ["great_expectations", "great_expectations.expectations", "pandas"],
    "GX SQL (DuckDB)": ["great_expectations", "great_expectations.expectations", "duckdb", "duckdb_engine"],
}


def child(engine: str, path: Path, repeat: int) -> None:
    """Run one engine ``repeat`` times in this process; print seconds (median), counts, peak RSS."""
    run = ENGINES[engine]
    times, counts = [], {}
    try:
        for module in IMPORTS[engine]:
            importlib.import_module(module)
        suite()  # the rules, read from the medical example's answers.yaml
        for _ in range(repeat):
            start = time.perf_counter()
            counts = run(path)
            times.append(time.perf_counter() - start)
    except Exception as exc:  # reported as this engine's failure, never skipped
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(json.dumps({"error": f"{type(exc).__name__}: {first}", "ran": not isinstance(exc, DidNotRun)}))
        return
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": statistics.median(times), "counts": counts, "peak_mb": peak_mb}))


# --- the parent: cases, comparison, table -----------------------------------------------------


@dataclass
class Outcome:
    case: str
    engine: str
    seconds: float | None = None
    peak_mb: float | None = None
    counts: dict | None = None
    problem: str = ""
    ran: bool = True  # False: the engine cannot run on this setup at all (said, not failed)


def generated(path: Path, rows: int, rate: float) -> Path:
    """The data, made by DuckDB in a process of its own (the parent's peak RSS would be inherited)."""
    command = [sys.executable, __file__, "--generate", str(rows), str(rate), "--file", str(path)]
    subprocess.run(command, check=True)
    return path


def measure(engine: str, path: Path, repeat: int, case: str) -> Outcome:
    command = [sys.executable, __file__, "--child", engine, "--file", str(path), "--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Outcome(case, engine, problem=f"crashed (exit {done.returncode}): {tail}")
    report = json.loads(lines[-1])
    if "error" in report:
        return Outcome(case, engine, problem=report["error"], ran=report["ran"])
    return Outcome(case, engine, report["seconds"], report["peak_mb"], report["counts"])


def expected_for(engine: str, floor: dict[str, int]) -> dict[str, int]:
    """The floor's counts in the engine's own definition of a uniqueness failure."""
    wanted = {k: v for k, v in floor.items() if not k.endswith("_all_rows")}
    if engine.startswith("GX"):
        for key in ("result_id_unique", "order_test_unique"):
            wanted[key] = floor[f"{key}_all_rows"]
    return wanted


def check_counts(outcomes: list[Outcome]) -> None:
    floor = next(o for o in outcomes if o.engine == "floor")
    if floor.counts is None:
        return
    for outcome in outcomes:
        if outcome.counts is None or outcome is floor:
            continue
        wanted = expected_for(outcome.engine, floor.counts)
        wrong = {k: (outcome.counts.get(k), v) for k, v in wanted.items() if outcome.counts.get(k) != v}
        if wrong:
            shown = ", ".join(f"{k} {got} (floor {want})" for k, (got, want) in wrong.items())
            outcome.problem = f"counts differ from the floor: {shown}"


def print_table(outcomes: list[Outcome]) -> None:
    print(
        f"{'case':<26} {'engine':<16} {'seconds':>8} {'peak RSS':>9} {'x floor':>8} {'GX / wbk':>9}  counts"
    )
    by_case: dict[str, dict[str, Outcome]] = {}
    for o in outcomes:
        by_case.setdefault(o.case, {})[o.engine] = o
    for case, engines in by_case.items():
        floor, wbk = engines.get("floor"), engines.get("wbk")
        for o in engines.values():
            if o.seconds is None:
                said = "FAILED" if o.ran else "DID NOT RUN"
                print(f"{case:<26} {o.engine:<16} {'-':>8} {'-':>9} {'-':>8} {'-':>9}  {said}: {o.problem}")
                continue
            vs_floor = f"{o.seconds / floor.seconds:.2f}x" if floor and floor.seconds else "-"
            vs_wbk = (
                f"{o.seconds / wbk.seconds:.1f}x" if o.engine.startswith("GX") and wbk and wbk.seconds else ""
            )
            status = f"MISMATCH: {o.problem}" if o.problem else "same as floor"
            if o.engine == "floor":
                status = f"{sum(v for k, v in o.counts.items() if not k.endswith('_all_rows')):,} failing"
            print(
                f"{case:<26} {o.engine:<16} {o.seconds:>8.3f} {o.peak_mb / 1024:>7.2f}GB {vs_floor:>8} {vs_wbk:>9}  {status}"
            )


def targets(outcomes: list[Outcome], big_case: str | None) -> list[tuple[str, bool]]:
    found = []
    by = {(o.case, o.engine): o for o in outcomes}
    for case in sorted({o.case for o in outcomes} - {big_case}):
        wbk, floor = by.get((case, "wbk")), by.get((case, "floor"))
        if not wbk or wbk.seconds is None:
            continue
        found.append((f"{case}: wbk <= 1.0 s ({wbk.seconds:.2f} s)", wbk.seconds <= 1.0))
        if floor and floor.seconds:
            ratio = wbk.seconds / floor.seconds
            found.append((f"{case}: wbk within 1.5x of the floor ({ratio:.2f}x)", ratio <= 1.5))
        for gx in ("GX pandas", "GX SQL (DuckDB)"):
            other = by.get((case, gx))
            if other and other.seconds:
                ratio = other.seconds / wbk.seconds
                found.append((f"{case}: wbk >= 10x faster than {gx} ({ratio:.1f}x)", ratio >= 10))
    big = by.get((big_case, "wbk")) if big_case else None
    if big and big.seconds is not None:
        found.append((f"{big_case}: wbk <= 90 s ({big.seconds:.1f} s)", big.seconds <= 90))
        found.append(
            (f"{big_case}: wbk peak RSS <= 3 GB ({big.peak_mb / 1024:.2f} GB)", big.peak_mb <= 3 * 1024)
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the three defect-rate cases")
    parser.add_argument("--big-rows", type=int, default=100_000_000, help="rows of the big case; 0 skips it")
    parser.add_argument("--repeat", type=int, default=3, help="runs of wbk and the floor (median)")
    parser.add_argument("--skip-gx", action="store_true", help="leave Great Expectations out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.repeat)
        return 0
    if args.generate:
        generate(args.file, int(args.generate[0]), float(args.generate[1]))
        return 0
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    gx = [] if args.skip_gx else ["GX pandas", "GX SQL (DuckDB)"]
    outcomes: list[Outcome] = []
    big_case = f"{args.big_rows:,} rows, 1% bad" if args.big_rows else None
    with tempfile.TemporaryDirectory(prefix="wbk-bench-") as tmp:
        for rate in (0.0, 0.01, 0.10):
            case = f"{args.rows:,} rows, {rate:.0%} bad"
            path = generated(Path(tmp) / f"lab_{rate}.parquet", args.rows, rate)
            batch = [measure(e, path, args.repeat, case) for e in ("floor", "wbk")]
            batch += [measure(e, path, 1, case) for e in gx]  # one run: GX takes many seconds
            check_counts(batch)
            outcomes += batch
        if big_case:
            start = time.perf_counter()
            path = generated(Path(tmp) / "lab_big.parquet", args.big_rows, 0.01)
            made = time.perf_counter() - start
            print(f"generated {big_case} in {made:.0f} s ({path.stat().st_size / 2**20:,.0f} MiB of Parquet)")
            batch = [measure(e, path, 1, big_case) for e in ("floor", "wbk")]
            check_counts(batch)
            outcomes += batch
    print_table(outcomes)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    if gx and big_case:
        print("GX is not run on the big table: its pandas datasource holds the whole table in memory.")
    met = targets(outcomes, big_case)
    for name, ok in met:
        print(f"{'met' if ok else 'MISSED'}: {name}")
    failed = [o for o in outcomes if o.problem and o.ran]
    for o in failed:
        print(f"FAILED: {o.case}, {o.engine}: {o.problem}")
    return 1 if failed or not all(ok for _, ok in met) else 0


if __name__ == "__main__":
    sys.exit(main())
