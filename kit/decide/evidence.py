"""Everything the kit measures about one project, gathered once for the notebooks and the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.answers import loading as answers_io
from kit.answers import template
from kit.answers.inputs import project_files
from kit.answers.schema import Answers
from kit.checks import bias, drift, families, profile, sources
from kit.checks.prepared import Prepared
from kit.checks.result import CheckResult
from kit.decide import legal, lineage, team, verdict
from kit.findings import Finding


@dataclass
class Evidence:
    project_dir: Path
    answers: Answers  # as written in the file: run options never change it
    as_of: dt.date  # the run's date: --as-of, else the answers' project.as_of
    template: template.OutputTemplate
    verdict: verdict.Verdict
    results: dict[str, list[CheckResult]]  # family name -> its checks, in FAMILIES order
    sources: list[sources.SourceStatus]
    audits: list[sources.AuditStatus]
    legal: list[legal.LegalIssue]
    lineage: list[dict]
    gaps: list[lineage.Gap]
    team: team.TeamReview
    completeness: answers_io.Completeness
    warnings: list[Finding] = field(default_factory=list)
    profiles: dict[str, profile.SourceProfile] = field(default_factory=dict)
    drift: drift.Drift | None = None  # set when the run has a baseline record
    ruling: Any = field(default=None, repr=False, compare=False)  # kit.decide.decision.decide, made once
    # The decision's items linked to their evidence in the record (kit.record.links), made once by
    # kit.workbook.linked: the record room sits above this one, so it fills the slot, never imported here.
    links: Any = field(default=None, repr=False, compare=False)

    @property
    def checks(self) -> list[CheckResult]:
        return [c for family in families.FAMILIES for c in self.results.get(family.name, [])]

    def checks_of(self, family: families.Family) -> list[CheckResult]:
        """One family's checks (families.RULES, families.SOURCES, ...)."""
        return self.results.get(family.name, [])

    @property
    def data_quality_checks(self) -> list[CheckResult]:
        """The checks that run on the data and the generated outputs: rules, then output checks."""
        return [c for family in families.DATA_QUALITY for c in self.checks_of(family)]

    @property
    def bias_measures(self) -> list[bias.BiasResult]:
        return [c.judged for c in self.checks_of(families.BIAS) if isinstance(c.judged, bias.BiasResult)]


_cache: dict[tuple, Evidence] = {}


def _fingerprint(project_dir: Path, rubric: Path | None, *more: Path) -> tuple:
    """Every file an Evidence depends on (kit.answers.inputs), by size and modification time."""
    files = [*project_files(project_dir), *(Path(p) for p in (rubric, *more) if p)]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file())


def gather(
    project: str | Path,
    as_of: dt.date | str | None = None,
    rubric: Path | None = None,
    baseline: str | Path | None = None,
) -> Evidence:
    """Load, validate and measure a project, once per version of its files: the step notebooks
    of a batch share one kernel, so later steps reuse the first one's measurements. ``baseline``
    is a previous record.json the data is compared with."""
    project_dir = answers_io.answers_path(project).parent.resolve()
    extra = (Path(baseline),) if baseline else ()
    key = (
        str(project_dir),
        str(as_of),
        str(rubric),
        str(baseline),
        _fingerprint(project_dir, rubric, *extra),
    )
    if key not in _cache:
        _cache.clear()  # one project at a time: keep memory flat in long sessions
        _cache[key] = _gather(project, as_of, rubric, baseline)
    return _cache[key]


def _comparison(subject: families.Subject) -> drift.Drift | None:
    """The "since the last record" section's data; if comparing raised, the drift family already
    reports that as an error, and the section says there is nothing to show."""
    try:
        return subject.comparison  # made once, by the drift family
    except Exception:  # reported by the drift family's error result
        return None


def run_date(as_of: dt.date | str | None, answers: Answers) -> dt.date:
    """The day every date check is judged on: the run's --as-of when given, else the answers'."""
    if as_of is None or as_of == "":
        return answers.project.as_of
    return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))


def _gather(
    project: str | Path, as_of: dt.date | str | None, rubric: Path | None, baseline: str | Path | None = None
) -> Evidence:
    loaded = answers_io.load(project)
    # One prepared project (template, rule plan, audit calendar) serves the declarations and the
    # run; wbk validate refuses from the same findings (kit.run.project.validate).
    prepared = Prepared(loaded, run_date(as_of, loaded.answers))
    prepared.refuse()  # sign-off dates and acceptances judged at the run's as_of
    return _measure(prepared, rubric, baseline)


def _measure(prepared: Prepared, rubric: Path | None, baseline: str | Path | None) -> Evidence:
    loaded, day, tpl = prepared.loaded, prepared.as_of, prepared.template
    answers = loaded.answers
    earlier = drift.load_baseline(baseline) if baseline else None
    bins = earlier.bins if earlier else None
    profiles = profile.profile_sources(loaded.project_dir, answers, bins, prepared.plan.tables)
    subject = families.Subject(prepared, profiles=profiles, baseline=earlier)
    results = families.run_all(subject)
    lineage_rows, gaps = lineage.lineage(answers, tpl, subject.inventory)
    ev = Evidence(
        project_dir=loaded.project_dir,
        answers=answers,
        as_of=day,
        template=tpl,
        verdict=verdict.decide(answers.problem_boundaries.appropriateness, verdict.load_rubric(rubric)),
        results=results,
        sources=subject.inventory,
        audits=prepared.audits,
        legal=legal.register(answers, subject.inventory, tpl),
        lineage=lineage_rows,
        gaps=gaps,
        team=team.review(answers, day),
        completeness=answers_io.completeness(answers),
        warnings=loaded.warnings,
        profiles=profiles,
        drift=_comparison(subject),
    )
    from kit.decide import seen  # here, not at the top: seen reads the decision, which reads Evidence

    seen.bind(ev)  # an approval that did not see an item raised now is stale, before anyone decides
    return ev
