"""Draft, extractive: a merged page made only of source sentences and blocks, each cited.

Units are sentences (from paragraphs), list items, code blocks, tables, quotes and HTML blocks,
each with the exact lines it came from. Units are grouped into sections by the heading they sat
under (sections with the same heading in several sources merge). A unit that says the same as
an earlier one (same words, same facts) is not repeated; the kept one cites every source. Two
units that say the same thing with different facts (a number, a version, a path) are both kept,
side by side, with a note that the sources disagree, and a `conflict` finding is reported.
Links are rewritten through the old -> new map; links that leave the input set are kept as
they are (the checker reports them, `outside-link`); links to nothing are reduced to their
text and reported.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from consolidate.checks import facts as F
from consolidate.checks.support import content_words
from consolidate.dedupe import normalise
from consolidate.executors import Executor, LocalExecutor
from consolidate.linkmap import LinkResolver
from consolidate.markdown.links import INLINE, REFERENCE, mask_code_spans, norm_label
from consolidate.markdown.slugs import Slugger
from consolidate.markdown.unsafe import defuse, is_unsafe
from consolidate.checks.conflicts import find_conflicts, join_with_pairs
from consolidate.claims.aliases import heading_to_preferred
from consolidate.claims.settle import CONTEXT_DIFFERS
from consolidate.records import (Chunk, Conflict, Document, DraftBlock, DraftPage, DraftSection, Finding,
                                 PagePlan, Plan, page_link, page_target)
from consolidate.merge.notes import (PageNotes, fact_values, facts_of, own_subjects, pair_note, series, series_conflict,
                                    series_texts)
from consolidate.merge.residue import META, STATUS, section_reason, see_self, sentence_reason
from consolidate.merge.outline import align_headings, containers, group_sources, merged_order, outline_levels, renumber
from consolidate.merge.owners import LINKED_TO, Place, owners
from consolidate.merge.procedures import merge_procedures, now
from consolidate.merge.statements import merge_units, scope_repeated_sections, scoped_key
from consolidate.stages.page_memo import PageMemo
from consolidate.units import INTRO, Unit, units_of_chunk

@dataclass
class _PageBuild:
    plan: PagePlan
    sections: dict[str, list[Unit]]
    titles: dict[str, str]
    conflicts: tuple[Conflict, ...] = ()
    dropped: tuple[tuple[str, int, int, str], ...] = ()
    anchors: dict[str, str] | None = None  # section key -> its anchor on the page
    containers: dict[str, str] | None = None  # section key -> a heading shown right before it (merge/outline.containers)
    series: frozenset[str] = frozenset()  # statements a source gives a series of values of (merge/notes.series_texts)


class _Links:
    """Rewrites links in unit text through the old -> new map, collecting findings and assets."""

    def __init__(self, resolver: LinkResolver, docs: dict[str, Document], plan: Plan,
                 heading_home: dict[tuple[str, str], tuple[str, str]]):
        self.resolver, self.docs, self.plan, self.home = resolver, docs, plan, heading_home
        self.defs = {d.path: {norm_label(l.text): l.target for l in d.links if l.kind == "definition"} for d in docs.values()}

    def rewrite(self, u: Unit, page_file: str, findings: list[Finding], assets: dict[str, str]) -> str:
        if u.kind == "code":
            return u.text
        text = _defused(u, page_file, findings)
        if u.kind == "html":
            return text
        masked = mask_code_spans(text)

        def orig(m: re.Match, g: int) -> str:  # the group's text before code spans were masked
            return text[m.start(g):m.end(g)] if m.group(g) is not None else None

        def sub_inline(m: re.Match) -> str:
            return self._one(u, page_file, m.group(1) == "!", orig(m, 2), orig(m, 3), findings, assets)

        def sub_ref(m: re.Match) -> str:
            label = orig(m, 3) if m.group(3) else orig(m, 2)
            target = self.defs.get(u.doc, {}).get(norm_label(label))
            if target is None:
                return text[m.start():m.end()]
            return self._one(u, page_file, m.group(1) == "!", orig(m, 2), target, findings, assets)

        out, last = [], 0
        spans = [(m.start(), m.end(), sub_inline(m)) for m in INLINE.finditer(masked)]
        taken = [(s, e) for s, e, _ in spans]
        for m in REFERENCE.finditer(masked):
            if any(s <= m.start() < e for s, e in taken):
                continue
            rep = sub_ref(m)
            if rep != text[m.start():m.end()]:
                spans.append((m.start(), m.end(), rep))
        for s, e, rep in sorted(spans):
            out.append(text[last:s])
            out.append(rep)
            last = e
        out.append(text[last:])
        return "".join(out)

    def page_of(self, u: Unit, target: str) -> str | None:
        """The output page a link target of u's (no fragment) now leads to; None for any other link."""
        if not target:
            return None
        r = self.resolver.resolve(u.doc, target)
        pages = self.plan.redirects.get(r.doc) if r.kind == "doc" else None
        return pages[0] if pages else None

    def _one(self, u: Unit, page_file: str, image: bool, label: str, target: str,
             findings: list[Finding], assets: dict[str, str]) -> str:
        bang = "!" if image else ""
        if is_unsafe(target):  # a reference whose definition holds one
            findings.append(_unsafe_finding(u, page_file, target))
            return label
        r = self.resolver.resolve(u.doc, target)
        if r.kind == "external":
            return f"{bang}[{label}]({target})"
        if r.kind == "asset":
            name = PurePosixPath(r.asset).name
            rel = f"assets/{hashlib.sha1(r.asset.encode()).hexdigest()[:8]}-{name}"
            assets[rel] = r.asset
            return f"{bang}[{label}]({page_link(page_file, rel)})"
        if r.kind == "outside" and not target.startswith("/"):  # re-based: from the page's folder, where it led from the source's
            path, sep, rest = target.partition("#")
            return f"{bang}[{label}]({page_link(page_file, page_target(u.doc, path))}{sep}{rest})"
        if r.kind in ("outside", "site"):  # kept as it is; the checker reports outside links on the page
            return f"{bang}[{label}]({target})"
        if r.kind == "dead":
            findings.append(Finding(severity="warning", kind="dead-link", page=page_file, line=u.start,
                                    message=f"{u.doc}:{u.start}: link to {target!r} resolves to no input file or URL; kept its text only"))
            return label
        pages = self.plan.redirects.get(r.doc) or []
        dest, anchor = (pages[0] if pages else ""), ""
        if not r.anchor and (r.doc, "") in self.home:  # the source is one section of its page (merge/outline.group_sources)
            dest, anchor = self.home[(r.doc, "")]
        elif r.anchor:
            home = self.home.get((r.doc, r.anchor))
            if home:
                dest, anchor = home
            else:
                findings.append(Finding(severity="warning", kind="dead-anchor", page=page_file, line=u.start,
                                        message=f"{u.doc}:{u.start}: anchor #{r.anchor} does not exist in {r.doc}; linked to its page instead"))
        if not dest:
            findings.append(Finding(severity="warning", kind="dead-link", page=page_file, line=u.start,
                                    message=f"{u.doc}:{u.start}: link target {r.doc} has no page in the plan; kept its text only"))
            return label
        if dest == page_file:
            return f"{bang}[{label}](#{anchor})" if anchor else label
        return f"{bang}[{label}]({page_link(page_file, dest)}{'#' + anchor if anchor else ''})"


def _defused(u: Unit, page_file: str, findings: list[Finding]) -> str:
    """The unit's text with javascript:, vbscript:, data: and file: links reduced to their text."""
    text, removed = defuse(u.text, html_only=u.kind == "html")
    findings += [_unsafe_finding(u, page_file, t) for t in removed]
    return text


def _unsafe_finding(u: Unit, page_file: str, target: str) -> Finding:
    return Finding(severity="warning", kind="unsafe-link", page=page_file, line=u.start,
                   message=f"{u.doc}:{u.start}: link to {target[:80]!r} uses an unsafe scheme "
                           "(javascript, vbscript, data or file); kept its text only")


def section_anchors(title: str, section_titles: list[str]) -> list[str]:
    """Anchors of a rendered page's sections (h1 title first, then sections, then Sources)."""
    slugger = Slugger("github")
    slugger(title)
    return [slugger(t) for t in section_titles]


def draft_pages(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]],
                stale: frozenset = frozenset(), drop_stale: bool = True, site_root: Path | None = None,
                memo: PageMemo | None = None, editor=None, executor: Executor | None = None,
                ) -> tuple[list[DraftPage], list[Finding]]:
    """stale: documents found stale; with drop_stale their units are left out of pages that
    have other sources (listed in DraftPage.dropped), though their conflicts are still reported.
    site_root: the folder site-root routes are verified in (linkmap).
    memo: per-page results of an earlier run (stages/page_memo.py). A page's merge is reused when
    its plan entry, chunks, documents, the plan's aliases and the code are unchanged; the conflicts
    across pages and the owner pages of statements said on several pages are found again over
    every page's units; a page is rendered again unless its merge, its conflicts, its statements
    linked to their owner pages and the run's link context (documents, redirects, heading homes,
    aliases) are unchanged. editor: a model improving the merge one group at a time
    (stages/draft_edits.py), after conflicts are found; it needs every page rendered (no memo).
    executor: who maps the pages' own merges (consolidate/executors.py; default: this process,
    page after page); the plan-wide passes and the rendering run here."""
    memo = memo if memo is not None and editor is None else PageMemo(None)
    by_id = {c.id: c for c in chunks}
    doc_by = {d.path: d for d in docs}
    findings: list[Finding] = []
    builds: list[_PageBuild] = []
    keys: list[str] = []
    heading_home: dict[tuple[str, str], tuple[str, str]] = {}
    every: list[tuple[list[Unit], tuple[Conflict, ...]]] = []  # per page: its units (stale ones too), its noted pairs
    aliases = [a.model_dump(mode="json") for a in plan.aliases]
    for p in plan.pages:
        keys.append(memo.key("merge", p.model_dump(mode="json"), [by_id[c].model_dump(mode="json") for c in p.chunk_ids],
                             sorted({(by_id[c].doc, doc_by[by_id[c].doc].sha256, by_id[c].doc in stale) for c in p.chunk_ids}),
                             drop_stale, aliases))
    got = [memo.get("merge", key, p.file) for p, key in zip(plan.pages, keys)]
    todo = [p for p, hit in zip(plan.pages, got) if hit is None]
    made = iter((executor or LocalExecutor()).map(_merge_item, todo, (by_id, doc_by, texts, stale, drop_stale, plan.aliases)))
    for p, key, built in zip(plan.pages, keys, got):
        if built is None:
            built = next(made)
            memo.put("merge", key, built)
        build, members, homes, fs = built
        findings += fs
        for k, v in homes:
            heading_home.setdefault(k, v)
        every.append((members, build.conflicts))
        builds.append(build)
    # settings, versions, limits, absences and same-but-different statements across the whole plan:
    # two pages that contradict each other are as much a problem as one page that does
    # one disagreement is one conflict: a page's pairs join the plan's conflicts they belong to
    pairs = [c for _, paired in every for c in paired]
    known = {c.id for c in pairs}
    found, part_of = join_with_pairs(pairs, [c for c in find_conflicts([u for us, _ in every for u in us], (), stale,
                                                                       similar=True) if c.id not in known])
    names = {d.path: f"{d.title} {d.path.rsplit('/', 1)[-1].rsplit('.', 1)[0]}" for d in docs}
    # a value per month or version, or each page's own subject: shown, not noted
    found = [c for c in found if not series_conflict(c) and not own_subjects(c, names)]
    for b, (members, _) in zip(builds, every):
        own = {c.id: c for c in (part_of.get(p.id, p).model_copy(update={"resolution": "noted"}) for p in b.conflicts)}
        here = {(u.doc, u.start) for u in members}
        mine = [c for c in found if c.id not in own and any((x.doc, x.start) in here for x in c.sides)]
        b.conflicts = tuple(own.values()) + _attach_notes(mine, b.sections, findings, b.plan.file)
    sides = {(s.doc, s.start) for b in builds for c in b.conflicts for s in c.sides}
    sides |= {(s.doc, s.start) for c in found for s in c.sides}
    held: dict[int, list[Unit]] = {}  # a shown statement -> the units merged into it (they leave with it)
    for members, _ in every:
        for m in members:
            if (h := now(m)) is not m:
                held.setdefault(id(h), []).append(m)
    linked = owners([Place(b.plan.file, b.plan.title, b.sections, b.titles, b.anchors) for b in builds], sides,
                    lambda u: _after_intro(u, texts[u.doc]), lambda u: held.get(id(u), ()))
    context = memo.key("links", [(d.path, d.root, d.file) for d in docs], str(site_root), plan.redirects,
                       sorted(heading_home.items()), aliases)
    links = _Links(LinkResolver(docs, site_root), doc_by, plan, heading_home)
    pages = []
    for b, key, (members, _) in zip(builds, keys, every):
        page_file = b.plan.file
        if editor is not None:
            editor.page(page_file, members, b.sections)
        away = sorted((u.doc, u.start, u.end, to.page, to.anchor, to.heading)
                      for units in b.sections.values() for u in units if (to := linked.get(id(u))) is not None)
        rkey = memo.key("page", key, context, [c.model_dump(mode="json") for c in b.conflicts], away)
        done = memo.get("page", rkey, page_file)
        if done is None:
            done = _render_page(b, links, plan, texts, linked)
            if editor is not None:
                done = (done[0].model_copy(update=editor.outcome(page_file)), done[1])
            memo.put("page", rkey, done)
        pages.append(done[0])
        findings += done[1]
    memo.prune()
    return pages, findings


def _merge_item(shared: tuple, p: PagePlan):
    """_merge_page as an executor maps it: shared = (by_id, doc_by, texts, stale, drop_stale, aliases)."""
    return _merge_page(p, *shared)


def _merge_page(p: PagePlan, by_id: dict[str, Chunk], doc_by: dict[str, Document], texts: dict[str, list[str]],
                stale: frozenset, drop_stale: bool, aliases=()) -> tuple[_PageBuild, list[Unit], list, list[Finding]]:
    """One page's own merge: its units said once, in its outline, with the conflicts inside it.
    Returns the build, every unit (stale ones too), its headings' homes and its findings."""
    findings: list[Finding] = []
    units, heads = [], []
    for cid in p.chunk_ids:
        c = by_id[cid]
        us, hs = units_of_chunk(c, doc_by[c.doc], texts[c.doc])
        units.extend(us)
        heads.extend((c.doc, line, sec, above) for line, sec, above in hs)
    dropped = [u for u in units if u.doc in stale] if drop_stale else []
    if dropped and len(dropped) < len(units):
        units = [u for u in units if u.doc not in stale]
    else:
        dropped = []
    units, left_out = _without_residue(units, p.file, findings)
    for u in units:  # a section named like the page itself is the page's opening, not a sub-heading
        if normalise(u.section) == normalise(p.title):
            u.section, u.level = INTRO, 2
    repeated = scope_repeated_sections(units)
    renamed = align_headings(units)
    grouped, groups = group_sources(units, {d: doc_by[d].title for d in {u.doc for u in units}}, p.title)
    renamed |= grouped
    sections, titles, conflicts = merge_units(units, lambda u: _after_intro(u, texts[u.doc]))
    listed = series_texts(units)
    conflicts = [(k, o) for k, o in conflicts if not series(now(k), listed)]  # a series is shown, not noted
    titles = {k: heading_to_preferred(t, aliases) for k, t in titles.items()}  # headings are our words: the preferred term
    merge_procedures(units, sections)
    sections = merged_order(units, sections, groups)
    titles = renumber(titles, sections)
    paired = tuple(c.model_copy(update={"resolution": "noted"})
                   for c in find_conflicts([], conflicts, stale, facts_of=fact_values))
    for kept, other in conflicts:
        findings.append(Finding(severity="warning", kind="conflict", page=p.file, line=kept.start,
                                message=f"sources disagree: {kept.doc}:{kept.start}-{kept.end} says {facts_of(kept)} but "
                                        f"{other.doc}:{other.start}-{other.end} says {facts_of(other)}"))
    order = list(sections)
    heads_before = {k: heading_to_preferred(t, aliases) for k, t in containers(sections, p.title).items()}
    seq = [x for k in order for x in ([heads_before[k]] if k in heads_before else []) + [titles[k]]]
    slugs = iter(section_anchors(p.title, seq))
    anchors = {}
    for k in order:
        if k in heads_before:
            anchors[normalise(heads_before[k])] = next(slugs)  # links to that heading in a source land here
        anchors[k] = next(slugs)
    homes = []
    for doc, line, sec, above in heads:
        h = next((x for x in doc_by[doc].headings if x.line == line), None)
        key = scoped_key(sec, above if (doc, normalise(sec)) in repeated else "")
        key = renamed.get((doc, key), key)
        if h is not None:
            homes.append(((doc, h.anchor), (p.file, anchors.get(key, ""))))
    for (doc, _), key in sorted(grouped.items()):  # a link to a source shown as one section leads to that section
        homes.append(((doc, ""), (p.file, anchors.get(key, ""))))
    build = _PageBuild(p, sections, titles, paired, tuple((u.doc, u.start, u.end, "stale") for u in dropped) + left_out,
                       {k: a for k, a in anchors.items() if k in sections}, heads_before, listed)
    return build, units + dropped, homes, findings


def _render_page(b: _PageBuild, links: "_Links", plan: Plan, texts: dict[str, list[str]],
                 linked: dict) -> tuple[DraftPage, list[Finding]]:
    """A merged page as blocks: links rewritten, conflicts shown with their notes, statements said
    on their owner page replaced by a pointer to it (linked: id(unit) -> its owner place)."""
    findings: list[Finding] = []
    page_file = b.plan.file
    assets: dict[str, str] = {}
    shown: list[tuple[str, list[DraftBlock]]] = []
    notes = PageNotes(plan.aliases)
    pointers: list[tuple[str, int, int, str]] = []
    for key, units in b.sections.items():
        blocks: list[DraftBlock] = []
        para_ids: dict[tuple[str, int], int] = {}
        prev: Unit | None = None
        for u in units:
            if u.kind in ("sentence", "list_item") and not (u.conflicts or u.notes) \
                    and see_self(u.text, page_file, lambda t, u=u: links.page_of(u, t)):
                pointers += [(c.doc, c.start, c.end, META) for c in u.citations]  # "See X", X now this page
                prev = None
                continue
            pid = para_ids.setdefault(u.shown_in or u.para, len(para_ids) + 1)
            to = linked.get(id(u))
            if to is not None:  # said on its owner page: a pointer to it here (merge/owners.py)
                pointers += [(c.doc, c.start, c.end, LINKED_TO) for c in u.citations]
                see = _BULLET.match(u.text).group(0) if u.kind == "list_item" else ""
                see += f"See [{to.heading}]({page_link(page_file, to.page)}#{to.anchor})."
                owner = (to.cites,) if to.cites is not None else ()
                if blocks and blocks[-1].text == see:  # one pointer for consecutive statements said there
                    blocks[-1] = blocks[-1].model_copy(update={"points_to": blocks[-1].points_to + owner})
                else:
                    blocks.append(DraftBlock(kind=u.kind, text=see, citations=(),  # a sentence stands alone
                                             para=pid if u.kind == "list_item" else -1000 - len(blocks), points_to=owner))
                prev = None
                continue
            text = links.rewrite(u, page_file, findings, assets)
            if _continues(prev, u) and blocks and blocks[-1].para == pid:
                blocks[-1] = _extend(blocks[-1], u, text)
            elif _introduced(prev, u, blocks, texts):
                blocks[-1], block = _with_intro(blocks[-1], u, text, pid)
                blocks.append(block)
            elif _closes(u, blocks, texts):
                blocks[-1], block = _with_outro(blocks[-1], u, text, pid, texts)
                blocks.append(block)
            else:
                blocks.append(_block(u, text, pid, texts))
            prev = u if not (u.conflicts or u.notes) else None
            for other in u.conflicts:
                blocks.append(_block(other, links.rewrite(other, page_file, findings, assets), -len(blocks), texts))
            if u.conflicts and not series(u, b.series):
                blocks.append(pair_note(u, -len(blocks), plan.aliases, _joined_subject(u, b.conflicts),
                                        lambda c, own: _states(texts[c.doc][c.start - 1:c.end], own)))
            for c in u.notes:
                notes.add(c, blocks)
        shown.append((b.titles[key], blocks))
    out_sections = []
    before = b.containers or {}
    for key, (title, blocks), level in zip(b.sections, shown, outline_levels(b.sections, before)):
        if key in before:  # the heading its source had it under, with no text of its own
            out_sections.append(DraftSection(heading=before[key], blocks=(), level=max(2, level - 1)))
        out_sections.append(DraftSection(heading=title, blocks=tuple(blocks), level=level))
    return DraftPage(slug=b.plan.slug, section=b.plan.section, title=b.plan.title, topic=b.plan.topic,
                     sources=b.plan.sources, sections=tuple(out_sections), assets=tuple(sorted(assets.items())),
                     conflicts=b.conflicts, dropped=b.dropped + tuple(pointers)), findings


def _states(lines: list[str], values: list[str]) -> bool:
    """The span states every one of the values, as hard facts of its text."""
    said = {f.value.lower() for f in F.extract("\n".join(lines))}
    return all(v.lower() in said for v in values)


def _joined_subject(u: Unit, conflicts: tuple[Conflict, ...]) -> str:
    """The subject of the plan-wide conflict u's pair joined when it names the setting ("PostgreSQL
    minimum version"); '' when it joined none, its subject is only the opening words of a side
    (u's own words then say more), or it names a hard fact u does not state (a conflict joined
    through other sides: the note cites u's pair, whose spans must hold what it says)."""
    for c in conflicts:
        if c.kind == "value" and any((s.doc, s.start) == (u.doc, u.start) for s in c.sides):
            named = normalise(c.subject)
            if any(normalise(s.text).startswith(named) for s in c.sides) \
                    or not set(F.fact_keys(c.subject)[0]) <= set(F.fact_keys(u.text)[0]):
                return ""
            return c.subject
    return ""


_BULLET = re.compile(r"^\s*[-*+]\s+")


def _after_intro(u: Unit, lines: list[str]) -> bool:
    """u's source block follows a line ending in `:` (blank lines between): it is introduced there."""
    before = next((ln.strip() for ln in reversed(lines[:u.para[1] - 1]) if ln.strip()), "")
    return before.rstrip("*_ ").endswith(":")


def _without_residue(units: list[Unit], page_file: str, findings: list[Finding]) -> tuple[list[Unit], tuple]:
    """Sentences about the source page itself (`meta`), drafting residue (TODO notes, notes to
    editors, instructions to a model: `draft-residue`, also a warning) and sections that report a
    status when they were written (`status-report`, a warning per section) are left out of the
    page; the ledger gives their reason."""
    keep, left = [], []
    warned: set[tuple[str, str]] = set()
    for u in units:
        why = section_reason(u.section) or section_reason(u.parent_heading) or (
            sentence_reason(u.text) if u.kind in ("sentence", "list_item") else "")
        if not why:
            keep.append(u)
            continue
        left.append((u.doc, u.start, u.end, why))
        if why == STATUS and (u.doc, u.section) not in warned:
            warned.add((u.doc, u.section))
            findings.append(Finding(severity="warning", kind=STATUS, page=page_file, line=u.start,
                                    message=f"{u.doc}:{u.start}: a point-in-time status report left out of the page: "
                                            f"the section {u.section!r}"))
        if why == "draft-residue":
            findings.append(Finding(severity="warning", kind="draft-residue", page=page_file, line=u.start,
                                    message=f"{u.doc}:{u.start}: drafting residue left out of the page: {F.plain(u.text, 20)!r}"))
    return keep, tuple(left)


def _continues(prev: Unit | None, u: Unit) -> bool:
    """u is the sentence right after prev in the same source paragraph, and each cites only its own
    lines: the two share one citation of their joined lines, as a reader would want."""
    return (prev is not None and u.kind == prev.kind == "sentence" and u.para == prev.para
            and u.ordinal == prev.ordinal + 1 and u.chunk == prev.chunk
            and len(u.citations) == len(prev.citations) == 1)


def _extend(block: DraftBlock, u: Unit, text: str) -> DraftBlock:
    first = block.citations[0]
    return block.model_copy(update={"text": block.text + " " + text,
                                    "citations": (first.model_copy(update={"end": u.end}),)})


def _introduced(prev: Unit | None, u: Unit, blocks: list[DraftBlock], texts: dict[str, list[str]]) -> bool:
    """u, a code block, table, quote or HTML block, comes right after the sentence or list item
    before it on the page in the same source (only blank lines between) and has no other source:
    the two share one citation, so no `Sources:` line stands between them (or breaks a list).
    Both must have that one source only: the shared citation is checked against each."""
    if prev is None or u.kind not in ("code", "table", "quote", "html") or len(u.citations) != 1 \
            or not blocks or blocks[-1].kind not in ("sentence", "list_item") or len(blocks[-1].citations) != 1 \
            or u.chunk != prev.chunk or (len(blocks) > 1 and blocks[-2].with_outro):  # one shared block per sentence
        return False
    first = blocks[-1].citations[0]
    return first.doc == u.doc and first.end < u.start and not any(
        ln.strip() for ln in texts[u.doc][first.end:u.start - 1])


def _with_intro(intro: DraftBlock, u: Unit, text: str, para: int) -> tuple[DraftBlock, DraftBlock]:
    cites = (intro.citations[0].model_copy(update={"end": u.end}),)
    return (intro.model_copy(update={"citations": cites}),
            DraftBlock(kind=u.kind, text=text, citations=cites, para=para, with_intro=True))


def _closes(u: Unit, blocks: list[DraftBlock], texts: dict[str, list[str]]) -> bool:
    """u, a sentence citing only its own lines, comes right after the code block, table or HTML
    block before it on the page in the same source (only blank lines between), and no sentence or
    item stands before that block (whose citation the block would take): the two share one
    citation, so no `Sources:` line stands after the block ("Expected output:" and its output
    are cited by the intro; an output and the sentence saying what it shows, by the sentence)."""
    if u.kind != "sentence" or len(u.citations) != 1 or u.conflicts or u.notes or not blocks \
            or len(content_words(u.text)) < 3:  # "or" between two blocks: too little to find itself in the span
        return False
    b = blocks[-1]
    if b.kind not in ("code", "table", "html") or b.with_intro or len(b.citations) != 1 \
            or (len(blocks) > 1 and blocks[-2].kind in ("sentence", "list_item")):
        return False
    c = b.citations[0]
    return c.doc == u.doc and c.chunk == u.chunk and c.end < u.start and not any(
        ln.strip() for ln in texts[u.doc][c.end:u.start - 1])


def _with_outro(block: DraftBlock, u: Unit, text: str, para: int,
                texts: dict[str, list[str]]) -> tuple[DraftBlock, DraftBlock]:
    cites = (block.citations[0].model_copy(update={"end": u.end}),)
    return (block.model_copy(update={"citations": cites, "with_outro": True}),
            DraftBlock(kind=u.kind, text=text, citations=cites, para=para, indent=_indent(u, texts)))


def _block(u: Unit, text: str, para: int, texts: dict[str, list[str]]) -> DraftBlock:
    return DraftBlock(kind=u.kind, text=text, citations=tuple(u.citations), para=para, indent=_indent(u, texts))


def _indent(u: Unit, texts: dict[str, list[str]]) -> str:
    """A sentence's indentation in its source (a paragraph inside a list item there: render.py keeps
    it in the item when it follows one on the page); '' for other units, whose text keeps its own."""
    if u.kind != "sentence":
        return ""
    line = texts[u.doc][u.start - 1]
    return line[:len(line) - len(line.lstrip(" "))]


def _attach_notes(found: list[Conflict], sections: dict[str, list[Unit]], findings: list[Finding],
                  page_file: str) -> tuple[Conflict, ...]:
    """Settings and negation conflicts: note each after the first side the page keeps."""
    present: dict[tuple[str, int], Unit] = {}
    for units in sections.values():
        for u in units:
            for c in list(u.citations) + [o.cite() for o in u.conflicts]:  # the other side of a pair is shown too
                present.setdefault((c.doc, c.start), u)
    out = []
    for c in found:
        live = [s for s in c.sides if not s.stale]
        host = next((present[(s.doc, s.start)] for s in live if (s.doc, s.start) in present), None)
        if c.resolution not in ("stale", CONTEXT_DIFFERS) and host is not None:
            c = c.model_copy(update={"resolution": "noted"})
            host.notes.append(c)
        where = " vs ".join(f"{s.doc}:{s.start}-{s.end} ({', '.join(s.values)}{', stale' if s.stale else ''}"
                            f"{', ' + s.context if s.context else ''})" for s in c.sides)
        differs = c.resolution == CONTEXT_DIFFERS
        findings.append(Finding(severity="warning", kind=CONTEXT_DIFFERS if differs else "conflict", page=page_file,
                                line=c.sides[0].start,
                                message=(f"values differ on {c.subject!r} in different contexts (check they are meant to): "
                                         if differs else f"sources disagree on {c.subject!r}: ") + where
                                        + ("; the stale side is left out" if c.resolution == "stale" else "")))
        out.append(c)
    return tuple(out)


