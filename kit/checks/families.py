"""The check families, as one table. Every family has the same contract:

- ``run(subject) -> list[CheckResult]``: measure the project;
- ``planned(subject) -> list[str]``: the ids of the checks ``run`` will report, read from the
  answers alone, so a family whose run raises still reports every check, each as ``error``;
- ``declarations(prepared) -> list[Finding]``: what is wrong in the answers before anything runs,
  read from the prepared project (kit.checks.prepared: its rule plan and template, made once);
- ``meaning``: one line for the record; ``sentence``: what one of its checks measured against
  what the answers require (kit.checks.sentences);
- ``on_failure``: what a failing check becomes in the decision ("condition" or "blocker"; a
  rule's own ``severity: blocker`` makes it a blocker too); ``names_every_failure``: a check that
  failed anything is a "resolve or accept" condition even when its rate passes;
- ``first_screen``: the kind of problem the record's first screen counts it under
  (kit.record.links.KINDS); ``pass_rates_compared``: drift compares its pass rates with the
  baseline record's.

Adding a family is its own module, one entry here, and its tests. Nothing else in the house names
a family: a check module never writes its family's name (``run_family`` stamps it), and the rooms
above read what they need from the entry (``family(name)``). A family that raises never
takes the others down and never passes: ``run_family`` turns the exception into ``error``
results (kit.checks.result.could_not_run). A bad answers file (AnswersError) is not a check
failure: it stops the gathering with every located finding.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from kit.answers import template
from kit.answers.schema import Answers, Rule
from kit.checks.result import CheckResult, could_not_run
from kit.findings import AnswersError, Finding, did_you_mean


class _OnFirstUse(ModuleType):
    """A family's module, imported when one of its functions is first called: the families run in
    the kernel, while the record and the index only read this table (no Ibis, DuckDB or SciPy
    imported for them)."""

    def __init__(self, name: str):
        super().__init__(name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def _later(module: ModuleType, function: str) -> Callable:
    """``module.function``, looked up at the call, so building the table imports nothing."""
    return lambda *args: getattr(module, function)(*args)


bias, drift, guards, outputs, profile, rules, sentences, slices, sources = (
    _OnFirstUse(f"kit.checks.{name}")
    for name in ("bias", "drift", "guards", "outputs", "profile", "rules", "sentences", "slices", "sources")
)


@dataclass(frozen=True)
class Subject:
    """What every family measures: the prepared project (loaded answers, output template, rule
    plan, the run's date), the sources' profiles, the baseline record to compare with, and what
    earlier families measured."""

    prepared: Any  # kit.checks.prepared.Prepared
    profiles: dict[str, profile.SourceProfile] = field(default_factory=dict)
    baseline: drift.Baseline | None = None
    measured: dict[str, list[CheckResult]] = field(default_factory=dict)  # filled by run_all

    def measured_checks(self) -> list[CheckResult]:
        """The checks measured so far whose pass rates drift compares with the baseline's."""
        compared = {f.name for f in FAMILIES if f.pass_rates_compared}
        return [c for name, checks in self.measured.items() if name in compared for c in checks]

    @functools.cached_property
    def comparison(self) -> drift.Drift | None:
        """The data and the checks against the baseline record, compared once: by the drift family
        (last in the table, so every other check is measured), then read by the record's section."""
        if self.baseline is None:
            return None
        return drift.compare(self.baseline, self.profiles, self.measured_checks(), self.answers)

    @functools.cached_property
    def inventory(self) -> list[sources.SourceStatus]:
        """Every source's status as of the run's date, judged on its profile, made once: the source
        family's checks and the record's inventory, legal register and lineage read it."""
        return sources.inventory(self.answers, self.as_of, self.profiles)

    @property
    def loaded(self):
        return self.prepared.loaded

    @property
    def template(self) -> template.OutputTemplate:
        return self.prepared.template

    @property
    def as_of(self) -> dt.date:
        return self.prepared.as_of

    @property
    def answers(self):
        return self.loaded.answers

    @property
    def project_dir(self) -> Path:
        return self.loaded.project_dir


_OF_ITEMS = _later(sentences, "of_items")  # a family without a sentence of its own


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    meaning: str
    run: Callable[[Subject], list[CheckResult]]
    planned: Callable[[Subject], list[str]]
    declarations: Callable[[Any], list[Finding]] = lambda prepared: []  # located, before anything runs
    on_failure: Literal["condition", "blocker"] = "condition"
    sentence: Callable[[CheckResult, Answers, dt.date], str] = _OF_ITEMS
    first_screen: str = "data_quality"  # a key of kit.record.links.KINDS
    names_every_failure: bool = False
    pass_rates_compared: bool = False
    owner: Callable[[CheckResult, Answers], str | None] = lambda check, answers: None  # who acts on it


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


def _owner_of_source(answers: Answers, source_id: str | None) -> str | None:
    return next((s.owner for s in answers.problem_boundaries.data.sources if s.id == source_id), None)


def _rule_owner(check: CheckResult, answers: Answers) -> str | None:
    """The rule's own owner, else the owner of the source it reads."""
    rule = check.judged if isinstance(check.judged, Rule) else None
    return rule and (rule.owner or _owner_of_source(answers, rule.dataset))


def _source_owner(check: CheckResult, answers: Answers) -> str | None:
    judged = check.judged
    return _owner_of_source(answers, judged.id if isinstance(judged, sources.SourceStatus) else None)


def _audit_owner(check: CheckResult, answers: Answers) -> str | None:
    return check.judged.owner if isinstance(check.judged, sources.AuditStatus) else None


def _bias_owner(check: CheckResult, answers: Answers) -> str | None:
    key = check.judged.id if isinstance(check.judged, bias.BiasResult) else None
    return next((b.owner for b in answers.data_strategy.maintenance.bias_checks if b.id == key), None)


def _bias_ids(s: Subject) -> list[str]:
    return [f"bias.{b.id}" for b in s.answers.data_strategy.maintenance.bias_checks]


FAMILIES: tuple[Family, ...] = (
    Family(
        "rule",
        "Data-quality rules",
        "rows of each dataset checked against the rules written for them",
        lambda s: rules.run_plan(s.prepared.plan, s.answers).results,
        _rule_ids,
        lambda prepared: prepared.plan.findings,
        sentence=_later(sentences, "of_rule"),
        pass_rates_compared=True,
        owner=_rule_owner,
    ),
    Family(
        "output",
        "Acceptance of generated outputs",
        "sample outputs checked against their input records and the output template",
        lambda s: outputs.run(s.loaded, s.template),
        _output_ids,
        sentence=_later(sentences, "of_output"),
        pass_rates_compared=True,
    ),
    Family(
        "slice",
        "Where outputs fail",
        "each output rule's failure rate per value of the slice_by columns, against all outputs' rate",
        lambda s: slices.run(s.loaded, s.prepared.plan),
        lambda s: slices.planned(s.answers),
        sentence=_later(sentences, "of_slice"),
    ),
    Family(
        "source",
        "Sources the product uses",
        "each used source's licence, verification, freshness and access",
        lambda s: (
            sources.source_checks(s.answers, s.inventory, s.template)
            + sources.freshness_checks(s.answers, s.profiles)
        ),
        _source_ids,
        lambda prepared: sources.declaration_findings(prepared.loaded, prepared.plan.tables),
        sentence=_later(sentences, "of_source"),
        first_screen="sources",
        names_every_failure=True,
        owner=_source_owner,
    ),
    Family(
        "audit",
        "Audits",
        "each audit done within its cadence",
        lambda s: sources.audit_checks(s.prepared.audits),
        _audit_ids,
        sentence=_later(sentences, "of_audit"),
        first_screen="sources",
        names_every_failure=True,
        owner=_audit_owner,
    ),
    Family(
        "bias",
        "Bias checks",
        "observed shares of an attribute within the tolerance of the reference shares",
        lambda s: bias.run(s.loaded, s.prepared.plan.tables),
        _bias_ids,
        lambda prepared: bias.declaration_findings(prepared.loaded, prepared.plan.tables),
        sentence=_later(sentences, "of_bias"),
        first_screen="bias",
        names_every_failure=True,
        owner=_bias_owner,
    ),
    # Last: drift compares every check above with the baseline record's.
    Family(
        "drift",
        "Since the last record",
        "the data and the checks' pass rates against the baseline record, within the monitoring limits",
        _drift,
        lambda s: ["drift"] if s.baseline else [],
        sentence=_later(sentences, "of_drift"),
    ),
)


# The entries by role, for the rooms above that show one family's checks (never by its name).
RULES, OUTPUTS, SLICES, SOURCES, AUDITS, BIAS, DRIFT = FAMILIES
# The families whose checks run on the data and outputs (guards of unacceptable outputs).
DATA_QUALITY = (RULES, OUTPUTS)

# A check of a family no longer in the table (e.g. read from an older record) is counted as items.
UNKNOWN = Family("", "Other checks", "checks of a family this kit does not know", lambda s: [], lambda s: [])


def family(name: str) -> Family:
    """The table entry of the family named ``name``."""
    return next((f for f in FAMILIES if f.name == name), UNKNOWN)


def declaration_findings(prepared) -> list[Finding]:
    """What the families find wrong in the answers of a prepared project before anything runs (each
    family's own declarations), and unacceptable outputs caught by a check that does not exist."""
    found = [f for family in FAMILIES for f in family.declarations(prepared)]
    found += _catcher_findings(prepared.loaded) + _citation_findings(prepared)
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
            if guards.parse(ref).kind != guards.CHECK:
                why = guards.problem(ref, loaded.answers, rules_ids | output_ids)
                out += [loaded.document.finding(loc, why)] if why else []
            elif ref in output_ids and not dq.generated_outputs:
                message = (
                    f"{ref!r} checks generated outputs, but none are declared "
                    "(data_quality.generated_outputs), so it never runs and guards nothing"
                )
                out.append(loaded.document.finding(loc, message))
            elif ref not in rules_ids | output_ids:
                hint = did_you_mean(ref, sorted(rules_ids | output_ids))
                guards_too = "" if hint else "; a person or an audit is written review:<role>, audit:<id>"
                message = f"{ref!r} is neither a rule id nor an output check{hint}{guards_too}"
                out.append(loaded.document.finding(loc, message))
    return out


def _citation_findings(prepared) -> list[Finding]:
    """Output checks cited with nothing to look at in the project's template (no range field, ...).
    A template that cannot be loaded is reported by the prepared project, located."""
    if prepared.template is None:
        return []
    return outputs.citation_findings(prepared.loaded, prepared.template)


def run_family(family: Family, subject: Subject) -> list[CheckResult]:
    """The family's results; if it raises, every planned check as ``error`` (never a pass)."""
    try:
        results = family.run(subject)
    except AnswersError:
        raise
    except Exception as exc:  # any library's failure is evidence that the check could not run
        results = [could_not_run(check_id, exc) for check_id in family.planned(subject)]
    for result in results:
        result.family = family.name
    return results


def run_all(subject: Subject) -> dict[str, list[CheckResult]]:
    """Every family in table order; each sees what the ones before it measured."""
    for family in FAMILIES:
        subject.measured[family.name] = run_family(family, subject)
    return dict(subject.measured)
