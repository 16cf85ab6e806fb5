"""The printed record's running header: project, decision and as-of date on every page.

CSS margin boxes (@page { @top-left { content: "..." } }) draw it; WeasyPrint and Chromium 131+
both support them. The text is the user's project name, so it is written as a CSS string with
every character that could end the string, the rule or the <style> element escaped.
"""

from __future__ import annotations


def css_string(text: str) -> str:
    """A CSS string literal for any text: quotes, backslashes, line breaks and '<' as escapes."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):06x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def running_header(title: str, decision: str | None, as_of: str | None) -> str:
    """@page rules for the header and the page number; empty text parts are left out."""
    left = title or "Design record"
    right = " · ".join(p for p in (decision and f"Decision: {decision}", as_of and f"as of {as_of}") if p)
    return (
        "@page { size: A4; margin: 18mm 14mm 16mm;"
        f" @top-left {{ content: {css_string(left)}; font: 8pt sans-serif; color: #333; }}"
        f" @top-right {{ content: {css_string(right)}; font: 700 8pt sans-serif; }}"
        ' @bottom-right { content: "page " counter(page) " of " counter(pages); font: 8pt sans-serif; } }'
    )
