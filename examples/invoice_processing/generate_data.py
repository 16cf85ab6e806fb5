"""Seeded generator of the invoice example's sample data (structured e-invoices).

Writes data/invoices.csv and planted.json: what it built, so tests can assert every count the
checks report against the generator rather than against the code under test. It plants no defect:
every rule's failing ids are an empty list, by construction (ids numbered, VAT ids DE + 9 digits,
currencies, rates and accounts drawn from the allowed sets, amounts of at least 50, VAT computed,
issue dates 1-89 days before as_of). Run again to regenerate identically:

    python examples/invoice_processing/generate_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 1)
HERE = Path(__file__).parent


def main(out: Path = HERE) -> None:
    rng = np.random.default_rng(3)
    n = 600
    net = np.round(rng.uniform(50, 20000, size=n), 2)
    rate = rng.choice([0.0, 0.07, 0.19], size=n, p=[0.1, 0.2, 0.7])
    invoices = pd.DataFrame(
        {
            "invoice_id": [f"INV-2026-{i:05d}" for i in range(n)],
            "supplier_vat_id": [f"DE{v:09d}" for v in rng.integers(100000000, 999999999, size=n)],
            "issue_date": [AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(1, 90, size=n)],
            "currency": rng.choice(["EUR", "USD"], size=n, p=[0.9, 0.1]),
            "net_amount": net,
            "vat_rate": rate,
            "vat_amount": np.round(net * rate, 2),
            "gl_account": rng.choice(["4400", "4930", "6300", "6815"], size=n),
        }
    )
    (out / "data").mkdir(parents=True, exist_ok=True)
    invoices.to_csv(out / "data" / "invoices.csv", index=False)
    (out / "planted.json").write_text(json.dumps(planted(invoices), indent=2) + "\n")


def planted(invoices: pd.DataFrame) -> dict:
    """What this generator built, per rule of answers.yaml: rows checked and the ids it made fail
    (none: a clean example)."""
    rules = ("invoice_id_unique", "supplier_vat_format", "currency_supported", "net_amount_positive")
    rules += ("vat_consistent_rate", "vat_amount_present", "invoice_recent", "gl_account_known")
    clean = {"dataset": "e_invoices", "checked": len(invoices), "failing": []}
    return {
        "as_of": AS_OF.isoformat(),
        "rows": {"e_invoices": len(invoices)},
        "checks": dict.fromkeys(rules, clean),
        "currencies": {k: int(v) for k, v in invoices["currency"].value_counts().sort_index().items()},
        "oldest_invoice_days": max((AS_OF - d).days for d in invoices["issue_date"]),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: here)")
    main(parser.parse_args().out)
