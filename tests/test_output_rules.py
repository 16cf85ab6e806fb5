"""A held-out domain written from the README and `wbk kinds` alone: an airline's delay and
cancellation notices, drafted from departures whose key is six columns, with the destination's name
in a second source. Its four unacceptable outputs that no fixed output check could express are four
rules here; each finds exactly the notices the test planted (counted here, not by the kit)."""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import yaml
from conftest import EXAMPLES

from kit.answers import loading
from kit.checks import rules

KEY = ["year", "month", "day", "carrier", "flight", "origin"]
AIRPORTS = {"BOS": "Boston Logan", "ORD": "Chicago O'Hare", "MIA": "Miami International"}
PROMISES = ["compensation", "voucher", "vouchers", "meal", "meals"]


def departures() -> list[dict]:
    rows = []
    for i in range(120):
        rows.append(
            {
                "year": 2013,
                "month": 1 + i % 12,
                "day": 1 + i % 28,
                "carrier": ["UA", "AA", "B6"][i % 3],
                "flight": 100 + i,
                "origin": ["JFK", "LGA", "EWR"][i % 3],
                "dest": list(AIRPORTS)[i % 3],
                "dep_delay": (i * 13) % 200,
                "cancelled": i % 10 == 0,
            }
        )
    return rows


def notices(flights: list[dict]) -> tuple[list[dict], dict[str, set[int]]]:
    out, planted = (
        [],
        {k: set() for k in ("no_promises", "cancelled_not_delayed", "destination_named", "no_contact")},
    )
    for i, f in enumerate(flights):
        state = "cancelled" if f["cancelled"] else f"delayed by {f['dep_delay']} minutes"
        text = f"Flight {f['carrier']} {f['flight']} from {f['origin']} is {state}."
        if i % 7 == 3:
            text += " You will receive a meal Voucher at the gate."
            planted["no_promises"].add(i)
        if f["cancelled"] and i % 20 == 0:
            text = text.replace("is cancelled", "is delayed and then cancelled")
            planted["cancelled_not_delayed"].add(i)
        destination = AIRPORTS[f["dest"]]
        if i % 11 == 5:
            destination = "Boston" if f["dest"] != "BOS" else "Miami"
            planted["destination_named"].add(i)
        if i % 13 == 6:
            text += " Questions? Call +1 212 555 0100."
            planted["no_contact"].add(i)
        departure = {k: f[k] for k in KEY}
        out.append(
            {
                "notice_id": f"N{i:03d}",
                "departure": departure,
                "sections": {"route": {"destination": destination}, "body": {"text": text}},
            }
        )
    return out, planted


RULES = [
    {
        "id": "no_promises",
        "dataset": "notices",
        "columns": ["sections.body.text"],
        "check": "contains_none",
        "params": {"words_file": "promises.txt"},
        "severity": "condition",
    },
    {
        "id": "cancelled_not_delayed",
        "dataset": "notices",
        "check": "expression",
        "severity": "condition",
        "params": {"sql": "NOT (input.cancelled AND lower(sections.body.text) LIKE '%delayed%')"},
    },
    {
        "id": "destination_named",
        "dataset": "notices",
        "columns": ["sections.route.destination", "airports.name"],
        "check": "compare",
        "params": {"op": "=="},
        "severity": "condition",
    },
    {
        "id": "no_contact",
        "dataset": "notices",
        "columns": ["sections.body.text"],
        "check": "contains_none",
        "params": {"patterns": ["[+]?[0-9][0-9 ]{7,}[0-9]", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+[.][A-Za-z.]+"]},
        "severity": "condition",
    },
]


def airline_project(tmp_path: Path) -> tuple[Path, dict[str, set[int]]]:
    project = tmp_path / "airline"
    shutil.copytree(EXAMPLES / "support_answers", project)
    flights = departures()
    drafted, planted = notices(flights)
    with open(project / "data" / "flights.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(flights[0]))
        writer.writeheader()
        writer.writerows(flights)
    with open(project / "data" / "airports.csv", "w", newline="", encoding="utf-8") as handle:
        handle.write("faa,name\n" + "".join(f'{k},"{v}"\n' for k, v in AIRPORTS.items()))
    (project / "outputs" / "notices.jsonl").write_text("".join(json.dumps(n) + "\n" for n in drafted))
    (project / "promises.txt").write_text(
        "# promises only the customer-care desk may make\n" + "\n".join(PROMISES) + "\n"
    )
    answers = yaml.safe_load((project / "answers.yaml").read_text(encoding="utf-8"))
    sources = answers["problem_boundaries"]["data"]["sources"]
    for source_id, sample in (("flights", "data/flights.csv"), ("airports", "data/airports.csv")):
        sources.append({**copy.deepcopy(sources[0]), "id": source_id, "sample": sample, "row_noun": None})
    dq = answers["data_quality"]
    dq["rules"] = [r for r in dq["rules"] if r["dataset"] in ("tickets", "kb_articles")] + RULES
    dq["generated_outputs"] = {
        "id": "notices",
        "path": "outputs/notices.jsonl",
        "input": {"dataset": "flights", "on": {f"departure.{k}": k for k in KEY}},
        "joins": [{"dataset": "airports", "on": {"dest": "faa"}}],
        "noun": "delay notice",
    }
    dq["unacceptable_outputs"] = [
        {"id": r["id"], "description": f"The notice breaks {r['id']}.", "caught_by": [r["id"]]} for r in RULES
    ]
    dq["output_template"] = "support_answer.yaml"
    (project / "answers.yaml").write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    return project, planted


def test_a_held_out_domain_expresses_its_unacceptable_outputs_as_rules(tmp_path: Path) -> None:
    project, planted = airline_project(tmp_path)
    report = rules.run(loading.load(project))
    found = {r.id: r for r in report.results}
    assert [str(f) for f in report.findings] == []
    for rule_id, ids in planted.items():
        result = found[rule_id]
        assert result.error == "" and result.checked == 120, rule_id
        assert result.failed == len(ids), rule_id
        assert {e["notice_id"] for e in result.examples} <= {f"N{i:03d}" for i in ids}, rule_id
    assert {e["hit"] for e in found["no_promises"].examples} <= {"meal", "voucher"}


def test_a_mistyped_field_path_and_join_column_are_located(tmp_path: Path) -> None:
    project, _ = airline_project(tmp_path)
    path = project / "answers.yaml"
    text = path.read_text(encoding="utf-8").replace("sections.route.destination", "sections.route.destinaton")
    text = text.replace("dest: faa", "dest: fa")
    path.write_text(text, encoding="utf-8")
    found = [str(f) for f in rules.plan(loading.load(project)).findings]
    assert any("joins[0].on.dest: column 'fa' is not in airports; did you mean 'faa'?" in f for f in found), (
        found
    )
