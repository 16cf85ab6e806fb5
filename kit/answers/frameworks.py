"""The frameworks a record answers to, as data: templates/frameworks/<name>.yaml, one file each.

A framework file names its source document and version, and lists the items a design record can
speak to, each with its reference, a short paraphrase and what in a project can evidence it:
answer paths, check families and rule kinds (names of kit.checks.families.FAMILIES and
kit.checks.engine.kinds.KINDS, checked by kit.decide.frameworks.unknown_names), team roles and
audits (keywords, or ``any``). Loading reports every problem located at its file, line and field.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from kit.answers import yamlfile
from kit.answers.schema import Answers
from kit.findings import AnswersError, Finding, did_you_mean, format_path, parse_path
from kit.paths import TEMPLATES

FRAMEWORKS = TEMPLATES / "frameworks"
ANY = "any"  # in roles or audits: every member of the team, every audit of the plan


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    document: str = Field(min_length=1, description="the document the items come from")
    version: str = Field(min_length=1, description="its version or date of publication")
    url: str = Field(min_length=1)


def _answer_path(path: str) -> str:
    if not answer_path_exists(path):
        raise ValueError(f"{path!r} is not a field of the answers schema")
    return path


DOMAINS: tuple[str, ...] = (
    Answers.model_fields["project"].annotation.model_fields["domain"].annotation.__args__
)


def _domain(domain: str) -> str:
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}" + did_you_mean(domain, DOMAINS, list_known=True))
    return domain


AnswerPath = Annotated[str, AfterValidator(_answer_path)]
Domain = Annotated[str, AfterValidator(_domain)]


class Evidence(Strict):
    """What in a project can speak to an item. Checks first: only they can make it "evidenced"."""

    families: list[str] = Field(default_factory=list, description="check families whose checks evidence it")
    kinds: list[str] = Field(default_factory=list, description="rule kinds whose rules evidence it")
    answers: list[AnswerPath] = Field(default_factory=list, description="answer paths that speak to it")
    roles: list[str] = Field(default_factory=list, description="keywords of team roles that guard it, or any")
    audits: list[str] = Field(
        default_factory=list, description="keywords of audit names that guard it, or any"
    )


class Item(Strict):
    ref: str = Field(min_length=1, description='the reference, e.g. "Art. 10(2)(f)" or "MEASURE 2.11"')
    text: str = Field(min_length=1, max_length=200, description="a short paraphrase in the kit's words")
    evidence: Evidence


class Framework(Strict):
    title: str = Field(min_length=1, description='e.g. "EU AI Act"')
    scope: str = Field(
        min_length=1, description='what of the source is covered, e.g. "Articles 9 to 15 and 17"'
    )
    source: Source
    selection: str = Field(min_length=1, description="which items are listed, and why")
    suggested_for: list[Domain] = Field(
        default_factory=list, description="domains whose projects are reminded to name it (wbk validate)"
    )
    items: list[Item] = Field(min_length=1)


def answer_path_exists(path: str) -> bool:
    """Is ``path`` (dotted, without list indices: problem_boundaries.legal.risks) a field of the
    answers schema? A path into the items of a list names the field inside the item."""
    model = Answers
    for part in parse_path(path):
        if isinstance(part, int) or model is None or part not in model.model_fields:
            return False
        model = _model_in(model.model_fields[part].annotation)
    return True


def _model_in(annotation) -> type[BaseModel] | None:
    """The model a field holds (itself, in a list, or optional), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def available() -> list[str]:
    """The names of the frameworks the kit holds, from templates/frameworks/*.yaml."""
    return sorted(p.stem for p in FRAMEWORKS.glob("*.yaml"))


def suggested(domain: str) -> list[str]:
    """The frameworks whose file suggests them for ``domain`` (the EU AI Act for hr and medical)."""
    return [name for name in available() if domain in load(name).suggested_for]


def answer_findings(answers: Answers, document: yamlfile.Document) -> list[Finding]:
    """project.frameworks: a name given twice is an error; a framework suggested for the project's
    domain that the answers do not name is a warning."""
    names = answers.project.frameworks
    twice = [
        document.finding(("project", "frameworks", i), f"framework {name!r} is named twice")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    return twice + _suggestions(answers, document)


def _suggestions(answers: Answers, document: yamlfile.Document) -> list[Finding]:
    missing = [n for n in suggested(answers.project.domain) if n not in answers.project.frameworks]
    loc = (
        ("project", "frameworks")
        if "frameworks" in (document.data or {}).get("project", {})
        else ("project",)
    )
    return [
        document.finding(
            loc,
            f"{name} ({load(name).title}) is suggested for domain {answers.project.domain!r}: name it in "
            "project.frameworks and the record shows its coverage (wbk frameworks lists them)",
            "warning",
        )
        for name in missing
    ]


def path_of(name: str) -> Path:
    return FRAMEWORKS / f"{name}.yaml"


@functools.cache
def load(name: str) -> Framework:
    """The kit's framework ``name`` (one of ``available()``), validated."""
    return load_file(path_of(name))


def load_file(path: Path) -> Framework:
    """A framework file, or AnswersError with every problem located at its line and field."""
    document = yamlfile.read(path)
    try:
        framework = Framework.model_validate(document.data)
    except ValidationError as exc:
        raise AnswersError([_located(document, err) for err in exc.errors()]) from None
    problems = duplicate_refs(framework, document)
    if problems:
        raise AnswersError(problems)
    return framework


def _located(document: yamlfile.Document, err: dict) -> Finding:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        return document.finding(loc, f"unknown key {loc[-1]!r}", key=True)
    message = err["msg"].removeprefix("Value error, ")
    return Finding(str(document.path), *document.locate(loc), format_path(loc), message)


def duplicate_refs(framework: Framework, document: yamlfile.Document) -> list[Finding]:
    """Each reference once: it is the item's key in the record, coverage.json and the tests."""
    counts = Counter(item.ref for item in framework.items)
    return [
        document.finding(("items", i, "ref"), f"reference {item.ref!r} is listed {counts[item.ref]} times")
        for i, item in enumerate(framework.items)
        if counts[item.ref] > 1
    ]
