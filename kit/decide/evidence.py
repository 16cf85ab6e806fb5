"""Everything the kit measures about one project, gathered once for the notebooks and the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from kit.answers import loading as answers_io
from kit.answers import template
from kit.answers.schema import Answers
from kit.checks import bias, outputs, profile, rules, sources
from kit.checks.result import CheckResult
from kit.decide import drift, legal, lineage, team, verdict
from kit.findings import AnswersError, Finding
from kit.paths import RUBRICS, TEMPLATES


@dataclass
class Evidence:
    project_dir: Path
    answers: Answers
    template: template.OutputTemplate
    verdict: verdict.Verdict
    rule_results: list[CheckResult]
    output_results: list[CheckResult]
    source_results: list[CheckResult]
    audit_results: list[CheckResult]
    bias_results: list[CheckResult]
    bias_measures: list[bias.BiasResult]
    sources: list[sources.SourceStatus]
    audits: list[sources.AuditStatus]
    legal: list[legal.LegalIssue]
    lineage: list[dict]
    gaps: list[lineage.Gap]
    team: team.TeamReview
    completeness: answers_io.Completeness
    warnings: list[Finding] = field(default_factory=list)
    profiles: dict[str, profile.SourceProfile] = field(default_factory=dict)
    freshness_results: list[CheckResult] = field(default_factory=list)
    drift: drift.Drift | None = None  # set when the run has a baseline record
    drift_results: list[CheckResult] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date:
        return self.answers.project.as_of

    @property
    def checks(self) -> list[CheckResult]:
        return (
            self.rule_results
            + self.output_results
            + self.source_results
            + self.audit_results
            + self.bias_results
            + self.freshness_results
            + self.drift_results
        )


_cache: dict[tuple, Evidence] = {}


def _fingerprint(project_dir: Path, rubric: Path | None, *more: Path) -> tuple:
    """Every file an Evidence depends on, by size and modification time."""
    folders = [project_dir, TEMPLATES / "output_templates", RUBRICS]
    files = [p for folder in folders if folder.is_dir() for p in sorted(folder.rglob("*")) if p.is_file()]
    if rubric:
        files.append(Path(rubric))
    files += [p for p in more if p.is_file()]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


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


def _gather(
    project: str | Path, as_of: dt.date | str | None, rubric: Path | None, baseline: str | Path | None = None
) -> Evidence:
    loaded = answers_io.load(project)
    if as_of:
        loaded.answers.project.as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    report = rules.run(loaded)
    problems = report.findings + outputs.declaration_findings(loaded)
    if problems:
        raise AnswersError(problems)
    answers = loaded.answers
    tpl = template.load(loaded.project_dir, answers.data_quality.output_template)
    measures, bias_results = bias.run(loaded)
    lineage_rows, gaps = lineage.lineage(answers, tpl)
    earlier = drift.load_baseline(baseline) if baseline else None
    profiles = profile.profile_sources(loaded.project_dir, answers, earlier.bins if earlier else None)
    evidence = Evidence(
        project_dir=loaded.project_dir,
        answers=answers,
        template=tpl,
        verdict=verdict.decide(answers.problem_boundaries.appropriateness, verdict.load_rubric(rubric)),
        rule_results=report.results,
        output_results=outputs.run(loaded, tpl),
        source_results=sources.source_checks(answers, tpl, profiles),
        audit_results=sources.audit_checks(answers),
        bias_results=bias_results,
        bias_measures=measures,
        sources=sources.inventory(answers, profiles),
        audits=sources.audit_calendar(answers),
        legal=legal.register(answers, tpl),
        lineage=lineage_rows,
        gaps=gaps,
        team=team.review(answers),
        completeness=answers_io.completeness(answers),
        warnings=loaded.warnings,
        profiles=profiles,
        freshness_results=sources.freshness_checks(answers, profiles),
    )
    if earlier:
        evidence.drift = drift.compare(earlier, profiles, evidence.checks, answers)
        evidence.drift_results = drift.drift_checks(evidence.drift)
    return evidence
