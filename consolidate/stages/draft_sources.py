"""What a model drafting a page is given and how its reply maps back to source lines.

A page job holds the page's chunks (near-duplicate chunks merged: the kept one stands for the
others, which are cited along with it), the conflicts the extractive merge finds between its
sources, and the units (sentences, items, code, tables) of each chunk, used to narrow a model
citation from a whole chunk to the lines that hold the block's words and facts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from consolidate.checks import facts as F
from consolidate.dedupe import jaccard, normalise, shingles
from consolidate.linkmap import LinkResolver
from consolidate.markdown.links import INLINE, mask_code_spans
from consolidate.records import Chunk, Citation, Document, Finding, PagePlan, Plan
from consolidate.checks.conflicts import find_conflicts
from consolidate.records import Conflict
from consolidate.merge.statements import block_key, merge_units
from consolidate.units import Unit, units_of_chunk

DUP_CHUNK_SIM = 0.8


class ModelBlock(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["sentence", "list_item", "code", "table", "note"]
    text: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1)


class ModelSection(BaseModel):
    model_config = ConfigDict(extra="ignore")
    heading: str = Field(min_length=1)
    blocks: list[ModelBlock] = Field(min_length=1)


class ModelPage(BaseModel):
    """The structure a model returns for a page (or one part of a page)."""

    model_config = ConfigDict(extra="ignore")
    sections: list[ModelSection] = Field(min_length=1)


SCHEMA = ModelPage.model_json_schema()


@dataclass
class PageJob:
    plan: PagePlan
    chunks: list[Chunk]  # kept chunks, reading order
    aliases: dict[str, list[Chunk]]  # kept chunk id -> near-duplicate chunks it stands for
    conflicts: list[tuple[Unit, Unit]]
    units: dict[str, list[Unit]] = field(default_factory=dict)  # chunk id -> units
    others: list[Conflict] = field(default_factory=list)  # settings, versions, negations (checks/conflicts.py)

    @property
    def file(self) -> str:
        return self.plan.file

    def ids(self) -> set[str]:
        return {c.id for c in self.chunks}


def page_jobs(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]],
              stale: frozenset = frozenset()) -> list[PageJob]:
    """stale: documents whose text is left out of the prompt (unless a page has nothing else);
    their conflicts with the others are still given to the model."""
    by_id = {c.id: c for c in chunks}
    doc_by = {d.path: d for d in docs}
    jobs = []
    for p in plan.pages:
        every = [by_id[cid] for cid in p.chunk_ids]
        members = [c for c in every if c.doc not in stale] or every
        kept: list[tuple[Chunk, frozenset, tuple]] = []
        aliases: dict[str, list[Chunk]] = {}
        for c in members:
            sh, fk = shingles(c.text), F.fact_key(c.text)
            twin = next((k for k, ksh, kfk in kept if kfk == fk and jaccard(sh, ksh) >= DUP_CHUNK_SIM), None)
            if twin is not None:
                aliases.setdefault(twin.id, []).append(c)
            else:
                kept.append((c, sh, fk))
        units = {c.id: units_of_chunk(c, doc_by[c.doc], texts[c.doc])[0] for c in members}
        merged = [u for c in members for u in units_of_chunk(c, doc_by[c.doc], texts[c.doc])[0]]
        _, _, conflicts = merge_units(merged)
        every_unit = [u for c in every for u in units_of_chunk(c, doc_by[c.doc], texts[c.doc])[0]]
        jobs.append(PageJob(p, [k for k, _, _ in kept], aliases, conflicts, units,
                            find_conflicts(every_unit, (), stale)))
    return jobs


def split_parts(job: PageJob, budget: int, chunks: list[Chunk] | None = None) -> list[list[Chunk]]:
    """The page's chunks (or these of them) in reading order, in parts whose source tokens fit `budget`."""
    parts: list[list[Chunk]] = [[]]
    used = 0
    for c in job.chunks if chunks is None else chunks:
        if parts[-1] and used + c.tokens > budget:
            parts.append([])
            used = 0
        parts[-1].append(c)
        used += c.tokens
    return parts


def by_section(chunks: list[Chunk]) -> list[list[Chunk]]:
    """llm.mode = sections: the chunks grouped by the top section (below the title) they sit under,
    in the order the sections first appear; each group is one request."""
    groups: dict[str, list[Chunk]] = {}
    for c in chunks:
        path = c.heading_path[1:] or c.heading_path
        groups.setdefault(" ".join(path[0].lower().split()) if path else "", []).append(c)
    return list(groups.values())


def _attr(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def source_block(c: Chunk, aliases: list[Chunk]) -> str:
    body = re.sub(r"</(source)", r"<\\/\1", c.text, flags=re.I)  # a source cannot close its own tag
    same = "".join(f"\n(the same passage also appears in {a.doc}:{a.start}-{a.end})" for a in aliases)
    return (f'<source id="{c.id}" doc="{_attr(c.doc)}" lines="{c.start}-{c.end}" '
            f'section="{_attr(" / ".join(c.heading_path))}">\n{body}{same}\n</source>')


def prompt_values(job: PageJob, part: list[Chunk], index: int, total: int, schema_text: str) -> dict[str, str]:
    ids = {c.id for c in part}
    plan = "\n".join(f"- {' > '.join(c.heading_path) or job.plan.title} ({c.doc}:{c.start}-{c.end}) [{c.id}]" for c in part)
    conflicts = [] if job.others else [  # `others`, when the drafter filled it, already holds these pairs
        f'- [{a.chunk}] {a.doc}:{a.start}-{a.end} says "{a.text}" but [{b.chunk}] {b.doc}:{b.start}-{b.end} '
        f'says "{b.text}"' for a, b in job.conflicts if a.chunk in ids or b.chunk in ids]
    return {
        "title": job.plan.title,
        "part": (f"This is part {index + 1} of {total} of the page: draft only the passages below; the other parts "
                 "are drafted separately.") if total > 1 else "",
        "plan": plan,
        "sources": "\n\n".join(source_block(c, job.aliases.get(c.id, [])) for c in part),
        "conflicts": "\n".join(conflicts + [_conflict_line(c) for c in job.others
                                             if any(x.chunk in ids for x in c.sides)]) or "(none found)",
        "schema": schema_text,
    }


def _conflict_line(c: Conflict) -> str:
    sides = " but ".join(f'[{x.chunk}] {x.doc}:{x.start}-{x.end}{" (a stale source)" if x.stale else ""} says "{x.text}"'
                         for x in c.sides)
    return f"- {c.subject}: {sides}"


def _words(text: str) -> set[str]:
    return set(normalise(text).split())


def narrow(text: str, chunk: Chunk, units: list[Unit], lines: list[str]) -> list[Citation]:
    """Citations for `text` inside `chunk`: the units sharing most of its words, plus any unit holding
    a fact of the text that those lack. The whole chunk when no unit matches well."""
    whole = [Citation(chunk=chunk.id, doc=chunk.doc, start=chunk.start, end=chunk.end)]
    words = _words(text)
    if not units or not words:
        return whole

    def score(u: Unit) -> float:
        uw = _words(u.text)
        return len(words & uw) / max(1, len(words | uw))

    best = max(units, key=lambda u: (score(u), -u.start))
    if score(best) < 0.2:
        return whole
    chosen = [best]

    def span(u: Unit) -> str:
        return F.normalise_span("\n".join(lines[u.start - 1:u.end]))

    for fact in F.extract(text):
        if any(F.contains(span(u), fact) for u in chosen):
            continue
        holder = next((u for u in units if F.contains(span(u), fact)), None)
        if holder is None:
            return whole  # the fact is not in one unit: cite the chunk and let the checker judge
        chosen.append(holder)
    return sorted({Citation(chunk=u.chunk, doc=u.doc, start=u.start, end=u.end) for u in chosen},
                  key=lambda c: (c.doc, c.start, c.end))


def verbatim(kind: str, text: str, units: list[Unit]) -> str:
    """A code block or table as its source has it (fences included) when the model's text is in one."""
    want = block_key(re.sub(r"^```[^\n]*\n|\n?```\s*$", "", text.strip()))
    for u in units:
        if u.kind == kind and want and want in block_key(u.text):
            return u.text
    if kind == "code" and not text.lstrip().startswith("```"):
        return f"```\n{text.strip()}\n```"
    return text


class LinkFixer:
    """Rewrites links in model text (relative to the cited source) to the pages that now hold their targets."""

    def __init__(self, docs: list[Document], plan: Plan, site_root: Path | None = None):
        self.resolver = LinkResolver(docs, site_root)
        self.plan = plan

    def __call__(self, text: str, src: str, page_file: str, line: int, findings: list[Finding],
                 assets: dict[str, str]) -> str:
        masked = mask_code_spans(text)
        out, last = [], 0
        for m in INLINE.finditer(masked):
            bang, label, target = m.group(1), m.group(2), m.group(3)
            r = self.resolver.resolve(src, target)
            if r.kind in ("external", "outside", "site"):  # outside links: the checker reports them on the page
                rep = text[m.start():m.end()]
            elif r.kind == "asset":
                rel = f"assets/{hashlib.sha1(r.asset.encode()).hexdigest()[:8]}-{PurePosixPath(r.asset).name}"
                assets[rel] = r.asset
                rep = f"{bang}[{label}]({rel})"
            else:
                dest = (self.plan.redirects.get(r.doc) or [""])[0] if r.kind == "doc" else ""
                if not dest:
                    findings.append(Finding(severity="warning", kind="dead-link", page=page_file, line=line,
                                            message=f"{src}: model draft links to {target!r}, which resolves to no "
                                                    "page or URL; kept its text only"))
                rep = f"{bang}[{label}]({dest})" if dest and dest != page_file else label
            out += [text[last:m.start()], rep]
            last = m.end()
        out.append(text[last:])
        return "".join(out)
