"""One project prepared once: its loaded answers, output template, rule plan (every source opened,
every rule compiled) and audit calendar, made on first use and kept. The declaration findings, the
run (kit.decide.evidence) and ``wbk validate`` (kit.run.project) all read the same object, so what
validate refuses and what a run refuses come from one code path (``findings``)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from kit.answers import acceptances, signoff, template
from kit.checks import families, rules, sources
from kit.findings import AnswersError, Finding


@dataclass(eq=False)
class Prepared:
    loaded: Any  # kit.answers.loading.Loaded
    as_of: dt.date | None  # the run's date; validate's may be missing from a salvaged file
    salvaged: bool = False  # the file failed its schema (validate): the schema reports its acceptances

    @property
    def answers(self):
        return self.loaded.answers

    @functools.cached_property
    def _template_or_findings(self) -> tuple[template.OutputTemplate | None, list[Finding]]:
        """Loaded once, a broken template included (its located findings are kept, not re-raised)."""
        if not self.answers.data_quality.output_template:
            return None, []
        try:
            return template.load_for(self.loaded), []
        except AnswersError as exc:
            return None, exc.findings

    @property
    def template(self) -> template.OutputTemplate | None:
        return self._template_or_findings[0]

    @functools.cached_property
    def plan(self) -> rules.Plan:
        """Every source opened and every rule compiled as of the run's date, once."""
        return rules.plan(self.loaded, as_of=self.as_of)

    @functools.cached_property
    def audits(self) -> list[sources.AuditStatus]:
        return sources.audit_calendar(self.answers, self.as_of)

    @functools.cached_property
    def findings(self) -> list[Finding]:
        """Everything wrong in the answers before anything runs, judged at the run's date: the
        families' declarations, the template's own findings, sign-off dates and acceptances.
        ``wbk validate`` reports them all; a run refuses to start on their errors (``refuse``)."""
        out = families.declaration_findings(self) + self._template_or_findings[1]
        if isinstance(self.as_of, dt.date):  # a salvaged file may lack it: reported by the schema
            out += signoff.date_findings(self.answers, self.loaded.document, self.as_of)
            if not self.salvaged:
                out += acceptances.findings(self.answers, self.loaded.document, self.as_of)
        return out

    def refuse(self) -> None:
        """Raise every error finding at once, located (AnswersError): the run does not start."""
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            raise AnswersError(errors)
