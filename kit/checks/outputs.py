"""Acceptance of generated outputs: the output template's checks, run as the rules the template
implies (kit.checks.implied) on the outputs opened as a dataset of the engine."""

from __future__ import annotations

from kit.answers.template import OutputTemplate
from kit.checks import implied
from kit.checks.engine import datasets, joined
from kit.checks.result import CheckResult
from kit.findings import Finding

OUTPUT_CHECKS = implied.IMPLIED  # id -> (the implied rule, its meaning)
NEEDS = implied.NEEDS
applies = implied.applies


def citation_findings(loaded, template: OutputTemplate) -> list[Finding]:
    """An unacceptable output that cites an output check with nothing to check in this template."""
    out = []
    for i, item in enumerate(loaded.answers.data_quality.unacceptable_outputs):
        for j, ref in enumerate(item.caught_by):
            if ref in NEEDS and not applies(ref, template):
                out.append(
                    loaded.document.finding(
                        ("data_quality", "unacceptable_outputs", i, "caught_by", j),
                        f"{ref!r} checks {NEEDS[ref][0]}, and the output template {template.name!r} has none",
                    )
                )
    return out


def run(loaded, template: OutputTemplate) -> list[CheckResult]:
    """The implied rules on the project's generated outputs, if it declares any. A file or join that
    cannot be read raises (every planned check is then an error); validate locates it."""
    spec = loaded.answers.data_quality.generated_outputs
    if spec is None:
        return []
    sources = {s.id: s for s in loaded.answers.problem_boundaries.data.sources}
    table = joined.flatten(datasets.open_data(loaded.project_dir, spec.path, spec.connection, spec.table))
    # Sources on another backend than the outputs (a connection beside output files) come across
    # whole: the implied rules join them in several ways, not only one row per key.
    inputs = joined.beside(table, datasets.open_source(sources[spec.input.dataset], loaded.project_dir))
    joins = {
        j.dataset: (
            joined.beside(table, datasets.open_source(sources[j.dataset], loaded.project_dir)),
            dict(j.on),
        )
        for j in spec.joins
    }
    return implied.count(implied.Outputs(table, inputs, dict(spec.input.on), template, joins))
