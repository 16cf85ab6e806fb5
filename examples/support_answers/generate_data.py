"""Seeded generator of the support example's sample data: clean, so its record can say GO.

python examples/support_answers/generate_data.py
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 11, 1)
HERE = Path(__file__).parent
PRODUCTS = ["Billing", "Mobile app", "Web dashboard", "Integrations"]
LANGUAGES = {"en": 0.60, "de": 0.25, "fr": 0.15}
ANSWERS = {
    "Billing": "You can change the card used for invoices under Settings, then Billing.",
    "Mobile app": "Sign out of the app, then sign in again to refresh your workspace list.",
    "Web dashboard": "Clear the dashboard filters with the reset button above the chart.",
    "Integrations": "Reconnect the integration from its card on the Integrations page.",
}


def main() -> None:
    rng = np.random.default_rng(11)
    articles = pd.DataFrame(
        {
            "article_id": [f"KB-{p[:3].upper()}-{i}" for p in PRODUCTS for i in ("A", "B")],
            "product": [p for p in PRODUCTS for _ in range(2)],
            "status": "published",
            "reviewed_by": "Support knowledge team",
            "updated_on": [AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(5, 200, size=8)],
        }
    )
    n = 400
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i:05d}" for i in range(n)],
            "product": rng.choice(PRODUCTS, size=n),
            "language": rng.choice(list(LANGUAGES), size=n, p=list(LANGUAGES.values())),
            "channel": rng.choice(["email", "chat"], size=n),
            "opened_on": [AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(1, 60, size=n)],
        }
    )
    (HERE / "data").mkdir(exist_ok=True)
    (HERE / "outputs").mkdir(exist_ok=True)
    articles.to_csv(HERE / "data" / "kb_articles.csv", index=False)
    tickets.to_csv(HERE / "data" / "tickets.csv", index=False)
    with open(HERE / "outputs" / "drafted_answers.jsonl", "w", encoding="utf-8") as handle:
        for i, ticket in enumerate(tickets.head(60).itertuples()):
            article = articles[articles["product"] == ticket.product].iloc[0]
            handle.write(
                json.dumps(
                    {
                        "report_id": f"ANS{i:04d}",
                        "record_id": ticket.ticket_id,
                        "sections": {
                            "ticket": {"ticket_id": ticket.ticket_id, "product": ticket.product},
                            "answer": {"text": ANSWERS[ticket.product]},
                            "citation": {"article_id": article["article_id"]},
                        },
                    }
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
