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
    while True:  # a link around an image: the inner one goes first, then the outer is seen whole
        masked = mask_code_spans(text)
        hits = [m for rx in (INLINE, POINTY) for m in rx.finditer(masked) if is_unsafe(m.group(3))]
        hits += [m for m in ANGLE_AUTOLINK.finditer(masked) if is_unsafe(m.group(1))]
        if not hits:
            return text, found
        m = max(hits, key=lambda x: x.start())
        if m.re is not ANGLE_AUTOLINK:
            found.append(text[m.start(3):m.end(3)])
            text = text[:m.start()] + text[m.start(2):m.end(2)] + text[m.end():]
        else:
            found.append(m.group(1))
            text = text[:m.start()] + text[m.start(1):m.end(1)] + text[m.end():]


def unsafe_targets(text: str, html_only: bool = False) -> list[str]:
    """The unsafe link targets a piece of markdown holds (what `defuse` would remove)."""
    return defuse(text, html_only)[1]
