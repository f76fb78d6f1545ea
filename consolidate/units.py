"""Units: the sentences, list items and blocks of a document, each with its exact lines.

One definition of a unit serves the chunker (a chunk boundary may only fall between two units,
never inside one), the drafter (which merges units) and the ledger (which accounts for every
source line through them). A paragraph's units are its sentences, a list's its items (a nested
item is an item of its own), and any other block (code, table, quote, HTML) is one unit.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from consolidate import sentences
from consolidate.markdown.blocks import FENCE, LIST_ITEM, MDX_ESM
from consolidate.markdown.links import DEFINITION
from consolidate.records import Block, Chunk, Citation, Conflict, Document

COMMENT = re.compile(r"\s*(?:<!--.*?-->\s*)+", re.S)  # a block of HTML comments only

INTRO = "Overview"


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # sentence | list_item | code | table | quote | html
    start: int  # 1-based, inclusive
    end: int
    text: str
    parent: str = ""  # a nested list item: the first line of the item it is nested under


@dataclass(slots=True)  # hundreds of thousands on a large tree: no __dict__ each
class Unit:
    kind: str
    text: str
    doc: str
    chunk: str
    start: int
    end: int
    section: str
    para: tuple[str, int]  # (doc, first line of the source block)
    parent: str = ""  # a nested list item: the item it is nested under (it means nothing apart from it)
    citations: list[Citation] = field(default_factory=list)
    conflicts: list["Unit"] = field(default_factory=list)
    notes: list[Conflict] = field(default_factory=list)  # other conflicts to note after this unit
    sh: frozenset = frozenset()
    masked: frozenset = frozenset()
    facts: tuple[str, ...] = ()
    exact_facts: tuple[str, ...] | None = None  # facts with case kept where the checker keeps it (None: not read yet)
    words: frozenset | None = None  # content words, computed when first needed (merge/statements.py)
    negs: int = 0
    links: tuple[str, ...] = ()
    ordinal: int = 0  # its place among the units of its source block
    level: int = 2  # its section's heading level on a merged page (2 for ##), relative to its source's top
    parent_heading: str = ""  # the heading its section sits under in its source ('' at the top)
    scope: str = ""  # parent_heading, when its source has its section's name under two headings (merge/statements.section_key)
    into: "Unit | None" = None  # merged: the shown unit that now says it (merge/statements.py)
    shown_in: tuple[str, int] | None = None  # a step moved into another source's list: that list's para (procedures.py)
    cited: Citation | None = field(default=None, repr=False, compare=False)  # cite()'s, once made

    def cite(self) -> Citation:
        """Its citation (made once: asked for every unit, often twice; Citation is frozen)."""
        c = self.cited
        if c is None or (c.start, c.end) != (self.start, self.end):
            c = self.cited = Citation(chunk=self.chunk, doc=self.doc, start=self.start, end=self.end)
        return c


def list_items(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """(first, last) line of each item of a list block; a nested item is an item of its own."""
    items, cur = [], None
    for no in range(start, end + 1):
        if LIST_ITEM.match(lines[no - 1]):
            if cur:
                items.append(cur)
            cur = [no, no]
        elif cur and lines[no - 1].strip():
            cur[1] = no
    if cur:
        items.append(cur)
    return [tuple(x) for x in items]


def close_fence(text: str) -> str:
    """A code block whose fence the source never closed, closed where its source block ends, so
    that it cannot swallow what follows it on a merged page."""
    lines = text.split("\n")
    m = FENCE.match(lines[0])
    if not m:
        return text
    mark = m.group(2)
    last = lines[-1].strip() if len(lines) > 1 else ""
    if len(lines) > 1 and len(last) >= len(mark) and set(last) == {mark[0]}:
        return text
    return text + "\n" + m.group(1) + mark


def is_plumbing(block: Block, lines: list[str]) -> str:
    """Why a block holds no content to merge ('' when it does): rules, link reference
    definitions (their targets are inlined where used), MDX import/export statements and HTML
    comments."""
    if block.kind == "rule":
        return "boilerplate"
    if block.kind == "html" and MDX_ESM.match(lines[block.start - 1]):
        return "mdx-plumbing"
    if block.kind == "html" and COMMENT.fullmatch("\n".join(lines[block.start - 1:block.end])):
        return "comment"  # no reader sees it: carried, it stood on the page as a `Sources:` line under nothing
    if block.kind == "paragraph" and all(DEFINITION.match(lines[n - 1]) for n in range(block.start, block.end + 1)):
        return "link-definition"
    return ""


def block_spans(block: Block, lines: list[str]) -> list[Span]:
    """The units of one block, in order, each with its exact lines (headings and plumbing: none)."""
    if block.kind == "heading" or is_plumbing(block, lines):
        return []
    if block.kind == "paragraph":
        text = "\n".join(lines[block.start - 1:block.end])
        starts = [0]
        for ln in lines[block.start - 1:block.end]:
            starts.append(starts[-1] + len(ln) + 1)
        out = []
        for s, e in sentences.split(text):  # starts increase: the line holding offset s is the last start <= s
            first = bisect_right(starts, s) - 1
            last = bisect_right(starts, max(s, e - 1)) - 1
            out.append(Span("sentence", block.start + first, block.start + last, " ".join(text[s:e].split())))
        return out
    if block.kind == "list":
        out, open_items = [], []  # (indent, first line) of the items a nested one may sit under
        for s, e in list_items(lines, block.start, block.end):
            indent = len(lines[s - 1]) - len(lines[s - 1].lstrip())
            open_items = [(i, t) for i, t in open_items if i < indent]
            out.append(Span("list_item", s, e, "\n".join(lines[s - 1:e]), open_items[-1][1] if open_items else ""))
            open_items.append((indent, LIST_ITEM.sub("", lines[s - 1], count=1).strip()))  # its words, not its marker
        return out
    kind = block.kind if block.kind in ("code", "table", "quote", "html") else "sentence"
    text = "\n".join(lines[block.start - 1:block.end])
    return [Span(kind, block.start, block.end, close_fence(text) if kind == "code" else text)]


def section_of(heading_path: tuple[str, ...], doc_title: str) -> str:
    for h in reversed(heading_path):
        if h.strip().lower() != doc_title.strip().lower():
            return h
    return INTRO


_OUTLINES: dict[tuple[str, str], tuple[dict, list[int]]] = {}


def _outline(doc: Document) -> tuple[dict[tuple[str, ...], int], list[int]]:
    """A document's heading levels and its blocks' last lines, read once per document."""
    key = (doc.path, doc.sha256)
    hit = _OUTLINES.get(key)
    if hit is None:
        if len(_OUTLINES) > 50_000:
            _OUTLINES.clear()
        hit = _OUTLINES[key] = (heading_levels(doc), [b.end for b in doc.blocks])
    return hit


def heading_levels(doc: Document) -> dict[tuple[str, ...], int]:
    """Heading path -> the level its last heading takes on a merged page: 2 for the source's top level
    under its title (## under a # title, or # in a page of several #), one more per level below it."""
    title = doc.title.strip().lower()
    out: dict[tuple[str, ...], int] = {}
    lvl = {h.line: h.level for h in doc.headings}
    body = [(b.heading_path, lvl.get(b.start, 2)) for b in doc.blocks if b.kind == "heading"]
    tops = [n for path, n in body if path[-1].strip().lower() != title]
    top = min(tops, default=2)
    for path, n in body:
        out.setdefault(path, min(6, max(2, n - top + 2)))
    return out


def units_of_chunk(chunk: Chunk, doc: Document, lines: list[str]) -> tuple[list[Unit], list[tuple[int, str, str]]]:
    """Units in a chunk, and the (line, section, heading above it) of each heading it holds. A block longer than one
    chunk (a long list or paragraph) gives each chunk the units that start in it: the chunker
    only cuts between units, so none is cut in two and none is lost."""
    units: list[Unit] = []
    heads: list[tuple[int, str, str]] = []
    levels, ends = _outline(doc)
    for b in doc.blocks[bisect_left(ends, chunk.start):]:  # blocks are in order and do not overlap
        if b.start > chunk.end:
            break
        section = section_of(b.heading_path, doc.title)
        path = b.heading_path[:b.heading_path.index(section) + 1] if section in b.heading_path else ()
        level = levels.get(path, 2)
        above = path[-2] if len(path) > 1 and path[-2].strip().lower() != doc.title.strip().lower() else ""
        if b.kind == "heading":
            heads.append((b.start, section, above))
            continue
        para = (doc.path, b.start)
        for i, sp in enumerate(block_spans(b, lines)):
            if chunk.start <= sp.start <= chunk.end:
                units.append(Unit(sp.kind, sp.text, doc.path, chunk.id, sp.start, sp.end, section, para, sp.parent,
                                  ordinal=i, level=level, parent_heading=above))
    return units, heads
