"""Heading anchors as site generators make them.

- `github` (also `docusaurus`, `starlight`: both use github-slugger): lower-case, drop
  punctuation except `-` and `_`, spaces become `-`; repeats get `-1`, `-2`.
- `mkdocs`: Python-Markdown's toc slugify: NFKD to ASCII, drop punctuation, runs of spaces and
  `-` become one `-`; repeats get `_1`, `_2`.
An explicit `{#id}` at the end of a heading wins in both.
"""

from __future__ import annotations

import re
import unicodedata

STYLES = ("github", "mkdocs", "docusaurus", "starlight")
_ALIASES = {"docusaurus": "github", "starlight": "github"}

_EXPLICIT = re.compile(r"\s*\{#([A-Za-z0-9_\-:.]+)\}\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|!?\[([^\]]*)\]\[[^\]]*\]")
_HTML = re.compile(r"<[^>]+>")


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation makes it literal
_HIDDEN = 0xE000  # escaped characters are parked in the private use area while markup is stripped, then escaped again
_UNHIDE = re.compile("[\ue021-\ue07e]")
_MARKUP = re.compile(r"[\[<*_~`\\]")  # a character that may start markup or an escape


def strip_inline(text: str) -> str:
    """Heading or title text without markdown syntax: links become their text. An escaped
    character is text, not markup, and stays escaped: `Stream \\<String\\>` is kept whole (it was
    `Stream \\`, its `<String\\>` taken for an HTML tag), so a title written back as a heading
    reads the same, and its slug is `stream-string` (slugs drop the backslash with the punctuation)."""
    if not _MARKUP.search(text):  # most headings: nothing to strip
        return text.strip()
    escaped = "\\" in text
    if escaped:
        text = _ESCAPED.sub(lambda m: chr(_HIDDEN + ord(m.group(1))), text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _HTML.sub("", text)
    text = re.sub(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = text.replace("`", "").strip()
    return _UNHIDE.sub(lambda m: "\\" + chr(ord(m.group(0)) - _HIDDEN), text) if escaped else text


def explicit_id(text: str) -> tuple[str, str | None]:
    m = _EXPLICIT.search(text)
    if not m:
        return text, None
    return text[: m.start()], m.group(1)


def slug(text: str, style: str = "github") -> str:
    text = strip_inline(text)
    if style == "mkdocs":
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        text = re.sub(r"[^\w\s-]", "", text).strip().lower()
        return re.sub(r"[-\s]+", "-", text)
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


class Slugger:
    """Hands out unique anchors within one page, in heading order."""

    def __init__(self, style: str = "github"):
        if style not in STYLES:
            raise ValueError(f"unknown anchor style {style!r}; known: {', '.join(STYLES)}")
        self.style = _ALIASES.get(style, style)
        self.seen: dict[str, int] = {}

    def __call__(self, heading: str) -> str:
        text, explicit = explicit_id(heading)
        if explicit:
            self.seen.setdefault(explicit, 0)
            return explicit
        base = slug(text, self.style) or "section"
        n = self.seen.get(base)
        if n is None:
            self.seen[base] = 0
            return base
        while True:
            n += 1
            cand = f"{base}-{n}" if self.style == "github" else f"{base}_{n}"
            if cand not in self.seen:
                self.seen[base] = n
                self.seen[cand] = 0
                return cand
