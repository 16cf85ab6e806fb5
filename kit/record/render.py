"""Static HTML for answers and evidence: Jinja2 templates from templates/html, user text escaped
or, where Markdown is allowed, rendered and then sanitised with nh3. Charts are inline PNGs."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
from typing import Any

import mistune
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kit import phrases
from kit.paths import TEMPLATES

# No <img>: a shared record must make no request off the file, even one an analyst typed.
ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "b",
    "i",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "a",
    "br",
    "blockquote",
    "del",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_markdown = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])


def markdown(text: Any) -> Markup:
    """User text as sanitised HTML: Markdown rendered, raw HTML escaped, then cleaned by nh3."""
    if text is None:
        return Markup("")
    html = _markdown(str(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]  # a one-paragraph answer renders inline
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def value(item: Any) -> Markup:
    """Any answer value as HTML: lists as lists, dates ISO, booleans yes/no, text via markdown."""
    if isinstance(item, bool):
        return Markup("yes" if item else "no")
    if isinstance(item, dt.date):
        return Markup(item.isoformat())
    if isinstance(item, float):
        return Markup(f"{item:g}")
    if isinstance(item, list):
        return (
            Markup("<ul>")
            + Markup("").join(Markup("<li>") + value(v) + Markup("</li>") for v in item)
            + Markup("</ul>")
        )
    if isinstance(item, dict):
        rows = Markup("").join(
            Markup("<tr><th>") + markdown(k) + Markup("</th><td>") + value(v) + Markup("</td></tr>")
            for k, v in item.items()
        )
        return Markup("<table class='wbk-kv'>") + rows + Markup("</table>")
    return markdown(item)


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
        md=markdown, value=value, label=label, pct=phrases.share, columns=columns, plural=phrases.plural
    )
    env.tests["records"] = is_records
    return env


def is_records(item: Any) -> bool:
    """A non-empty list of mappings: shown as a table with a column per key."""
    return isinstance(item, list) and bool(item) and all(isinstance(i, dict) for i in item)


def columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for row in rows for k in row))


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def png(figure) -> str:
    """A matplotlib Figure as a data: URI, so the chart travels inside the HTML."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def bar_chart(labels: list[str], series: dict[str, list[float]], title: str, xlabel: str) -> str:
    """Horizontal bars, one group per label; built on Figure, not pyplot (0.8 s cheaper to import)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 0.35 * max(3, len(labels)) + 0.8))
    axes = figure.subplots()
    height = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        positions = [y + i * height for y in range(len(labels))]
        axes.barh(positions, values, height=height, label=name)
    axes.set_yticks([y + height * (len(series) - 1) / 2 for y in range(len(labels))], labels)
    axes.invert_yaxis()
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    if len(series) > 1:
        axes.legend(loc="lower right")
    return png(figure)
