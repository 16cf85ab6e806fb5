"""Static HTML for answers and evidence: Jinja2 templates from templates/html, every value the user
typed shown as text (escaped, never read as Markdown or HTML), identifiers, patterns and
expressions in code spans, numbers and rates through kit.phrases. Charts are inline SVG
(kit.record.charts)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from kit import phrases
from kit.paths import TEMPLATES
from kit.record import links

# Answer keys whose values are identifiers, column names, patterns or expressions: shown in code
# spans, exactly as typed (a pattern such as N[1-9](...) must never become a link).
CODE_KEYS = {
    "id",
    "check",
    "columns",
    "params",
    "dataset",
    "caught_by",
    "source",
    "attribute",
    "input_dataset",
    "record_id",
    "path",
    "output_template",
    "pattern",
    "expression",
    "sample",
}


# Answer keys whose values are rates (0..1): shown as percentages that never round a difference away.
RATE_KEYS = {"min_pass_rate", "tolerance", "reference_shares"}


def field(key: str, item: Any) -> Markup:
    """The value of one answer field, shown by what the field holds: code, a rate, or text."""
    if key in RATE_KEYS:
        if isinstance(item, int | float) and not isinstance(item, bool):
            return Markup(escape(phrases.share(item)))
        if isinstance(item, dict):
            return value({k: phrases.share(v) if isinstance(v, int | float) else v for k, v in item.items()})
    return value(item, key in CODE_KEYS)


def text(item: Any) -> Markup:
    """User text as text: escaped, line breaks kept."""
    if item is None:
        return Markup("")
    return Markup("<br>").join(escape(line) for line in str(item).split("\n"))


CODE_SPAN = re.compile(r"``\s?(.+?)\s?``|`([^`]+)`")


def spans(sentence: str) -> Markup:
    """A kit sentence with Markdown code spans (the rule kinds' meanings) as text and <code>."""
    out, at = Markup(""), 0
    for match in CODE_SPAN.finditer(sentence):
        out += escape(sentence[at : match.start()]) + code(match.group(1) or match.group(2))
        at = match.end()
    return out + escape(sentence[at:])


def code(item: Any) -> Markup:
    return Markup("<code>") + escape(str(item)) + Markup("</code>")


def value(item: Any, as_code: bool = False) -> Markup:
    """Any answer value as HTML: lists as lists, dates ISO, booleans yes/no, numbers grouped,
    text escaped; ``as_code`` puts strings and numbers in code spans (and everything inside)."""
    if isinstance(item, Markup):  # already HTML the kit made (a sentence with code spans)
        return item
    if isinstance(item, bool):
        return Markup("yes" if item else "no")
    if isinstance(item, dt.date):
        return Markup(item.isoformat())
    if isinstance(item, int | float) and not as_code:
        return Markup(escape(phrases.number(item)))
    if isinstance(item, list):
        return (
            Markup("<ul>")
            + Markup("").join(Markup("<li>") + value(v, as_code) + Markup("</li>") for v in item)
            + Markup("</ul>")
        )
    if isinstance(item, dict):
        rows = Markup("").join(
            Markup("<tr><th>")
            + (code(k) if as_code else text(k))
            + Markup("</th><td>")
            + (value(v, True) if as_code else field(k, v))
            + Markup("</td></tr>")
            for k, v in item.items()
        )
        return Markup("<table class='wbk-kv'>") + rows + Markup("</table>")
    if item is None:
        return Markup("")
    return code(item) if as_code else text(item)


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "html"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        text=text,
        code=code,
        spans=spans,
        value=value,
        field=field,
        label=label,
        pct=phrases.share,
        pct_of=phrases.percent,
        plural=phrases.plural,
        number=phrases.number,
        columns=columns,
        answer_anchor=links.answer_anchor,
        check_anchor=links.check_anchor,
        source_anchor=links.source_anchor,
        slug=links.slug,
    )
    env.globals.update(code_keys=CODE_KEYS, kinds=links.KINDS)
    env.tests["records"] = is_records
    return env


def is_records(item: Any) -> bool:
    """A non-empty list of mappings: shown as a table with a column per key."""
    return isinstance(item, list) and bool(item) and all(isinstance(i, dict) for i in item)


def columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for row in rows for k in row))


@functools.cache
def style_sheet() -> str:
    """The kit's one style sheet (templates/html/wbk.css), shared by notebook outputs and the record."""
    text = (TEMPLATES / "html" / "wbk.css").read_text(encoding="utf-8")
    return re.sub(r"/\*.*?\*/\s*", "", text, flags=re.DOTALL)  # comments are for its readers, not each output


@functools.cache
def style_tag() -> str:
    """The style sheet as the <style> each notebook output carries (the record moves it to its head)."""
    return render("style.html.j2", css=Markup(style_sheet()))


STYLE_TAG = re.compile(r'<style class="wbk-style">.*?</style>', re.DOTALL)


def without_style(html: str) -> str:
    """An output's markup without the style sheet it carries (the record has it once, in its head)."""
    return STYLE_TAG.sub("", html)


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
