"""A seeded, claims-like pair of tables with planted defects, for the rule engine's own tests.

``write(folder, n)`` writes claims and policies (CSV and Parquet) and returns which claim ids carry
each planted defect: a reported date before the incident date, a policy id that no policy has, a
closed claim without a paid amount (open claims without one are fine: a rule with ``where``),
a paid amount above the claimed amount, and a submission timestamp older than a year.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 24)
PLANTS = ("reported_before_incident", "orphan_policy", "closed_unpaid", "overpaid", "stale_submission")


def generate(n: int = 5_000, seed: int = 9) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    policies = pd.DataFrame(
        {"policy_id": [f"POL{i:05d}" for i in range(800)], "holder": [f"H{i}" for i in range(800)]}
    )
    incident = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    claimed = rng.integers(100, 20_000, n).astype(float)
    status = rng.choice(["open", "closed"], n, p=[0.4, 0.6])
    claims = pd.DataFrame(
        {
            "claim_id": [f"C{i:06d}" for i in range(n)],
            "policy_id": rng.choice(policies.policy_id, n),
            "incident_date": incident,
            "reported_date": incident + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
            "status": status,
            "claimed_amount": claimed,
            "paid_amount": np.where(
                status == "closed", np.round(claimed * rng.uniform(0.2, 1.0, n), 2), np.nan
            ),
            "submitted_at": pd.Timestamp("2026-06-01T00:00:00Z")
            + pd.to_timedelta(rng.integers(0, 86_400 * 150, n), unit="s"),
        }
    )
    picks = iter(rng.permutation(n))
    planted = {
        name: sorted(int(next(picks)) for _ in range(count))
        for name, count in zip(PLANTS, (23, 17, 11, 9, 13), strict=True)
    }
    at = claims.index
    early = at[planted["reported_before_incident"]]
    claims.loc[early, "reported_date"] = claims.loc[early, "incident_date"] - pd.Timedelta(days=3)
    claims.loc[at[planted["orphan_policy"]], "policy_id"] = [f"GHOST{i}" for i in range(17)]
    closed_unpaid = planted["closed_unpaid"]
    claims.loc[at[closed_unpaid], "status"] = "closed"
    claims.loc[at[closed_unpaid], "paid_amount"] = np.nan
    overpaid = planted["overpaid"]
    claims.loc[at[overpaid], "status"] = "closed"
    claims.loc[at[overpaid], "paid_amount"] = claims.loc[at[overpaid], "claimed_amount"] + 1
    claims.loc[at[planted["stale_submission"]], "submitted_at"] = pd.Timestamp("2025-11-23T23:59:59Z")
    claims["incident_date"] = claims.incident_date.dt.strftime("%Y-%m-%d")
    claims["reported_date"] = claims.reported_date.dt.strftime("%Y-%m-%d")
    claims["submitted_at"] = claims.submitted_at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = {name: sorted(claims.claim_id.iloc[rows]) for name, rows in planted.items()}
    return claims, policies, ids


def write(folder: Path, n: int = 5_000, seed: int = 9) -> dict[str, list[str]]:
    claims, policies, planted = generate(n, seed)
    folder.mkdir(parents=True, exist_ok=True)
    claims.to_csv(folder / "claims.csv", index=False)
    claims.to_parquet(folder / "claims.parquet", index=False)
    policies.to_csv(folder / "policies.csv", index=False)
    return planted
