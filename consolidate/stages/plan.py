"""Plan: one target page per topic, and the old -> new map that covers every input document."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from pydantic import ValidationError

from consolidate.errors import UsageError
from consolidate.records import Alias, Chunk, Document, Finding, PagePlan, Plan, Topic
from consolidate.stages import sections

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SLUG_RULE = "a slug is a page's file name: 1-100 letters, digits, '-', '_' or '.', starting with a letter or digit (no '/')"
GENERIC = {"overview", "introduction", "index", "readme", "home", "contents", "table of contents"}


def slugify(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:60].rstrip("-") or "page"


def _rank(chunk_ids, by_id: dict[str, Chunk], stale: frozenset) -> list[str]:
    """Documents of a topic, the one holding most of it first; stale or point-in-time sources
    (a dated verification report) last, so they never name or lead a page of current docs."""
    weight: Counter[str] = Counter()
    for cid in chunk_ids:
        weight[by_id[cid].doc] += by_id[cid].tokens
    return [d for d, _ in sorted(weight.items(), key=lambda kv: (kv[0] in stale, -kv[1], kv[0]))]


def _title(topic: Topic, by_id: dict[str, Chunk], docs: dict[str, Document], stale: frozenset = frozenset()) -> str:
    for doc in _rank(topic.chunk_ids, by_id, stale):
        t = docs[doc].title.strip()
        if t and t.lower() not in GENERIC:
            return t
    return topic.label.replace(" · ", ", ").capitalize()


def reading_order(chunk_ids: list[str], by_id: dict[str, Chunk], stale: frozenset = frozenset()) -> list[str]:
    """The document holding most of the topic first, then the others by size; lines in order."""
    rank = {d: i for i, d in enumerate(_rank(chunk_ids, by_id, stale))}
    return sorted(chunk_ids, key=lambda cid: (rank[by_id[cid].doc], by_id[cid].start))


def redirects_for(pages: list[PagePlan], by_id: dict[str, Chunk], docs: list[Document]) -> dict[str, list[str]]:
    share: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pages:
        for cid in p.chunk_ids:
            c = by_id[cid]
            share[c.doc][p.file] += c.tokens
    return {d.path: [pg for pg, _ in sorted(share[d.path].items(), key=lambda kv: (-kv[1], kv[0]))] for d in docs}


def plan_pages(topics: list[Topic], chunks: list[Chunk], docs: list[Document], stale: frozenset = frozenset(),
               residue: frozenset = frozenset()) -> Plan:
    """One page per topic and stated audience (sections.split_by_audience). residue: documents
    written as instructions to a model (merge/residue.py); they are on no page (the ledger drops
    their lines as `draft-residue`), and a topic of nothing else makes no page."""
    by_id = {c.id: c for c in chunks}
    doc_by = {d.path: d for d in docs}
    pages, used = [], set()
    for t in topics:
        if residue:
            t = t.model_copy(update={"chunk_ids": tuple(c for c in t.chunk_ids if by_id[c].doc not in residue)})
            if not t.chunk_ids:
                continue
        for group in sections.split_by_audience(t.chunk_ids, by_id, doc_by):
            part = t.model_copy(update={"chunk_ids": group})
            title = " ".join(_title(part, by_id, doc_by, stale).split())  # one line: it is the page's heading
            slug, k = slugify(title), 2
            while slug in used:
                slug, k = f"{slugify(title)}-{k}", k + 1
            used.add(slug)
            order = reading_order(list(group), by_id, stale)
            sources = tuple(dict.fromkeys(by_id[c].doc for c in order))
            pages.append(PagePlan(slug=slug, title=title, topic=t.id, chunk_ids=tuple(order), sources=sources,
                                  historical=bool(stale) and all(d in stale for d in sources)))
    pages = sections.infer(pages, doc_by)
    return Plan(pages=tuple(pages), redirects=redirects_for(pages, by_id, docs))


def plan_to_json(plan: Plan, split: list[dict] | None = None) -> dict:
    """split: the pages a run split for size (stages/split.py), recomputed by every run."""
    return {
        "about": "Edit pages (titles, slugs, sections, audiences, which chunks go where, their order) and rerun with "
                 "`consolidate run ... --plan plan.json`. Redirects are recomputed from the pages; "
                 "`split` (pages over draft.max_page_words and their parts) by every run. A page "
                 "marked historical has only stale sources: it records the past and is not current docs. "
                 "aliases: one thing under several names; the drafter's own words use `preferred`.",
        "pages": [p.model_dump(mode="json") for p in plan.pages],
        "redirects": plan.redirects,
        "aliases": [a.model_dump(mode="json") for a in plan.aliases],
    } | ({"split": split} if split else {})


def check_entry(p: PagePlan, where: str) -> None:
    """A slug becomes a file name and the title and topic lines of a page: nothing else may get in."""
    if not SLUG.fullmatch(p.slug):
        raise UsageError(f"{where}.slug {p.slug!r}: {SLUG_RULE}; fix it")
    for name in ("title", "topic"):
        value = getattr(p, name)
        if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
            raise UsageError(f"{where}.{name} {value!r}: must be one line of text (no line breaks or control characters); fix it")
    sections.check(p, where)


def _entry(model, value, at: str, source: str, fix: str):
    """One entry of plan.json read as `model`, or a one-line error naming where it is wrong."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"{source}: {'.'.join(map(str, (at,) + tuple(first['loc'])))}: {first['msg']}; {fix}")


def load_plan(data: dict, source: str, chunks: list[Chunk], docs: list[Document]) -> tuple[Plan, list[Finding]]:
    """Validate an edited plan against the current chunks; recompute redirects from its pages."""
    if not isinstance(data, dict) or not isinstance(data.get("pages", []), list):
        raise UsageError(f"{source}: \"pages\" must be a list of page entries inside a JSON object; "
                         "fix it or delete the file to re-plan")
    pages = []
    for i, p in enumerate(data.get("pages", [])):
        pages.append(_entry(PagePlan, p, f"pages[{i}]", source, "fix it or delete the file to re-plan"))
        check_entry(pages[-1], f"{source}: pages[{i}]")
    if not pages:
        raise UsageError(f"{source}: the plan has no pages; add at least one or delete the file to re-plan")
    by_id = {c.id: c for c in chunks}
    unknown = [cid for p in pages for cid in p.chunk_ids if cid not in by_id]
    if unknown:
        raise UsageError(f"{source}: {len(unknown)} chunk id(s) not in the current inputs (first: {unknown[0]}); "
                         "the sources changed since it was written: rerun `consolidate plan` and re-apply your edits")
    slugs = Counter(p.slug.lower() for p in pages)  # one file on a case-insensitive disk
    dup = [s for s, n in slugs.items() if n > 1]
    if dup:
        raise UsageError(f"{source}: slug {dup[0]!r} is used by more than one page; make slugs unique")
    placed = Counter(cid for p in pages for cid in p.chunk_ids)
    findings = []
    for c in chunks:
        if c.id not in placed:
            findings.append(Finding(severity="warning", kind="unplaced-chunk", page=c.doc, line=c.start,
                                    message=f"{c.doc}:{c.start}-{c.end} (chunk {c.id}) is in no page of {source}; its content is left out"))
    pages = [p.model_copy(update={"sources": tuple(dict.fromkeys(by_id[c].doc for c in p.chunk_ids))}) for p in pages]
    pages = sections.infer(pages, {d.path: d for d in docs})
    aliases = []
    if not isinstance(data.get("aliases", []), list):
        raise UsageError(f"{source}: \"aliases\" must be a list of {{preferred, aliases, sources}} entries; fix it or delete it")
    for i, a in enumerate(data.get("aliases", [])):
        aliases.append(_entry(Alias, a, f"aliases[{i}]", source, "fix it or delete the entry"))
    return Plan(pages=tuple(pages), redirects=redirects_for(pages, by_id, docs), aliases=tuple(aliases)), findings
