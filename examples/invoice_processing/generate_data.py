"""Seeded generator of the invoice example's sample data (structured e-invoices).

python examples/invoice_processing/generate_data.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 1)
HERE = Path(__file__).parent


def main() -> None:
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
    (HERE / "data").mkdir(exist_ok=True)
    invoices.to_csv(HERE / "data" / "invoices.csv", index=False)


if __name__ == "__main__":
    main()
