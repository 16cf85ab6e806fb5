"""Which items of a framework (templates/frameworks/*.yaml) a project's record has evidence for.

Each item ends in one status, the first that holds:

| status          | when                                                                        |
|-----------------|-----------------------------------------------------------------------------|
| checks_fail     | a check of the item's families or rule kinds ran, and one of them failed    |
| evidenced       | a check of the item's families or rule kinds ran (pass or warn)             |
| answered        | an answer the item names is filled in (said, not checked)                   |
| guarded         | a team member's role or an audit's name matches the item's keywords         |
| not_addressed   | none of these                                                               |

A check that could not run (error) never evidences anything: it is listed beside the item, which
falls through to the next status. The mapping is the kit's reading of each framework: the record
shows evidence for an item, never compliance with it. Pure functions of the answers, the checks'
summaries (record.json's ``checks``) and the sign-offs (record.json's ``sign_offs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kit import phrases
from kit.answers import frameworks as catalogue
from kit.answers import yamlfile
from kit.answers.frameworks import ANY, Framework
from kit.answers.schema import Answers
from kit.checks.engine.kinds import KINDS
from kit.checks.families import FAMILIES
from kit.findings import AnswersError, Finding, did_you_mean, parse_path

Status = Literal["checks_fail", "evidenced", "answered", "guarded", "not_addressed"]
# Each status as the coverage table labels it and as the summary line counts it, in the order a
# reader counts them; the words say "evidence for", never "compliant".
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "evidenced": ("Evidenced by checks", "evidenced by checks"),
    "checks_fail": ("Checks fail", "whose checks fail"),
    "answered": ("Answered, not checked", "answered"),
    "guarded": ("Guarded by people", "guarded by people"),
    "not_addressed": ("Not addressed", "not addressed"),
}
RAN = ("pass", "warn", "fail")  # a check with one of these statuses ran; "error" did not
DISCLAIMER = (
    "The mapping of each item to the project's checks, answers and people is the kit's reading of "
    "the framework: it shows evidence for an item, not compliance with it, and is not legal advice."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckRef(Strict):
    id: str
    family: str
    status: Literal["pass", "warn", "fail", "error"]
    pass_rate: float = Field(ge=0, le=1)


class PersonRef(Strict):
    guard: Literal["role", "audit"] = Field(description="a validation-team member, or an audit of the plan")
    name: str = Field(description="the member's role or the audit's name")
    who: str = Field(description="the member, or the audit's owner")
    state: str = Field(description="the sign-off's state at as_of, or when the audit was last done")
    path: str = Field(description="answer path of the member or audit, e.g. data_quality.validation_team[1]")


class ItemCoverage(Strict):
    ref: str = Field(description='the item\'s reference, e.g. "Art. 10(2)(f)" or "MEASURE 2.11"')
    text: str = Field(description="the kit's short paraphrase of the item")
    status: Status
    checks: list[CheckRef] = Field(description="checks that ran and whose meaning matches the item")
    not_run: list[CheckRef] = Field(default_factory=list, description="matching checks that could not run")
    answers: list[str] = Field(description="answer paths that speak to the item and are filled in")
    people: list[PersonRef] = Field(description="team members and audits that guard the item")


class FrameworkCoverage(Strict):
    name: str = Field(description="the framework file's name, as project.frameworks names it")
    title: str
    scope: str
    document: str
    version: str
    url: str
    items: list[ItemCoverage]

    def count(self, status: str) -> int:
        return sum(item.status == status for item in self.items)


# --- the framework files' names against the kit's tables ---------------------------------------


def unknown_names(path: Path) -> list[Finding]:
    """Families and rule kinds a framework file names that the kit's tables do not define,
    located at their line of the file."""
    framework = catalogue.load_file(path)
    document = yamlfile.read(path)
    tables = {"families": [f.name for f in FAMILIES], "kinds": list(KINDS)}
    found = []
    for i, item in enumerate(framework.items):
        for key, known in tables.items():
            for j, value in enumerate(getattr(item.evidence, key)):
                if value not in known:
                    message = f"{value!r} is not one of the kit's {key}" + did_you_mean(value, known)
                    found.append(document.finding(("items", i, "evidence", key, j), message))
    return found


def load(name: str) -> Framework:
    """A framework of the kit whose names all exist in the kit's tables, else AnswersError."""
    problems = unknown_names(catalogue.path_of(name))
    if problems:
        raise AnswersError(problems)
    return catalogue.load(name)


def listing() -> str:
    """``wbk frameworks``: one line per framework (name, title and scope, source and version,
    items, the domains it is suggested for), then how to name one."""
    lines = []
    for name in catalogue.available():
        fw = load(name)
        suggested = f"; suggested for {', '.join(fw.suggested_for)}" if fw.suggested_for else ""
        lines.append(
            f"{name:<12} {fw.title}, {fw.scope}: {phrases.plural(len(fw.items), 'item')} "
            f"({fw.source.document}, {fw.source.version}){suggested}"
        )
    lines.append("name them in the answers: project.frameworks: [" + ", ".join(catalogue.available()) + "]")
    return "\n".join(lines)


# --- coverage ------------------------------------------------------------------------------------


def coverage(
    answers: Answers, checks: Iterable[Mapping[str, Any]], sign_offs: Iterable[Mapping[str, Any]]
) -> list[FrameworkCoverage]:
    """Every framework the answers name (project.frameworks), item by item."""
    checks, sign_offs = list(checks), list(sign_offs)
    return [
        framework_coverage(name, load(name), answers, checks, sign_offs)
        for name in answers.project.frameworks
    ]


def framework_coverage(
    name: str,
    framework: Framework,
    answers: Answers,
    checks: list[Mapping[str, Any]],
    sign_offs: list[Mapping[str, Any]],
) -> FrameworkCoverage:
    data = answers.model_dump(mode="json")
    return FrameworkCoverage(
        name=name,
        title=framework.title,
        scope=framework.scope,
        document=framework.source.document,
        version=framework.source.version,
        url=framework.source.url,
        items=[item_coverage(item, answers, data, checks, sign_offs) for item in framework.items],
    )


def item_coverage(item, answers: Answers, data: dict, checks, sign_offs) -> ItemCoverage:
    matching = [_ref(c) for c in checks if _matches(item.evidence, c, answers)]
    ran = [c for c in matching if c.status in RAN]
    said = [path for path in item.evidence.answers if _filled(data, path)]
    people = _members(item.evidence.roles, answers, sign_offs) + _audits(item.evidence.audits, answers)
    return ItemCoverage(
        ref=item.ref,
        text=item.text,
        status=_status(ran, said, people),
        checks=ran,
        not_run=[c for c in matching if c.status not in RAN],
        answers=said,
        people=people,
    )


def _status(ran: list[CheckRef], said: list[str], people: list[PersonRef]) -> str:
    if ran:
        return "checks_fail" if any(c.status == "fail" for c in ran) else "evidenced"
    if said:
        return "answered"
    return "guarded" if people else "not_addressed"


def _ref(check: Mapping[str, Any]) -> CheckRef:
    return CheckRef(
        id=check["id"], family=check["family"], status=check["status"], pass_rate=check.get("pass_rate", 0.0)
    )


def _matches(evidence, check: Mapping[str, Any], answers: Answers) -> bool:
    """A check speaks to an item through its family, or, for a rule, through its kind (a rule's
    check id is its rule id, kit.checks.rules)."""
    if check["family"] in evidence.families:
        return True
    kinds = {rule.id: rule.check for rule in answers.data_quality.rules}
    return kinds.get(check["id"]) in evidence.kinds


def _filled(data: Any, path: str) -> bool:
    """Does the answer at ``path`` hold something (False and 0 count: they are answers)? A path
    through a list looks into each of its items."""
    values = [data]
    for part in parse_path(path):
        step = []
        for value in values:
            for inner in value if isinstance(value, list) else [value]:
                if isinstance(inner, dict) and part in inner:
                    step.append(inner[part])
        values = step
    return any(v not in (None, "", [], {}) for v in values)


def _wanted(keywords: list[str], *texts: str) -> bool:
    return ANY in keywords or any(k.casefold() in t.casefold() for k in keywords for t in texts)


def _members(keywords: list[str], answers: Answers, sign_offs: list[Mapping[str, Any]]) -> list[PersonRef]:
    """Team members whose role, or what they validate, holds one of the keywords."""
    states = {(s["role"], s["person"]): s.get("state", "") for s in sign_offs}
    return [
        PersonRef(
            guard="role",
            name=m.role,
            who=m.person,
            state=states.get((m.role, m.person), m.sign_off.decision),
            path=f"data_quality.validation_team[{i}]",
        )
        for i, m in enumerate(answers.data_quality.validation_team)
        if keywords and _wanted(keywords, m.role, *m.validates)
    ]


def _audits(keywords: list[str], answers: Answers) -> list[PersonRef]:
    return [
        PersonRef(
            guard="audit",
            name=a.name,
            who=a.owner,
            state=f"last done {a.last_done.isoformat()}" if a.last_done else "never done",
            path=f"data_strategy.maintenance.audits[{i}]",
        )
        for i, a in enumerate(answers.data_strategy.maintenance.audits)
        if keywords and _wanted(keywords, a.name)
    ]


# --- in words ----------------------------------------------------------------------------------


def summary_line(fc: FrameworkCoverage) -> str:
    """ "EU AI Act, Articles 9 to 15 and 17: 14 of 33 items evidenced by checks, 2 whose checks
    fail, 12 answered, 5 not addressed": statuses with nothing are left out, the total never."""
    counts = [(status, fc.count(status)) for status in STATUS_WORDS]
    shown = [(status, n) for status, n in counts if n]
    if not shown:
        return f"{fc.title}, {fc.scope}: no items"
    (first, n), rest = shown[0], shown[1:]
    head = f"{phrases.number(n)} of {phrases.plural(len(fc.items), 'item')} {STATUS_WORDS[first][1]}"
    return f"{fc.title}, {fc.scope}: " + ", ".join(
        [head] + [f"{phrases.number(k)} {STATUS_WORDS[s][1]}" for s, k in rest]
    )
