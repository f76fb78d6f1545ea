"""Links a page must never carry: `javascript:`, `vbscript:`, `data:` and `file:` URLs.

A browser strips control characters and whitespace from a URL and decodes HTML entities in an
attribute before it reads the scheme, and markdown decodes entities and backslash escapes in a
link destination; `is_unsafe` does the same before it compares. `defuse` reduces every such link
in a piece of markdown to its text: inline links and images, angle-bracket autolinks, and the
href/src-like attributes of raw HTML (the attribute is removed, the element's text stays).
"""

from __future__ import annotations

import html
import re

from consolidate.markdown.links import INLINE, mask_code_spans

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
_NOISE = re.compile(r"[\x00-\x20\x7f\\]+")
ANGLE_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
POINTY = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<([^<>\n]*)>[^)\n]*\)")  # `[t](<url with spaces>)`
URL_ATTR = re.compile(r"""\s+(?:href|src|srcset|action|formaction|xlink:href|poster|background|cite|data|ping)"""
                      r"""\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)


def is_unsafe(target: str) -> bool:
    return _NOISE.sub("", html.unescape(target)).lower().startswith(UNSAFE_SCHEMES)


def _attr_value(m: re.Match) -> str:
    v = m.group(1)
    return v[1:-1] if v[:1] in "\"'" else v


def strip_unsafe_html(text: str) -> tuple[str, list[str]]:
    """Remove URL attributes with an unsafe scheme from raw HTML; return the text and the URLs removed."""
    found: list[str] = []

    def sub(m: re.Match) -> str:
        if is_unsafe(_attr_value(m)):
            found.append(_attr_value(m))
            return ""
        return m.group(0)

    return URL_ATTR.sub(sub, text), found


def defuse(text: str, html_only: bool = False) -> tuple[str, list[str]]:
    """Every unsafe link in a piece of markdown reduced to its text; return the text and the URLs removed.
    html_only: a raw HTML block, where markdown link syntax is not read."""
    text, found = strip_unsafe_html(text)
    if html_only:
        return text, found
    while True:  # one at a time, last first, so earlier offsets stay valid
        masked = mask_code_spans(text)
        hits = [h for h in _links(masked) if is_unsafe(masked[h[2]:h[3]])]
        if not hits:
            return text, found
        start, end, t0, t1, keep0, keep1 = max(hits)
        found.append(text[t0:t1])
        text = text[:start] + text[keep0:keep1] + text[end:]


def _links(masked: str, offset: int = 0) -> list[tuple[int, int, int, int, int, int]]:
    """(start, end, target start, target end, kept text start, kept text end) of every inline link, image
    (a link's label searched too: an image inside a link) and angle-bracket autolink."""
    out = []
    for rx in (INLINE, POINTY):
        for m in rx.finditer(masked):
            out.append((offset + m.start(), offset + m.end(), offset + m.start(3), offset + m.end(3),
                        offset + m.start(2), offset + m.end(2)))
            out += _links(m.group(2), offset + m.start(2))
    for m in ANGLE_AUTOLINK.finditer(masked):
        out.append((offset + m.start(), offset + m.end(), offset + m.start(1), offset + m.end(1),
                    offset + m.start(1), offset + m.end(1)))
    return out


def unsafe_targets(text: str, html_only: bool = False) -> list[str]:
    """The unsafe link targets a piece of markdown holds (what `defuse` would remove)."""
    return defuse(text, html_only)[1]
