"""Render a DraftPage to markdown with footnote citations and a sources list."""

from __future__ import annotations

import json

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
    lines.append("---")
    return "\n".join(lines)


def render_page(page: DraftPage, generated: str, generator: str) -> str:
    labels: dict[Citation, int] = {}

    def marks(cs) -> str:
        return "".join(f"[^{labels.setdefault(c, len(labels) + 1)}]" for c in cs)

    out = [front_matter(page, generated, generator), "", f"# {page.title}"]
    for sec in page.sections:
        out += ["", f"{'#' * sec.level} {sec.heading}"]
        prev = None
        for b in sec.blocks:
            joined = prev is not None and prev.para == b.para and prev.kind == b.kind and b.kind in ("sentence", "list_item")
            if b.kind == "sentence":
                if joined:
                    out[-1] += " " + b.text + marks(b.citations)
                else:
                    out += ["", b.text + marks(b.citations)]
            elif b.kind == "list_item":
                item = b.text + marks(b.citations)
                if joined:
                    out.append(item)
                else:
                    out += ["", item]
            elif b.kind == "note":
                out += ["", "> " + b.text + marks(b.citations)]
            else:
                out += ["", b.text, "", "Sources: " + " ".join(marks([c]) for c in b.citations)]
            prev = b
    out += ["", f"## {SOURCES_HEADING}", ""]
    for c, n in labels.items():
        out.append(definition(n, Ref(c.doc, c.start, c.end, c.chunk)))
    return "\n".join(out) + "\n"
