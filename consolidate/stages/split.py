"""Split: a drafted page over `draft.max_page_words` becomes a parent page and sub-pages.

The split runs after drafting, along the outline the drafter merged (its sections and their
heading levels), not at plan time by the words of the planned chunks: only the drafted page
knows what merging left (repeats said once, sections of several sources joined), so a plan-time
estimate would split pages that merging brings under the bound, and could put two copies of one
statement, or two sides of one disagreement, on different pages before they were merged.

The parent keeps the page's slug, title and opening section (`Overview`), and lists its
sub-pages (front matter `parts`; a `## Contents` list whose items are each only a link to a part,
labelled with that part's title: the checker reads them as navigation, not claims). Old paths
and redirects keep pointing at the parent. Sections are packed greedily in outline order: whole
top-level branches (a `##` section with the sections under it) while they fit; a branch over the
bound is split the same way one level down; a merged section over the bound is cut between the
source sections it merges (`Heading (k of n)`). A single source section is never cut: one over
the bound stays whole on its page and is reported (`oversized-section`). Links to a section's
anchor, from any page, are rewritten to the part that now holds it (its first piece); a pointer
to an owner section (merge/owners.py) to the part holding the owner statement it stands for
(`DraftBlock.points_to`). Pure and deterministic.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from pydantic import ValidationError

from consolidate.checks.navigation import SEE
from consolidate.errors import UsageError
from consolidate.markdown.links import INLINE, mask_code_spans
from consolidate.records import Conflict, DraftBlock, DraftPage, DraftSection, Finding, PagePlan, Plan, page_link, page_target
from consolidate.stages.draft import section_anchors
from consolidate.stages.plan import check_entry, slugify
from consolidate.units import INTRO

CONTENTS = "Contents"


@dataclass(frozen=True)
class Split:
    """A page that was split: its parts' plans (slug, title, cited chunks and sources) and its size."""
    page: str  # parent file
    words: int
    parts: tuple[PagePlan, ...]

    def as_json(self) -> dict:
        return {"page": self.page, "words": self.words, "parts": [p.file for p in self.parts]}


def words(section: DraftSection) -> int:
    return sum(len(b.text.split()) for b in section.blocks)


def _groups(levels: list[int], sizes: list[int], lo: int, hi: int, bound: int) -> list[tuple[int, int]]:
    """Sections lo..hi-1 in consecutive ranges of at most `bound` words where the outline allows:
    whole branches at the range's top level, a branch over the bound split one level down."""
    items = _items(levels, lo, hi)
    if len(items) == 1 and hi - lo > 1:  # one branch: its head alone, then the branches under it
        items = [(lo, lo + 1)] + _items(levels, lo + 1, hi)
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for a, b in items:
        n = sum(sizes[a:b])
        if n > bound and b - a > 1:
            if cur:
                out.append(cur)
                cur = None
            out += _groups(levels, sizes, a, b, bound)
        elif cur and sum(sizes[cur[0]:cur[1]]) + n <= bound:
            cur = (cur[0], b)
        else:
            if cur:
                out.append(cur)
            cur = (a, b)
    if cur:
        out.append(cur)
    return out


def _items(levels: list[int], lo: int, hi: int) -> list[tuple[int, int]]:
    top = min(levels[lo:hi])
    cuts = [k for k in range(lo, hi) if k == lo or levels[k] == top]
    return list(zip(cuts, cuts[1:] + [hi]))


def _cited_docs(sections, order: tuple[str, ...]) -> tuple[str, ...]:
    docs = {c.doc for s in sections for b in s.blocks for c in b.citations}
    return tuple(d for d in order if d in docs) + tuple(sorted(docs - set(order)))


def _cited_chunks(sections) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.chunk for s in sections for b in s.blocks for c in b.citations))


def _lines(blocks) -> set[tuple[str, int]]:
    return {(c.doc, n) for b in blocks for c in b.citations for n in range(c.start, c.end + 1)}


def _conflicts_of(conflicts: tuple[Conflict, ...], pages: list[DraftPage]) -> list[list[Conflict]]:
    """Each conflict goes to the page with a note that cites two of its sides (the page says so), else
    to one that shows all its sides, else to each that shows one; one no page shows stays on the parent."""
    shown = [_lines(b for s in p.sections for b in s.blocks) for p in pages]
    noted: dict[tuple[str, int], set[tuple[int, int]]] = defaultdict(set)  # (doc, line) -> (page, note) citing it
    for i, p in enumerate(pages):
        for k, b in enumerate(b for s in p.sections for b in s.blocks if b.kind == "note"):
            for key in _lines([b]):
                noted[key].add((i, k))
    out: list[list[Conflict]] = [[] for _ in pages]
    for c in conflicts:
        live = [s for s in c.sides if not s.stale]
        notes = Counter(n for s in live for n in set().union(*(noted.get((s.doc, x), set())
                                                               for x in range(s.start, s.end + 1))))
        counts = [sum(any((s.doc, x) in lines for x in range(s.start, s.end + 1)) for s in live) for lines in shown]
        home = (sorted(i for (i, _), n in notes.items() if n >= 2)[:1]
                or [i for i, n in enumerate(counts) if n == len(live)][:1]
                or [i for i, n in enumerate(counts) if n] or [0])
        for i in home:
            out[i].append(c)
    return out


def _pieces(sec: DraftSection, bound: int) -> list[DraftSection]:
    """A merged section over the bound, cut between the runs of blocks of one source section (a block
    keeps the other sides of its conflict and the notes after it), runs packed up to the bound; a run
    over it, a single source section, stays whole."""
    runs: list[tuple[str | None, list[DraftBlock]]] = []
    for b in sec.blocks:
        doc = b.citations[0].doc if b.citations else None
        if runs and (b.para <= 0 or b.kind == "note" or doc == runs[-1][0]):
            runs[-1][1].append(b)
        else:
            runs.append((doc, [b]))
    pieces: list[list[DraftBlock]] = []
    size = 0
    for _, blocks in runs:
        n = sum(len(b.text.split()) for b in blocks)
        if pieces and size + n <= bound:
            pieces[-1] += blocks
            size += n
        else:
            pieces.append(list(blocks))
            size = n
    return [sec.model_copy(update={"blocks": tuple(p)}) for p in pieces]


def _part_title(page: DraftPage, sections: list[DraftSection], piece: tuple[int, int] | None) -> str:
    top = min(s.level for s in sections)
    heads = [s.heading for s in sections if s.level == top]
    first = heads[0] + (f" ({piece[0]} of {piece[1]})" if piece else "")
    return f"{page.title}: {first}" + (f" – {heads[-1]}" if len(heads) > 1 else "")


def _unique(base: str, taken: set[str]) -> str:
    base = base[:100].rstrip("-.") or "part"
    slug, k = base, 2
    while slug.lower() in taken:
        suffix = f"-{k}"
        slug, k = base[:100 - len(suffix)].rstrip("-.") + suffix, k + 1
    taken.add(slug.lower())
    return slug


def split_page(page: DraftPage, bound: int, taken: set[str]
               ) -> tuple[list[DraftPage], Split | None, list[Finding], dict[str, tuple[str, str]]]:
    """[page] when it is within the bound (or cannot be split), else [parent, part, ...]; findings name
    each single source section over the bound; the last value maps each anchor of the page to the
    (file, anchor) its section moved to. taken: lower-cased slugs in use (parts' slugs are added)."""
    name = page.file
    sizes = [words(s) for s in page.sections]
    if not bound or sum(sizes) <= bound or not page.sections:
        return [page], None, _oversized(name, list(page.sections), [None] * len(page.sections), bound), {}
    secs: list[DraftSection] = []
    origin: list[int] = []  # the page's section each one is (a piece of)
    piece: list[tuple[int, int] | None] = []
    for i, (s, n) in enumerate(zip(page.sections, sizes)):
        ps = _pieces(s, bound) if n > bound else [s]
        for k, p in enumerate(ps, start=1):
            secs.append(p)
            origin.append(i)
            piece.append((k, len(ps)) if len(ps) > 1 else None)
    findings = _oversized(name, secs, piece, bound)
    intro = 1 if secs[0].heading == INTRO else 0
    if len(secs) - intro < 1 or (intro == 0 and len(secs) == 1):
        return [page], None, findings, {}
    ranges = _groups([s.level for s in secs], [words(s) for s in secs], intro, len(secs), bound)
    if len(ranges) == 1 and not intro:
        return [page], None, findings, {}
    parts: list[DraftPage] = []
    for a, b in ranges:
        group = secs[a:b]
        shift = min(s.level for s in group) - 2
        group = [s.model_copy(update={"level": s.level - shift}) for s in group]
        slug = _unique(f"{page.slug}-{slugify(group[0].heading)}", taken)
        parts.append(page.model_copy(update={
            "slug": slug, "title": _part_title(page, group, piece[a]), "sources": _cited_docs(group, page.sources),
            "sections": tuple(group), "conflicts": (), "dropped": (), "part_of": name,
            "assets": tuple((rel, src) for rel, src in page.assets
                            if any(rel in blk.text for s in group for blk in s.blocks))}))
    nav = DraftSection(heading=CONTENTS, level=2, blocks=tuple(
        DraftBlock(kind="list_item", text=f"- [{p.title}]({p.slug}.md)", citations=(), para=-1) for p in parts))
    kept = secs[:intro]
    parent = page.model_copy(update={
        "sections": tuple(kept) + (nav,), "parts": tuple(p.file for p in parts),
        "sources": _cited_docs(kept, page.sources),
        "assets": tuple((rel, src) for rel, src in page.assets if any(rel in blk.text for s in kept for blk in s.blocks))})
    family = [parent] + parts
    family = [p.model_copy(update={"conflicts": tuple(mine)}) for p, mine in zip(family, _conflicts_of(page.conflicts, family))]
    info = Split(name, sum(sizes), tuple(PagePlan(slug=p.slug, section=p.section, title=p.title, topic=p.topic,
                                                  chunk_ids=_cited_chunks(p.sections), sources=p.sources)
                                         for p in family[1:]))
    members = [list(range(intro))] + [list(range(a, b)) for a, b in ranges]
    return family, info, findings, _anchor_moves(page, family, members, origin)


def _oversized(name: str, secs: list[DraftSection], piece: list, bound: int) -> list[Finding]:
    return [Finding(severity="warning", kind="oversized-section", page=name, line=None,
                    message=f"{name}: section {s.heading!r}" + (f" (piece {k[0]} of {k[1]})" if k else "")
                            + f" holds {n} words from one source section, over draft.max_page_words={bound}; "
                              "a single source section is kept whole on one page")
            for s, k in zip(secs, piece) if bound and (n := words(s)) > bound]


def _anchor_moves(page: DraftPage, family: list[DraftPage], members: list[list[int]],
                  origin: list[int]) -> dict[str, tuple[str, str]]:
    """Old anchor on the page -> (file, anchor) where its section (its first piece) now stands."""
    old = section_anchors(page.title, [s.heading for s in page.sections])
    where: dict[int, tuple[str, str]] = {}
    for p, idx in zip(family, members):
        for j, a in zip(idx, section_anchors(p.title, [s.heading for s in p.sections])):
            where.setdefault(origin[j], (p.file, a))
    return {a: where[i] for i, a in enumerate(old) if i in where}


_TARGET = re.compile(r"^([^#]*)#(.*)$")


def _rewrite_text(text: str, here: str, moves: dict[str, dict[str, tuple[str, str]]], family_of: dict[str, str]) -> str:
    masked = mask_code_spans(text)
    out, last = [], 0
    for m in INLINE.finditer(masked):
        if m.group(3) is None:
            continue
        s, e = m.start(3), m.end(3)
        t = _TARGET.match(text[s:e])
        if not t:
            continue
        dest, anchor = t.group(1), t.group(2)
        page = page_target(here, dest) if dest else family_of.get(here, here)
        if not dest and here not in family_of:
            continue
        hit = moves.get(page, {}).get(anchor)
        if hit is None:
            continue
        file, new = hit
        out += [text[last:s], f"#{new}" if file == here else f"{page_link(here, file)}#{new}"]
        last = e
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def split_pages(drafts: list[DraftPage], bound: int, reserved: set[str]) -> tuple[list[DraftPage], list[Split], list[Finding]]:
    """Every page over `bound` words split (parts right after their parent); links to moved sections
    rewritten on every page. reserved: the plan's slugs (a part never takes one)."""
    taken = {s.lower() for s in reserved}
    out: list[DraftPage] = []
    splits: list[Split] = []
    findings: list[Finding] = []
    moves: dict[str, dict[str, tuple[str, str]]] = {}
    family_of: dict[str, str] = {}
    for d in drafts:
        family, info, fs, moved = split_page(d, bound, taken)
        out += family
        findings += fs
        if info is not None:
            splits.append(info)
            moves[info.page] = moved
            family_of |= {p.file: info.page for p in family}
    if not moves:
        return out, splits, findings

    held = _held_at([p for p in out if p.file in family_of], family_of)

    def fix(p: DraftPage) -> DraftPage:
        here = p.file
        secs = tuple(s.model_copy(update={"blocks": tuple(
            b if b.kind == "code" else b.model_copy(update={"text": _pointer(b, here, held) or _rewrite_text(b.text, here, moves, family_of)})
            for b in s.blocks)}) for s in p.sections)
        return p.model_copy(update={"sections": secs})

    return [fix(p) for p in out], splits, findings


def _held_at(family: list[DraftPage], family_of: dict[str, str]) -> dict[tuple[str, str], list[tuple[int, int, str, str, str]]]:
    """(split page, doc) -> (start, end, file, anchor, heading) of every citation on its parent and
    parts: where each statement of a split page now stands."""
    out: dict[tuple[str, str], list[tuple[int, int, str, str, str]]] = defaultdict(list)
    for p in family:
        for sec, anchor in zip(p.sections, section_anchors(p.title, [s.heading for s in p.sections])):
            for b in sec.blocks:
                for c in b.citations:
                    out[(family_of[p.file], c.doc)].append((c.start, c.end, p.file, anchor, sec.heading))
    return out


def _pointer(b: DraftBlock, here: str, held: dict[tuple[str, str], list[tuple[int, int, str, str, str]]]) -> str:
    """A pointer to an owner section of a split page (merge/owners.py) rewritten to the part that now
    holds the owner statement it stands for, under the heading the pointer names: the split may have
    cut that section in pieces across parts, and only the statement says which ('' when b is no such
    pointer, or the statement is not found there: the section's first piece, as for any link)."""
    m = SEE.search(b.text) if b.points_to else None
    if m is None:
        return ""
    label, dest = m.group(1), m.group(2)
    target = page_target(here, dest) if dest else here
    c = b.points_to[0]
    at = next(((file, anchor) for start, end, file, anchor, heading in held.get((target, c.doc), ())
               if start <= c.start and c.end <= end and heading == label), None)
    if at is None:
        return ""
    file, anchor = at
    link = f"#{anchor}" if file == here else f"{page_link(here, file)}#{anchor}"
    return b.text[:m.start(2)] + link + b.text[m.end(3):]


def part_details(details: dict[str, dict], splits: list[Split]) -> None:
    """report.json page_details of each part: drafted as its parent was (backend, reason, model), and part_of."""
    for s in splits:
        parent = details.get(s.page, {})
        for p in s.parts:
            details.get(p.file, {}).update({k: parent[k] for k in ("backend", "reason", "model") if k in parent}
                                                    | {"part_of": s.page})
        if s.page in details:
            details[s.page]["parts"] = [p.file for p in s.parts]


def lists_parts(text: str) -> bool:
    """A page's text (a kept review decision) is the parent of a split page: its front matter lists parts."""
    return "\nparts:\n" in text.split("\n---\n", 1)[0] if text.startswith("---\n") else False


def load_splits(data, source: str) -> list[Split]:
    """plan.json `split` as a run wrote it; each part's slug is checked like a plan's (it names a file)."""
    if data is None:
        return []
    try:
        out = [Split(str(s["page"]), int(s["words"]), tuple(PagePlan.model_validate(p) for p in s["plans"])) for s in data]
    except (TypeError, KeyError, ValueError, ValidationError) as exc:
        raise UsageError(f"{source}: \"split\" is not as a run writes it ({str(exc).splitlines()[0]}); "
                         "rerun `consolidate draft` to rewrite it")
    for i, s in enumerate(out):
        for j, p in enumerate(s.parts):
            check_entry(p, f"{source}: split[{i}].plans[{j}]")
    return out


def expand_plan(plan: Plan, splits: list[Split]) -> Plan:
    """The plan with each split page's parts right after it (what the review app, publish and the
    page order read); redirects unchanged: old paths lead to the parent."""
    parts = {s.page: s.parts for s in splits}
    pages = []
    for p in plan.pages:
        pages.append(p)
        pages += parts.get(p.file, [])
    return plan.model_copy(update={"pages": tuple(pages)})


def splits_json(splits: list[Split]) -> list[dict]:
    """plan.json and report.json `split`: each split page, its words and parts (with their plans)."""
    return [s.as_json() | {"plans": [p.model_dump(mode="json") for p in s.parts]} for s in splits]
