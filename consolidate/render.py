"""Render a DraftPage to markdown with footnote citations and a sources list."""

from __future__ import annotations

import json
import re

from consolidate.footnotes import Ref, definition
from consolidate.records import Citation, DraftPage

SOURCES_HEADING = "Sources"


def front_matter(page: DraftPage, generated: str, generator: str) -> str:
    lines = ["---", f"title: {json.dumps(page.title, ensure_ascii=False)}", "sources:"]
    lines += [f"  - {json.dumps(s, ensure_ascii=False)}" for s in page.sources]
    lines += [f"generated: {json.dumps(generated)}", f"generator: {json.dumps(generator)}", f"topic: {page.topic}"]
    if page.parts:  # a page split for size lists its sub-pages; each names the page it came from
        lines += ["parts:"] + [f"  - {json.dumps(p)}" for p in page.parts]
    if page.part_of:
        lines.append(f"part_of: {json.dumps(page.part_of)}")
    lines += ["status: historical"] if page.historical else []  # its sources are all stale: a record, not current docs
    lines.append("---")
    return "\n".join(lines)


_STEP = re.compile(r"^(\s*)(\d{1,9})([.)])(?=\s)")


def _numbered(text: str, counters: dict[str, int]) -> str:
    """A numbered item's number continues its list's (a procedure merged from several sources, a
    source that numbers every step 1.): the first item's number starts it, as CommonMark reads it."""
    m = _STEP.match(text)
    if m is None:
        return text
    indent = m.group(1)
    for deeper in [k for k in counters if len(k) > len(indent)]:
        del counters[deeper]  # a nested list ended: its numbering starts again next time
    n = counters[indent] = counters[indent] + 1 if indent in counters else int(m.group(2))
    return f"{indent}{n}{m.group(3)}{text[m.end():]}"


def _indent(b) -> str:
    """The indentation a block after a list item keeps it inside the item with: a sentence's from
    its source (DraftBlock.indent), a block's from its first line ('' at the margin: the list ends)."""
    if b.kind == "sentence":
        return b.indent
    if b.kind in ("code", "table", "html", "quote"):
        return b.text[:len(b.text) - len(b.text.lstrip(" "))].rsplit("\n", 1)[-1]
    return ""


def render_page(page: DraftPage, generated: str, generator: str) -> str:
    labels: dict[Citation, int] = {}

    def marks(cs) -> str:
        return "".join(f"[^{labels.setdefault(c, len(labels) + 1)}]" for c in cs)

    out = [front_matter(page, generated, generator), "", f"# {page.title}"]
    for sec in page.sections:
        out += ["", f"{'#' * sec.level} {sec.heading}"]
        prev = None
        held: list[str] = []  # notes on a list item wait for the end of the list, so none breaks it
        counters: dict[str, int] = {}  # a list's step numbers by indent: merged procedures count on
        in_item = False  # the blocks since the last list item are all indented: what comes next may stay in it
        for b in sec.blocks:
            if b.kind == "note" and (held or (prev is not None and prev.kind == "list_item")):
                held.append("> " + b.text + marks(b.citations))
                continue
            if held and b.kind != "list_item":
                out += [x for n in held for x in ("", n)]
                held = []
                in_item = False  # the notes at the margin ended the list
            lead = _indent(b) if in_item else ""  # what keeps this block, and its Sources: line, in the item
            joined = prev is not None and prev.para == b.para and prev.kind == b.kind and b.kind in ("sentence", "list_item")
            if b.kind == "sentence":
                if joined:
                    out[-1] += " " + b.text + marks(b.citations)
                else:
                    out += ["", lead + b.text + marks(b.citations)]
            elif b.kind == "list_item":
                if not joined and not (in_item and prev.kind != "list_item"):
                    counters.clear()  # a new list numbers from its own first item (not one after blocks inside an item)
                item = _numbered(b.text, counters) + marks(b.citations)
                if joined:
                    out.append(item)
                else:
                    out += ["", item]
            elif b.kind == "note":
                out += ["", "> " + b.text + marks(b.citations)]
            elif b.with_intro or b.with_outro:  # the citation of the sentence before or after spans it (checks/claims.py)
                out += ["", b.text]
            else:
                out += ["", b.text, "", lead + "Sources: " + " ".join(marks([c]) for c in b.citations)]
            in_item = b.kind == "list_item" or (in_item and bool(lead)) or (in_item and joined)
            prev = b
        out += [x for n in held for x in ("", n)]
    out += ["", f"## {SOURCES_HEADING}", ""]
    for c, n in labels.items():
        out.append(definition(n, Ref(c.doc, c.start, c.end, c.chunk)))
    return "\n".join(out) + "\n"
