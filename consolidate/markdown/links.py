"""Links of every markdown form, each with its 1-based line.

Inline `[t](url)`, images `![a](src)`, reference-style `[t][ref]`, `[t][]` and `[ref]` with their
`[ref]: url` definitions, autolinks `<https://...>` and bare `https://...` URLs. Code spans and
fenced code are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?(?:\s+[\"'(].*)?\s*$")
_TARGET = r"\(\s*<?([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
INLINE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]" + _TARGET)
REFERENCE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\](?:\[([^\]]*)\])?")
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]+)>")
BARE_URL = re.compile(r"(?<![<(\[\"'=])\bhttps?://[^\s<>()\[\]`\"']+[^\s<>()\[\]`\"'.,;:!?]")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


@dataclass(frozen=True)
class RawLink:
    kind: str
    text: str
    target: str
    line: int
    col: int


def mask_code_spans(line: str) -> str:
    """Replace inline code with spaces (same length) so offsets stay valid."""
    if "`" not in line:
        return line
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def norm_label(label: str) -> str:
    return " ".join(label.split()).lower()


def definitions(lines: list[str], skip: set[int]) -> dict[str, tuple[str, int]]:
    defs: dict[str, tuple[str, int]] = {}
    for idx, line in enumerate(lines):
        if idx + 1 in skip:
            continue
        m = DEFINITION.match(line)
        if m and not m.group(1).startswith("^"):  # `[^n]: ...` is a footnote, not a link
            defs.setdefault(norm_label(m.group(1)), (m.group(2), idx + 1))
    return defs


def links_in_line(line: str, lineno: int, defs: dict[str, tuple[str, int]]) -> list[RawLink]:
    """Links in one line of prose (already known not to be code)."""
    if "[" not in line and "<" not in line and "://" not in line:
        return []  # every form needs one: [label], <autolink>, a bare scheme://
    found: list[RawLink] = []
    masked = mask_code_spans(line)
    if DEFINITION.match(masked):
        m = DEFINITION.match(masked)
        return [RawLink("definition", m.group(1), m.group(2), lineno, m.start(2))]
    taken = bytearray(len(masked))

    def claim(s: int, e: int) -> None:
        taken[s:e] = b"\x01" * (e - s)

    for m in INLINE.finditer(masked):
        kind = "image" if m.group(1) else "inline"
        found.append(RawLink(kind, m.group(2), m.group(3), lineno, m.start()))
        # a linked image `[![a](img)](url)` yields both links
        for inner in INLINE.finditer(m.group(2)):
            found.append(RawLink("image" if inner.group(1) else "inline", inner.group(2), inner.group(3), lineno, m.start() + 1 + inner.start()))
        claim(m.start(), m.end())
    for m in AUTOLINK.finditer(masked):
        if not taken[m.start()]:
            found.append(RawLink("autolink", m.group(1), m.group(1), lineno, m.start()))
            claim(m.start(), m.end())
    for m in REFERENCE.finditer(masked):
        if taken[m.start()]:
            continue
        label = m.group(3) if m.group(3) else m.group(2)
        hit = defs.get(norm_label(label))
        if hit:
            found.append(RawLink("image" if m.group(1) else "reference", m.group(2), hit[0], lineno, m.start()))
            claim(m.start(), m.end())
    for m in BARE_URL.finditer(masked):
        if not taken[m.start()]:
            found.append(RawLink("autolink", m.group(0), m.group(0), lineno, m.start()))
    found.sort(key=lambda r: r.col)
    return found


def targets(text: str) -> tuple[str, ...]:
    """The inline link and autolink targets of a text, in order (code spans left out): two
    statements that differ only in where they link are not the same statement."""
    masked = mask_code_spans(text)
    out = [text[m.start(3):m.end(3)] for m in INLINE.finditer(masked) if m.group(3) is not None]
    return tuple(out + [m.group(1) for m in AUTOLINK.finditer(masked)])
