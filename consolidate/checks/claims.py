"""Read a merged markdown page back into claims, each with its citation labels and line.

Citations are markdown footnotes: `[^n]` after a sentence or list item, a `Sources: [^n]` line
after a code block, table, quote or HTML block (a block with no such line, right after a sentence
or list item, is cited by that claim's citations: its intro's span holds both; with no sentence or
item right before it either, by the citations of the sentence right after it), and definitions `[^n]: \\`path:start-end\\` (chunk \\`id\\`)` (consolidate/footnotes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consolidate.checks.navigation import navigation
from consolidate.footnotes import DEFN, Ref, parse_definition
from consolidate.markdown.blocks import scan_blocks
from consolidate.stages.ingest import front_matter, split_lines

MARKS = re.compile(r"(?:\[\^[^\]\s]+\])+")
LABEL = re.compile(r"\[\^([^\]\s]+)\]")
from consolidate.checks.notes import NOTE_PREFIX  # noqa: F401  (re-exported: the eval reads it here)
LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
SOURCES_LINE = re.compile(r"^Sources:\s*((?:\[\^[^\]\s]+\]\s*)+)$")


@dataclass
class Claim:
    kind: str  # sentence | list_item | code | table | quote | html
    text: str
    line: int
    labels: list[str]
    intro: "Claim | None" = None  # a block's: the claim right before it, whose citations it shares
    outro: "Claim | None" = None  # a block's with no intro and no `Sources:` line: the sentence right after it


@dataclass
class ParsedPage:
    lines: list[str]
    claims: list[Claim]
    refs: dict[str, Ref]
    code_lines: set[int]
    headings: list[tuple[int, int, str]]  # (line, level, raw heading text)
    front: dict = field(default_factory=dict)  # its front matter
    nav: list[Claim] = field(default_factory=list)  # links to the parts of a page split for size (navigation.py)


def _segments(text: str, line: int, kind: str) -> list[Claim]:
    out, last = [], 0
    for m in MARKS.finditer(text):
        seg = text[last:m.start()].strip()
        if seg:
            out.append(Claim(kind, seg, line, LABEL.findall(m.group(0))))
        last = m.end()
    tail = text[last:].strip()
    if tail:
        out.append(Claim(kind, tail, line, []))
    return out


def parse_page(text: str) -> ParsedPage:
    lines = split_lines(text)
    front, body_start, _ = front_matter(lines, "")
    scan = scan_blocks(lines, body_start)
    refs: dict[str, Ref] = {}
    claims: list[Claim] = []
    code_lines: set[int] = set()
    headings = []
    pending: Claim | None = None
    intro: Claim | None = None  # the last claim of the block just read, when it was text
    for b in scan.blocks:
        block_lines = lines[b.start - 1:b.end]
        joined = "\n".join(block_lines)
        if b.kind == "heading":
            intro = pending = None
            headings.append((b.start, b.level, lines[b.start - 1].lstrip("#").strip() if b.start == b.end else " ".join(block_lines[:-1])))
            continue
        if b.kind in ("code", "html"):
            code_lines.update(range(b.start, b.end + 1))
        if b.kind == "paragraph":
            m = SOURCES_LINE.match(joined.strip())
            if m and pending is not None:
                pending.labels = LABEL.findall(m.group(1))
                pending = None
                continue
            if all(DEFN.match(ln) for ln in block_lines):
                for ln in block_lines:
                    label, ref = parse_definition(ln)
                    refs[label] = ref
                continue
        waiting, pending = pending, None  # a block not followed by its `Sources:` line
        before = len(claims)
        if b.kind == "paragraph":
            claims += _segments(" ".join(ln.strip() for ln in block_lines), b.start, "sentence")
        elif b.kind == "list":
            item: list[str] = []
            start = b.start
            for no, ln in enumerate(block_lines, start=b.start):
                if re.match(r"^\s*([-*+]|\d{1,9}[.)])(\s+|$)", ln) and item:
                    claims += _segments(" ".join(item).strip(), start, "list_item")
                    item, start = [], no
                if ln.strip():
                    item.append(ln.strip())
                elif item and item[-1] != "\n\n":
                    item.append("\n\n")  # a paragraph break inside the item ends its sentence
            if item:
                claims += _segments(" ".join(item).strip(), start, "list_item")
            for c in claims:
                if c.kind == "list_item":
                    c.text = LIST_MARK.sub("", c.text, count=1)
        elif b.kind == "quote" and MARKS.search(joined):
            text = " ".join(ln.lstrip(" >") for ln in block_lines)
            claims += _segments(text, b.start, "note" if text.startswith(NOTE_PREFIX) else "quote")
        elif b.kind in ("code", "table", "quote", "html"):
            body = "\n".join(block_lines[1:-1]) if b.kind == "code" else joined
            pending = Claim(b.kind, body, b.start, [], intro=intro)
            claims.append(pending)
        if waiting is not None and waiting.intro is None and b.kind == "paragraph" and len(claims) > before:
            waiting.outro = claims[before]
        last = claims[-1] if len(claims) > before else None
        intro = last if last is not None and last.kind in ("sentence", "list_item") else None
    for c in claims:
        if c.intro is not None and not c.labels:
            c.labels = list(c.intro.labels)
        elif c.outro is not None and not c.labels:
            c.labels = list(c.outro.labels)
    claims, nav = navigation(claims, front)
    return ParsedPage(lines, claims, refs, code_lines, headings, front, nav)
