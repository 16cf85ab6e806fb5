"""Seeded generator of the job-advert example's sample data, with planted defects.

Writes data/requisitions.csv (approved job requisitions), data/pay_bands.csv,
outputs/drafted_adverts.jsonl (adverts drafted from clean requisitions) and planted.json (which
rows and adverts carry which defect, so tests can assert that the checks find exactly these).
Run again to regenerate identically:

    python examples/job_adverts/generate_data.py [--requisitions N] [--adverts N] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 20)
# grade, lowest and highest annual salary of the band (EUR)
PAY_BANDS = [("G3", 32000, 41000), ("G4", 38000, 49000), ("G5", 46000, 60000), ("G6", 57000, 74000)]
ROLES = [
    ("Payroll Specialist", "Finance", "G4"),
    ("Warehouse Team Lead", "Logistics", "G3"),
    ("Data Engineer", "Technology", "G5"),
    ("Product Designer", "Technology", "G5"),
    ("Customer Success Manager", "Sales", "G4"),
    ("Site Safety Officer", "Operations", "G4"),
    ("Engineering Manager", "Technology", "G6"),
    ("Procurement Buyer", "Finance", "G3"),
]
LOCATIONS = {"Berlin": 0.40, "Hamburg": 0.25, "Leipzig": 0.20, "Remote": 0.15}
CONTRACTS = ["permanent", "fixed-term", "apprenticeship"]
HOURS = [20, 30, 35, 40]
# Disjoint rows, each damaged so that exactly one rule fires on it.
PLANTED_ROWS = {
    "missing_salary": 11,
    "implausible_salary": 6,
    "unknown_contract": 8,
    "excessive_hours": 4,
    "malformed_id": 5,
    "stale": 9,
    "duplicate": 3,
}
# Each defect on its own advert, made so that it trips exactly one output check.
PLANTED_ADVERTS = {"changed_salary": 5, "wrong_title": 4, "missing_section": 3, "invented_number": 4}
# Planted after the defects above (so those stay as they were): requisitions no advert was drafted
# from whose top salary lies above the grade's band, and adverts whose text uses a phrase of the
# inclusive-language guide (inclusive_language.txt), each trips exactly one rule.
OUT_OF_BAND = 7
NON_INCLUSIVE = ["We are a young and dynamic team.", "Digital natives welcome.", "Join our rockstar crew."]


def requisitions(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Clean requisitions: salaries inside the role's pay band, opened in the last 40 days, open for 60."""
    role = rng.integers(0, len(ROLES), size=n)
    bands = {grade: (low, high) for grade, low, high in PAY_BANDS}
    rows = []
    for i, r in enumerate(role):
        title, department, grade = ROLES[r]
        low, high = bands[grade]
        salary_min = int(rng.integers(low // 500, (low + high) // 2 // 500)) * 500
        opened = AS_OF - dt.timedelta(days=int(rng.integers(1, 40)))
        rows.append(
            {
                "requisition_id": f"REQ-{10000 + i:05d}",
                "title": title,
                "department": department,
                "grade": grade,
                "location": rng.choice(list(LOCATIONS), p=list(LOCATIONS.values())),
                "contract_type": CONTRACTS[int(rng.choice(3, p=[0.8, 0.15, 0.05]))],
                "hours_per_week": int(rng.choice(HOURS, p=[0.05, 0.1, 0.15, 0.7])),
                "salary_min": salary_min,
                "salary_max": min(high, salary_min + 6000),
                "currency": "EUR",
                "opened_on": opened.isoformat(),
                "closing_date": (opened + dt.timedelta(days=60)).isoformat(),
            }
        )
    return pd.DataFrame(rows)


def plant_row_defects(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Damage disjoint rows; duplicates are appended copies. Returns the table and the manifest."""
    picks = rng.choice(len(df), size=sum(PLANTED_ROWS.values()), replace=False)
    manifest: dict[str, list[str]] = {}
    start = 0
    for kind, count in PLANTED_ROWS.items():
        rows = picks[start : start + count]
        start += count
        manifest[kind] = sorted(df.loc[rows, "requisition_id"])
        if kind == "missing_salary":
            df.loc[rows, "salary_max"] = None
        elif kind == "implausible_salary":
            df.loc[rows, "salary_min"] = [0, 999000, 0, 999000, 0, 999000]
        elif kind == "unknown_contract":
            df.loc[rows, "contract_type"] = "freelance"
        elif kind == "excessive_hours":
            df.loc[rows, "hours_per_week"] = 60
        elif kind == "malformed_id":
            fixed = [f"req {r}" for r in df.loc[rows, "requisition_id"].str[4:]]
            df.loc[rows, "requisition_id"] = fixed
            manifest[kind] = sorted(fixed)
        elif kind == "stale":
            df.loc[rows, "opened_on"] = (AS_OF - dt.timedelta(days=400)).isoformat()
    df["salary_max"] = df["salary_max"].astype("Int64")  # whole euros, blank where missing
    dupes = df.loc[df["requisition_id"].isin(manifest["duplicate"])]
    return pd.concat([df, dupes], ignore_index=True), manifest


def adverts(df: pd.DataFrame, damaged: dict, count: int, rng: np.random.Generator):
    """Adverts drafted from clean requisitions, then the planted advert defects."""
    bad = {rid for ids in damaged.values() for rid in ids}
    clean = df[~df["requisition_id"].isin(bad)].drop_duplicates("requisition_id").head(count)
    out = []
    for n, r in enumerate(clean.itertuples()):
        text = (
            f"Our {r.department} team is looking for a {r.title} in {r.location}, "
            f"{r.hours_per_week} hours a week on a {r.contract_type} contract. "
            f"The salary is {r.salary_min} to {r.salary_max} {r.currency} a year."
        )
        out.append(
            {
                "report_id": f"ADV{n:04d}",
                "record_id": r.requisition_id,
                "sections": {
                    "role": {
                        "requisition_id": r.requisition_id,
                        "title": r.title,
                        "location": r.location,
                        "contract_type": r.contract_type,
                        "hours_per_week": int(r.hours_per_week),
                        "closing_date": r.closing_date,
                    },
                    "pay": {
                        "salary_min": int(r.salary_min),
                        "salary_max": int(r.salary_max),
                        "currency": "EUR",
                    },
                    "advert": {"text": text},
                },
            }
        )
    return out, _plant_advert_defects(out, rng)


def _plant_advert_defects(out: list[dict], rng: np.random.Generator) -> dict:
    picks = iter(rng.choice(len(out), size=sum(PLANTED_ADVERTS.values()), replace=False))
    manifest: dict[str, list[str]] = {}
    for kind, count in PLANTED_ADVERTS.items():
        chosen = [out[next(picks)] for _ in range(count)]
        manifest[kind] = sorted(a["report_id"] for a in chosen)
        for advert in chosen:
            sections = advert["sections"]
            if kind == "changed_salary":  # the pay section only: the text keeps the true range
                sections["pay"]["salary_max"] += 5000
            elif kind == "wrong_title":
                sections["role"]["title"] = "Senior " + sections["role"]["title"]
            elif kind == "missing_section":
                del sections["pay"]
            elif kind == "invented_number":
                sections["advert"]["text"] += " You also get a signing bonus of 2500 EUR."
    return manifest


def plant_out_of_band(
    df: pd.DataFrame, drafted: list[dict], manifest: dict, rng: np.random.Generator
) -> None:
    """Raise salary_max above the band on clean requisitions that no advert was drafted from."""
    used = {a["record_id"] for a in drafted} | {rid for ids in manifest.values() for rid in ids}
    free = [i for i, rid in enumerate(df["requisition_id"]) if rid not in used]
    rows = sorted(rng.choice(free, size=OUT_OF_BAND, replace=False))
    bands = {grade: high for grade, _, high in PAY_BANDS}
    df.loc[rows, "salary_max"] = [bands[g] + 5000 for g in df.loc[rows, "grade"]]
    manifest["out_of_band"] = sorted(df.loc[rows, "requisition_id"])


def plant_non_inclusive(drafted: list[dict], manifest: dict, rng: np.random.Generator) -> None:
    damaged = {a for ids in manifest.values() for a in ids}
    free = [i for i, a in enumerate(drafted) if a["report_id"] not in damaged]
    chosen = sorted(rng.choice(free, size=len(NON_INCLUSIVE) * 2, replace=False))
    for n, i in enumerate(chosen):
        drafted[i]["sections"]["advert"]["text"] += " " + NON_INCLUSIVE[n % len(NON_INCLUSIVE)]
    manifest["non_inclusive"] = sorted(drafted[i]["report_id"] for i in chosen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requisitions", type=int, default=1200)
    parser.add_argument("--adverts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    table, row_manifest = plant_row_defects(requisitions(args.requisitions, rng), rng)
    drafted, advert_manifest = adverts(table, row_manifest, args.adverts, rng)
    plant_out_of_band(table, drafted, row_manifest, rng)
    plant_non_inclusive(drafted, advert_manifest, rng)
    (args.out / "data").mkdir(parents=True, exist_ok=True)
    (args.out / "outputs").mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "data" / "requisitions.csv", index=False)
    pd.DataFrame(PAY_BANDS, columns=["grade", "band_min", "band_max"]).to_csv(
        args.out / "data" / "pay_bands.csv", index=False
    )
    with open(args.out / "outputs" / "drafted_adverts.jsonl", "w", encoding="utf-8") as handle:
        for advert in drafted:
            handle.write(json.dumps(advert) + "\n")
    manifest = {"rows": row_manifest, "adverts": advert_manifest}
    (args.out / "planted.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
