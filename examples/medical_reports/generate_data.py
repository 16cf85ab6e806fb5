"""Seeded generator of the medical example's sample data, with planted defects.

Writes data/lab_results.csv, data/patients.csv, data/reference_ranges.csv,
outputs/generated_reports.jsonl and planted.json (which rows and reports carry which defect, so
tests can assert that the checks find exactly these). Run again to regenerate identically:

    python examples/medical_reports/generate_data.py [--orders N] [--out DIR]

``lab_results(orders, seed)`` is also used by the benchmark to build a larger table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 1)
# LOINC code, name, UCUM unit, reference low, high, typical mean, sd, decimals
PANEL = [
    ("718-7", "Haemoglobin", "g/L", 120.0, 170.0, 140.0, 16.0, 0),
    ("14749-6", "Glucose", "mmol/L", 3.9, 5.5, 5.0, 1.1, 1),
    ("2951-2", "Sodium", "mmol/L", 135.0, 145.0, 140.0, 3.0, 0),
    ("2823-3", "Potassium", "mmol/L", 3.5, 5.1, 4.3, 0.5, 1),
    ("14682-9", "Creatinine", "umol/L", 60.0, 110.0, 85.0, 22.0, 0),
    ("1742-6", "ALT", "U/L", 7.0, 56.0, 30.0, 15.0, 0),
    ("3016-3", "TSH", "mIU/L", 0.4, 4.0, 2.0, 1.1, 2),
]
AGE_BANDS = ["18-39", "40-64", "65+"]
PLANTED_ROWS = {"missing_unit": 12, "negative_value": 5, "wrong_flag": 9, "stale": 7, "duplicate": 4}
PLANTED_REPORTS = {
    "hallucinated_value": 6,
    "changed_range": 4,
    "wrong_flag": 5,
    "missing_section": 3,
    "extra_test": 2,
    "hallucinated_number": 4,
}


def flag_for(value: float, low: float, high: float) -> str:
    return "L" if value < low else "H" if value > high else "N"


def patients(n: int, rng: np.random.Generator) -> pd.DataFrame:
    # The age mix is skewed on purpose (65+ over-represented against the reference shares).
    return pd.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(n)],
            "sex": rng.choice(["F", "M"], size=n, p=[0.52, 0.48]),
            "age_band": rng.choice(AGE_BANDS, size=n, p=[0.22, 0.38, 0.40]),
        }
    )


def lab_results(orders: int, seed: int = 7, n_patients: int | None = None) -> pd.DataFrame:
    """Clean lab results: one row per test of each order, every test of the panel per order."""
    rng = np.random.default_rng(seed)
    n_patients = n_patients or max(1, orders // 2)
    order_ids = np.repeat([f"O{i:06d}" for i in range(orders)], len(PANEL))
    patient_of_order = rng.integers(0, n_patients, size=orders)
    days_back = rng.integers(1, 300, size=orders)
    codes, names, units, lows, highs, means, sds, decimals = zip(*PANEL, strict=True)
    k = len(PANEL)
    values = rng.normal(np.tile(means, orders), np.tile(sds, orders))
    values = np.maximum(values, np.tile(np.array(means) * 0.2, orders))
    rounded = np.array([round(v, d) for v, d in zip(values, np.tile(decimals, orders), strict=True)])
    low, high = np.tile(lows, orders), np.tile(highs, orders)
    flags = np.where(rounded < low, "L", np.where(rounded > high, "H", "N"))
    collected = [AS_OF - dt.timedelta(days=int(d)) for d in np.repeat(days_back, k)]
    return pd.DataFrame(
        {
            "result_id": [f"R{i:07d}" for i in range(orders * k)],
            "order_id": order_ids,
            "patient_id": [f"P{p:05d}" for p in np.repeat(patient_of_order, k)],
            "test_code": np.tile(codes, orders),
            "test_name": np.tile(names, orders),
            "value": rounded,
            "unit": np.tile(units, orders),
            "ref_low": low,
            "ref_high": high,
            "flag": flags,
            "collected_on": collected,
        }
    )


def plant_row_defects(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Damage disjoint rows; duplicates are appended copies. Returns the table and the manifest."""
    picks = rng.choice(len(df), size=sum(PLANTED_ROWS.values()), replace=False)
    manifest: dict[str, list[str]] = {}
    start = 0
    for kind, count in PLANTED_ROWS.items():
        rows = picks[start : start + count]
        start += count
        manifest[kind] = sorted(df.loc[rows, "result_id"])
        if kind == "missing_unit":
            df.loc[rows, "unit"] = None
        elif kind == "negative_value":
            # Negative and still flagged L, so only the plausibility rule fires.
            df.loc[rows, "value"] = -df.loc[rows, "value"].abs()
            df.loc[rows, "flag"] = "L"
        elif kind == "wrong_flag":
            df.loc[rows, "flag"] = ["H" if f != "H" else "L" for f in df.loc[rows, "flag"]]
        elif kind == "stale":
            df.loc[rows, "collected_on"] = AS_OF - dt.timedelta(days=900)
    dupes = df.loc[df["result_id"].isin(manifest["duplicate"])]
    return pd.concat([df, dupes], ignore_index=True), manifest


def reports(df: pd.DataFrame, damaged: dict, count: int, rng: np.random.Generator):
    """Reports drafted from orders whose input is clean, then the planted report defects."""
    clean = df.drop_duplicates("result_id")
    bad_ids = {rid for ids in damaged.values() for rid in ids}
    bad_orders = set(clean.loc[clean["result_id"].isin(bad_ids), "order_id"])
    orders = sorted(set(clean["order_id"]) - bad_orders)[:count]
    by_order = {o: g for o, g in clean[clean["order_id"].isin(orders)].groupby("order_id")}
    out = []
    for n, order in enumerate(orders):
        rows = by_order[order]
        results = [
            {
                "test_code": r.test_code,
                "test_name": r.test_name,
                "value": r.value,
                "unit": r.unit,
                "ref_low": r.ref_low,
                "ref_high": r.ref_high,
                "flag": r.flag,
            }
            for r in rows.itertuples()
        ]
        abnormal = [r for r in results if r["flag"] != "N"]
        text = "; ".join(
            f"{r['test_name']} {_num(r['value'])} is {'low' if r['flag'] == 'L' else 'high'}"
            f" (reference {_num(r['ref_low'])} to {_num(r['ref_high'])})"
            for r in abnormal
        )
        out.append(
            {
                "report_id": f"RPT{n:05d}",
                "record_id": order,
                "sections": {
                    "patient": {"patient_id": rows["patient_id"].iloc[0]},
                    "results": results,
                    "interpretation": {"text": text or "All results are within their reference ranges."},
                    "follow_up": {"text": "Review with the requesting clinician."},
                },
            }
        )
    return out, _plant_report_defects(out, rng)


def _plant_report_defects(out: list[dict], rng: np.random.Generator) -> dict:
    """Each defect on its own report, made so that it trips exactly one output check."""
    eligible = [i for i, r in enumerate(out) if sum(x["flag"] == "N" for x in r["sections"]["results"]) >= 1]
    picks = iter(rng.choice(eligible, size=sum(PLANTED_REPORTS.values()), replace=False))
    manifest: dict[str, list[str]] = {}
    for kind, count in PLANTED_REPORTS.items():
        chosen = [out[next(picks)] for _ in range(count)]
        manifest[kind] = sorted(r["report_id"] for r in chosen)
        for report in chosen:
            sections = report["sections"]
            normal = [x for x in sections["results"] if x["flag"] == "N"]
            if kind == "hallucinated_value":
                item = normal[0]  # a nudge that stays within range keeps the flag right
                item["value"] = round((item["value"] + item["ref_low"]) / 2 + 0.01, 2)
            elif kind == "changed_range":
                normal[0]["ref_high"] = round(normal[0]["ref_high"] * 1.25, 2)
            elif kind == "wrong_flag":
                normal[0]["flag"] = "H"
            elif kind == "missing_section":
                del sections["interpretation"]
            elif kind == "extra_test":
                sections["results"].append(
                    {
                        "test_code": "2093-3",
                        "test_name": "Cholesterol",
                        "value": 4.2,
                        "unit": "mmol/L",
                        "ref_low": 0.0,
                        "ref_high": 5.2,
                        "flag": "N",
                    }
                )
            elif kind == "hallucinated_number":
                sections["interpretation"]["text"] += " Estimated eGFR 23.75 mL/min."
    return manifest


def _num(value: float) -> str:
    return f"{value:g}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed + 1)
    results = lab_results(args.orders, args.seed)
    results, row_manifest = plant_row_defects(results, rng)
    people = patients(max(1, args.orders // 2), rng)
    catalogue = pd.DataFrame(
        PANEL, columns=["test_code", "test_name", "unit", "ref_low", "ref_high", "mean", "sd", "decimals"]
    )
    docs, report_manifest = reports(results, row_manifest, args.reports, rng)
    (args.out / "data").mkdir(parents=True, exist_ok=True)
    (args.out / "outputs").mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out / "data" / "lab_results.csv", index=False)
    people.to_csv(args.out / "data" / "patients.csv", index=False)
    catalogue.drop(columns=["mean", "sd", "decimals"]).to_csv(
        args.out / "data" / "reference_ranges.csv", index=False
    )
    with open(args.out / "outputs" / "generated_reports.jsonl", "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc) + "\n")
    manifest = {"rows": row_manifest, "reports": report_manifest}
    (args.out / "planted.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
