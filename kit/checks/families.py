"""The check families, as one table. Every family has the same contract:

- ``run(subject) -> list[CheckResult]``: measure the project;
- ``planned(subject) -> list[str]``: the ids of the checks ``run`` will report, read from the
  answers alone, so a family whose run raises still reports every check, each as ``error``;
- ``meaning``: one line for the record;
- ``on_failure``: what a failing check becomes in the decision ("condition" or "blocker").

Adding a family is its own module, one entry here, and its tests. A family that raises never
takes the others down and never passes: ``run_family`` turns the exception into ``error``
results (kit.checks.result.could_not_run). A bad answers file (AnswersError) is not a check
failure: it stops the gathering with every located finding.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kit.answers import template
from kit.answers.template import OutputTemplate
from kit.checks import bias, drift, outputs, rules, sources
from kit.checks.profile import SourceProfile
from kit.checks.result import CheckResult, could_not_run
from kit.findings import AnswersError, Finding, did_you_mean


@dataclass(frozen=True)
class Subject:
    """What every family measures: the loaded answers, the output template, the run's date, the
    sources' profiles, the baseline record to compare with, and what earlier families measured."""

    loaded: Any  # kit.answers.loading.Loaded
    template: OutputTemplate
    as_of: dt.date
    profiles: dict[str, SourceProfile] = field(default_factory=dict)
    baseline: drift.Baseline | None = None
    measured: dict[str, list[CheckResult]] = field(default_factory=dict)  # filled by run_all

    def measured_checks(self) -> list[CheckResult]:
        """The checks measured so far, the drift family's own excepted (drift compares the others)."""
        return [c for name, checks in self.measured.items() if name != "drift" for c in checks]

    @functools.cached_property
    def comparison(self) -> drift.Drift | None:
        """The data and the checks against the baseline record, compared once: by the drift family
        (last in the table, so every other check is measured), then read by the record's section."""
        if self.baseline is None:
            return None
        return drift.compare(self.baseline, self.profiles, self.measured_checks(), self.answers)

    @property
    def answers(self):
        return self.loaded.answers

    @property
    def project_dir(self) -> Path:
        return self.loaded.project_dir


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    meaning: str
    run: Callable[[Subject], list[CheckResult]]
    planned: Callable[[Subject], list[str]]
    declarations: Callable[[Any], list[Finding]] = lambda loaded: []  # located, before anything runs
    on_failure: Literal["condition", "blocker"] = "condition"


def _rule_ids(s: Subject) -> list[str]:
    return [r.id for r in s.answers.data_quality.rules]


def _output_ids(s: Subject) -> list[str]:
    if not s.answers.data_quality.generated_outputs:
        return []
    return [c for c in outputs.OUTPUT_CHECKS if outputs.applies(c, s.template)]


def _source_ids(s: Subject) -> list[str]:
    used = sources.used_sources(s.answers, s.template)
    ids = [f"source.{x.id}" for x in s.answers.problem_boundaries.data.sources if x.id in used]
    return ids + _freshness_ids(s)


def _freshness_ids(s: Subject) -> list[str]:
    return [f"freshness.{x.id}" for x in s.answers.problem_boundaries.data.sources if x.updated_column]


def _drift(s: Subject) -> list[CheckResult]:
    return drift.drift_checks(s.comparison)


def _audit_ids(s: Subject) -> list[str]:
    return [f"audit.{a.id}" for a in s.answers.data_strategy.maintenance.audits]


def _bias_ids(s: Subject) -> list[str]:
    return [f"bias.{b.id}" for b in s.answers.data_strategy.maintenance.bias_checks]


FAMILIES: tuple[Family, ...] = (
    Family(
        "rule",
        "Data-quality rules",
        "rows of each dataset checked against the rules written for them",
        lambda s: rules.run(s.loaded, s.as_of).results,
        _rule_ids,
        rules.declaration_findings,
    ),
    Family(
        "output",
        "Acceptance of generated outputs",
        "sample outputs checked against their input records and the output template",
        lambda s: outputs.run(s.loaded, s.template),
        _output_ids,
        outputs.declaration_findings,
    ),
    Family(
        "source",
        "Sources the product uses",
        "each used source's licence, verification, freshness and access",
        lambda s: (
            sources.source_checks(s.answers, s.as_of, s.template, s.profiles)
            + sources.freshness_checks(s.answers, s.profiles)
        ),
        _source_ids,
        sources.declaration_findings,
    ),
    Family(
        "audit",
        "Audits",
        "each audit done within its cadence",
        lambda s: sources.audit_checks(s.answers, s.as_of),
        _audit_ids,
    ),
    Family(
        "bias",
        "Bias checks",
        "observed shares of an attribute within the tolerance of the reference shares",
        lambda s: bias.run(s.loaded),
        _bias_ids,
        bias.declaration_findings,
    ),
    # Last: drift compares every check above with the baseline record's.
    Family(
        "drift",
        "Since the last record",
        "the data and the checks' pass rates against the baseline record, within the monitoring limits",
        _drift,
        lambda s: ["drift"] if s.baseline else [],
    ),
)


def on_failure(name: str) -> str:
    """What a failed check of family ``name`` becomes in the decision (a condition by default)."""
    return next((f.on_failure for f in FAMILIES if f.name == name), "condition")


def declaration_findings(loaded) -> list[Finding]:
    """What the families find wrong in the answers before anything runs (each family's own
    declarations), and unacceptable outputs caught by a check that does not exist."""
    found = [f for family in FAMILIES for f in family.declarations(loaded)] + _catcher_findings(loaded)
    return list(dict.fromkeys(found))  # a connection that cannot open is one finding, not one per source


def _catcher_findings(loaded) -> list[Finding]:
    """Every check an unacceptable output names must exist and run: a rule id, or an output check
    of a project that declares generated outputs."""
    dq = loaded.answers.data_quality
    rules_ids, output_ids = {r.id for r in dq.rules}, set(outputs.OUTPUT_CHECKS)
    out = []
    for i, item in enumerate(dq.unacceptable_outputs):
        for j, ref in enumerate(item.caught_by):
            loc = ("data_quality", "unacceptable_outputs", i, "caught_by", j)
            if ref in output_ids and not dq.generated_outputs:
                message = (
                    f"{ref!r} checks generated outputs, but none are declared "
                    "(data_quality.generated_outputs), so it never runs and guards nothing"
                )
                out.append(loaded.document.finding(loc, message))
            elif ref not in rules_ids | output_ids:
                hint = did_you_mean(ref, sorted(rules_ids | output_ids))
                out.append(
                    loaded.document.finding(loc, f"{ref!r} is neither a rule id nor an output check{hint}")
                )
    return out + _citation_findings(loaded)


def _citation_findings(loaded) -> list[Finding]:
    """Output checks cited with nothing to look at in the project's template (no range field, ...).
    A template that cannot be loaded is reported where it is loaded, located."""
    name = loaded.answers.data_quality.output_template
    try:
        tpl = template.load_for(loaded) if name else None
    except AnswersError:
        return []
    if tpl is None:
        return []
    return outputs.citation_findings(loaded, tpl)


def run_family(family: Family, subject: Subject) -> list[CheckResult]:
    """The family's results; if it raises, every planned check as ``error`` (never a pass)."""
    try:
        return family.run(subject)
    except AnswersError:
        raise
    except Exception as exc:  # any library's failure is evidence that the check could not run
        return [could_not_run(check_id, family.name, exc) for check_id in family.planned(subject)]


def run_all(subject: Subject) -> dict[str, list[CheckResult]]:
    """Every family in table order; each sees what the ones before it measured."""
    for family in FAMILIES:
        subject.measured[family.name] = run_family(family, subject)
    return dict(subject.measured)
