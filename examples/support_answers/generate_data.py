"""Seeded generator of the support example's sample data: clean, so its record can say GO.

Writes data/tickets.csv, data/kb_articles.csv, outputs/drafted_answers.jsonl and planted.json:
what it built, so tests can assert every count the checks report (rows checked, rows failing,
which ids) against the generator rather than against the code under test. It plants no defect:
every rule's failing ids are an empty list, by construction (ids numbered, products, languages
and statuses drawn from the allowed sets, articles reviewed 5-199 days before as_of, each draft
the article text of its ticket's product). Run again to regenerate identically:

    python examples/support_answers/generate_data.py [--out DIR]
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
PRODUCTS = ["Billing", "Mobile app", "Web dashboard", "Integrations"]
LANGUAGES = {"en": 0.60, "de": 0.25, "fr": 0.15}
ANSWERS = {
    "Billing": "You can change the card used for invoices under Settings, then Billing.",
    "Mobile app": "Sign out of the app, then sign in again to refresh your workspace list.",
    "Web dashboard": "Clear the dashboard filters with the reset button above the chart.",
    "Integrations": "Reconnect the integration from its card on the Integrations page.",
}


def main(out: Path = HERE) -> None:
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
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "outputs").mkdir(parents=True, exist_ok=True)
    articles.to_csv(out / "data" / "kb_articles.csv", index=False)
    tickets.to_csv(out / "data" / "tickets.csv", index=False)
    drafts = tickets.head(60)
    with open(out / "outputs" / "drafted_answers.jsonl", "w", encoding="utf-8") as handle:
        for i, ticket in enumerate(drafts.itertuples()):
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

    (out / "planted.json").write_text(json.dumps(planted(tickets, articles, drafts), indent=2) + "\n")


def planted(tickets: pd.DataFrame, articles: pd.DataFrame, drafts: pd.DataFrame) -> dict:
    """What this generator built, per check of answers.yaml: rows checked and the ids it made fail
    (none: a clean example)."""
    on_tickets = {"dataset": "tickets", "checked": len(tickets), "failing": []}
    on_articles = {"dataset": "kb_articles", "checked": len(articles), "failing": []}
    on_drafts = {"dataset": "outputs/drafted_answers.jsonl", "checked": len(drafts), "failing": []}
    outputs = ("sections_present", "values_match", "ranges_unchanged", "flags_consistent")
    outputs += ("no_extra_tests", "numbers_grounded")
    return {
        "as_of": AS_OF.isoformat(),
        "rows": {"tickets": len(tickets), "kb_articles": len(articles), "drafts": len(drafts)},
        "checks": {
            "ticket_id_unique": on_tickets,
            "ticket_product_known": on_tickets,
            "ticket_language_supported": on_tickets,
            "article_id_unique": on_articles,
            "article_published": on_articles,
            "article_fresh": on_articles,
            **{f"output.{name}": on_drafts for name in outputs},
            "no_contact_details": on_drafts,  # the drafts are built from the macros: no address, no number
            "answer_length": on_drafts,
        },
        "languages": {k: int(v) for k, v in tickets["language"].value_counts().sort_index().items()},
        "oldest_article_days": max((AS_OF - d).days for d in articles["updated_on"]),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: here)")
    main(parser.parse_args().out)
