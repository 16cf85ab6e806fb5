"""Benchmark: the medical example's 10 lab-result rules on 1,000,000 rows, wbk (pandera) against the
same suite in Great Expectations, in one process. Prints a table; exits 1 if a target is missed.

    python bench/rules.py [--rows 1000000] [--repeat 3]

Targets (issue 4): wbk <= 1 s, and >= 5x faster than Great Expectations (the `bench` extra).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "medical_reports"))

import pandas as pd  # noqa: E402
from generate_data import lab_results  # noqa: E402

from kit.answers import loading as answers  # noqa: E402
from kit.answers.schema import Rule  # noqa: E402
from kit.checks import rules  # noqa: E402

AS_OF = dt.date(2026, 11, 1)


def suite() -> list[Rule]:
    """The example's rules on lab_results, plus the flag letters: ten rules."""
    loaded = answers.load(ROOT / "examples" / "medical_reports")
    chosen = [r for r in loaded.answers.data_quality.rules if r.dataset == "lab_results"]
    chosen.append(
        Rule(
            id="flag_letter",
            dataset="lab_results",
            columns=["flag"],
            check="in_set",
            params={"values": ["L", "N", "H"]},
            severity="blocking",
        )
    )
    assert len(chosen) == 10
    return chosen


def run_wbk(frame: pd.DataFrame, chosen: list[Rule]) -> dict[str, int]:
    return {r.id: r.failed for r in rules.run_on_frame(chosen, frame, AS_OF)}


def gx_suite(chosen: list[Rule]):
    """The same rules as Great Expectations expectations (consistent_flag via row conditions)."""
    import great_expectations.expectations as gxe

    out = []
    for rule in chosen:
        c, p = rule.columns, rule.params
        if rule.check == "unique" and len(c) == 1:
            out.append(gxe.ExpectColumnValuesToBeUnique(column=c[0]))
        elif rule.check == "unique":
            out.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=c))
        elif rule.check == "not_null":
            out += [gxe.ExpectColumnValuesToNotBeNull(column=col) for col in c]
        elif rule.check == "in_set":
            out.append(gxe.ExpectColumnValuesToBeInSet(column=c[0], value_set=p["values"]))
        elif rule.check == "between":
            out.append(
                gxe.ExpectColumnValuesToBeBetween(column=c[0], min_value=p.get("min"), max_value=p.get("max"))
            )
        elif rule.check == "matches":
            out.append(gxe.ExpectColumnValuesToMatchRegex(column=c[0], regex=p["pattern"]))
        elif rule.check == "fresh_within":
            oldest = (AS_OF - dt.timedelta(days=p["days"])).isoformat()
            out.append(gxe.ExpectColumnValuesToBeBetween(column=c[0], min_value=oldest))
        elif rule.check == "consistent_flag":
            flag, value, low, high = c
            for letter, condition in (
                (p.get("low", "L"), f"{value} < {low}"),
                (p.get("high", "H"), f"{value} > {high}"),
                (p.get("normal", "N"), f"{value} >= {low} and {value} <= {high}"),
            ):
                out.append(
                    gxe.ExpectColumnValuesToBeInSet(
                        column=flag, value_set=[letter], row_condition=condition, condition_parser="pandas"
                    )
                )
    return out


def run_gx(frame: pd.DataFrame, expectations) -> int:
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("bench")
    asset = source.add_dataframe_asset("lab_results")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    failed = 0
    with contextlib.redirect_stderr(io.StringIO()):  # GX draws a progress bar per expectation
        for expectation in expectations:
            result = batch.validate(expectation)
            failed += int(result.result.get("unexpected_count") or 0)
    return failed


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int):
    """Median seconds, and how far the process's peak RSS rose (MB) while running ``fn``."""
    times, before = [], max_rss_mb()
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max_rss_mb() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = lab_results(args.rows // 7 + 1).head(args.rows)
    frame["collected_on"] = frame["collected_on"].astype(str)  # as read from CSV
    chosen = suite()
    wbk_s, wbk_mb = timed(lambda: run_wbk(frame, chosen), args.repeat)
    try:
        import great_expectations  # noqa: F401
    except ImportError:
        print("great-expectations is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    expectations = gx_suite(chosen)
    gx_s, gx_mb = timed(lambda: run_gx(frame, expectations), 1)  # one run: GX takes tens of seconds
    ratio = gx_s / wbk_s
    rows = [("wbk (pandera)", wbk_s, wbk_mb, 1.0), ("Great Expectations", gx_s, gx_mb, ratio)]
    print(f"{'engine':<20} {'rows':>10} {'rules':>6} {'seconds':>8} {'+peak MB':>8} {'ratio':>7}")
    for name, seconds, mb, r in rows:
        print(f"{name:<20} {len(frame):>10,} {len(chosen):>6} {seconds:>8.3f} {mb:>8.1f} {r:>6.1f}x")
    targets = [("wbk <= 1 s", wbk_s <= 1.0), ("wbk >= 5x faster than GX", ratio >= 5)]
    for name, ok in targets:
        print(f"{'met' if ok else 'MISSED'}: {name}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
