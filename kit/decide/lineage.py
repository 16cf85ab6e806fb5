"""Working back from the output template: which input and source feeds each output field, which
rules guard it, and where the chain is broken."""

from __future__ import annotations

from dataclasses import dataclass

from kit.answers.schema import Answers
from kit.answers.template import OutputTemplate
from kit.checks.sources import SourceStatus


@dataclass
class Gap:
    field: str
    problem: str


def lineage(
    answers: Answers, template: OutputTemplate, statuses: list[SourceStatus]
) -> tuple[list[dict], list[Gap]]:
    """Rows of output field -> input field -> source -> rules, and the gaps in that chain, judged on
    the source inventory (made once per run)."""
    sources: dict[str, SourceStatus] = {s.id: s for s in statuses}
    rows, gaps = [], []
    for section in template.sections:
        for field in section.fields:
            name = f"{section.id}.{field.name}"
            guards = [
                r.id
                for r in answers.data_quality.rules
                if r.dataset == field.source and field.input in r.columns
            ]
            rows.append(
                {
                    "output_field": name,
                    "type": field.type,
                    "input_field": field.input or "(generated)",
                    "source": field.source or "",
                    "rules": guards,
                    "required": section.required,
                }
            )
            if field.generated:
                continue
            status = sources.get(field.source or "")
            if status is None:
                gaps.append(Gap(name, f"source {field.source!r} is not in the source inventory"))
                continue
            if status.access != "granted":
                gaps.append(Gap(name, f"source {field.source!r} is not accessible ({status.access})"))
            if not status.licence_allowed:
                gaps.append(Gap(name, f"source {field.source!r} has a licence that is not allowed"))
            if not status.verified:
                gaps.append(Gap(name, f"source {field.source!r} is not verified"))
            if not guards:
                gaps.append(Gap(name, "no data-quality rule guards the field"))
    return rows, gaps
