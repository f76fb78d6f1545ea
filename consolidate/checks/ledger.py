"""The coverage ledger: where every input sentence or block went, and (lines.py) every line.

Each unit the drafter reads (a sentence, list item, code block, table, quote or HTML block of an
input, with its exact lines) gets one status:
- `kept`: a claim of a page cites it as its first source;
- `merged`: a claim cites it after another source (it says what that one says); `duplicate_of`
  points at the first source of that claim;
- `linked-to`: said on its owner page (merge/owners.py), to which its page points instead with
  `See [heading](page.md#anchor).`; `to` is that page#anchor, verified: the pointer is on the page
  and a claim in that section of the owner page says the unit's words (else `link-lost`, an error;
  but a unit that shares its line with a linked one and that a claim citing the line says, its
  words or COVER of them with every hard fact, is `merged` into that claim);
- `dropped`, with a reason: `stale` (a stale source left out), `off-topic` (its chunk is in no
  page of the plan), `boilerplate` (a line with no words, such as a lone rule or an empty item),
  `unsupported-removed` (removed by --strict), or `not-drafted` (the page simply does not cite it).
The units are the drafter's; the line ledger (checks/lines.py) then reads every non-blank line of
every input and reports a line no unit or reason accounts for as `unaccounted`, an error. Coverage,
of the run, a page or a document, is counted in lines: (kept + merged) / non-blank lines. On a page
drafted extractively, a kept unit whose words are not in the claim that cites it is an error
(`kept-not-shown`): the ledger would otherwise claim what the page does not say.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache

from consolidate.checks import facts as F
from consolidate.checks.claims import ParsedPage, parse_page
from consolidate.checks.lines import account_lines, tally
from consolidate.checks.navigation import SEE
from consolidate.checks.support import TASK_BOX, content_words
from consolidate.claims.aliases import heading_to_preferred
from consolidate.markdown.blocks import code_lines, holds_lines
from consolidate.markdown.slugs import Slugger
from consolidate.merge.owners import LINKED_TO
from consolidate.merge.statements import COVER
from consolidate.dedupe import normalise
from consolidate.markdown.links import AUTOLINK, INLINE, REFERENCE, mask_code_spans
from consolidate.records import Chunk, Document, DraftPage, Finding, Plan, page_target
from consolidate.units import units_of_chunk

_WORD = re.compile(r"[A-Za-z0-9]")


def _short(text: str) -> str:
    t = " ".join(text.split())
    return t if len(t) <= 160 else t[:157] + "..."


def build_ledger(units_by_page: Mapping[str, list], unplanned: list, parsed: dict[str, ParsedPage],
                 reasons: dict[tuple[str, int, int], str], docs: list[Document], texts: dict[str, list[str]],
                 verbatim: set[str] = frozenset(), parts: dict[str, list[str]] | None = None,
                 aliases=(), written: dict[tuple[str, int, int], str] | None = None) -> tuple[dict, list[Finding]]:
    """units_by_page: page file -> units of its chunks; unplanned: units of chunks in no page;
    reasons: (doc, first line, last line) -> why the drafter left a unit out on purpose; verbatim: the pages
    drafted extractively, whose kept units must show their words in the claim citing them; parts: a page
    split for size (stages/split.py) -> its sub-pages, whose claims speak for its units (each is entered
    on the page, parent or part, of the claim that keeps or merges it); aliases: the plan's, whose
    preferred terms the drafter's headings use; written: (doc, first line, last line) of the units of
    groups a model rewrote (llm.mode = edits) -> its backend: their words need not show in the
    claim, which says them in new words (the edit's checks kept their facts), and the entry says
    `written_by`."""
    entries = []
    findings: list[Finding] = []
    sections: dict[str, dict[str, list]] = {}  # page -> its claims under each anchor, made when first asked
    for page in sorted(units_by_page):
        cites: dict[tuple[str, int], list[tuple[bool, object, object, object, str]]] = defaultdict(list)
        for on in [page] + (parts or {}).get(page, []):
            p = parsed.get(on)
            if p is None:
                continue
            for claim in p.claims:
                refs = [p.refs[label] for label in claim.labels if label in p.refs]
                for i, r in enumerate(refs):
                    for line in range(r.start, r.end + 1):
                        cites[(r.doc, line)].append((i == 0, refs[0], claim, r, on))
        for u in units_by_page[page]:
            hits = [h for line in range(u.start, u.end + 1) for h in cites.get((u.doc, line), ())]
            hits = [h for h in hits if h[2].kind != "note"] or hits  # a note names sides shown elsewhere
            # a line may hold several sentences: the claims that say this unit's words speak for it, so
            # on a page drafted extractively either every hit below shows the unit or none does
            by = (written or {}).get((u.doc, u.start, u.end))
            copied = page in verbatim and not by
            if copied:
                hits = [h for h in hits if _shown(u, h[2])] or hits
            shows = not copied or (bool(hits) and _shown(u, hits[0][2]))
            # a citation of exactly the unit's span speaks for it, else one of a span holding it; one that
            # only shares a line with it (the next sentence starts on its last line) only when no other does
            hits = ([h for h in hits if (h[3].start, h[3].end) == (u.start, u.end)]
                    or [h for h in hits if h[3].start <= u.start and u.end <= h[3].end] or hits)
            e = {"doc": u.doc, "start": u.start, "end": u.end, "kind": u.kind, "page": page} | (
                {"written_by": by} if by else {})
            primary = [claim for first, _, claim, *_ in hits if first]
            secondary = [h for h in hits if not h[0]]
            held = []  # claims citing the unit's span when its span also has a reason (two units on one line)
            if not shows and (u.doc, u.start, u.end) in reasons:
                held, hits, primary = hits, [], []  # left out on purpose; the next sentence on its line is cited
            elif not shows and secondary:
                primary = []  # another claim cites it after its own source: merged there
            if primary:
                e |= {"status": "kept", "page": next(h[4] for h in hits if h[0])}
                if not shows:
                    findings.append(Finding(severity="error", kind="kept-not-shown", page=e["page"], line=primary[0].line,
                                            message=f"{u.doc}:{u.start}-{u.end} is cited as kept, but its words are not in the claim citing it: {_short(u.text)!r}"))
            elif hits:
                # the claim it was merged into: one that says its words, else one holding its facts
                pick = secondary or hits
                if not shows:
                    pick = [h for h in pick if not _lost_facts(u, h[2])] or pick
                _, first, claim, _, on = pick[0]
                e |= {"status": "merged", "page": on, "duplicate_of": {"doc": first.doc, "start": first.start, "end": first.end}}
                lost = _lost_facts(u, claim) if page in verbatim else []  # a model's edit: facts checked too
                if lost:
                    findings.append(Finding(severity="error", kind="merge-lost-fact", page=on, line=claim.line,
                                            message=f"{u.doc}:{u.start}-{u.end} is merged into a claim that lacks its "
                                                    f"{', '.join(lost)}: {_short(u.text)!r}"))
            elif _why(u, reasons) == LINKED_TO:
                to = _linked_to(u, [page] + (parts or {}).get(page, []), parsed, sections)
                says = [h for h in held if _says(u, h[2])] if not to else []
                if says:  # its line's other sentence went to an owner page; this one was merged into a claim citing the line
                    _, first, claim, _, on = says[0]
                    e |= {"status": "merged", "page": on, "duplicate_of": {"doc": first.doc, "start": first.start, "end": first.end}}
                else:
                    e |= {"status": "linked-to", "to": to} if to else {"status": "dropped", "reason": LINKED_TO}
                if not to and not says:
                    findings.append(Finding(severity="error", kind="link-lost", page=page, line=None,
                                            message=f"{u.doc}:{u.start}-{u.end} is left for its owner page, but no pointer "
                                                    f"on {page} leads to a section that says it: {_short(u.text)!r}"))
            else:
                e |= {"status": "dropped", "reason": _why(u, reasons)}
            e["text"] = _short(u.text)
            entries.append(e)
    for u in unplanned:
        entries.append({"doc": u.doc, "start": u.start, "end": u.end, "kind": u.kind, "page": None,
                        "status": "dropped", "reason": reasons.get((u.doc, u.start, u.end), "off-topic"), "text": _short(u.text)})
    entries.sort(key=lambda e: (e["doc"], e["start"], e["end"], e["kind"]))
    headings = {normalise(h[2]) for p in parsed.values() for h in p.headings}
    lines, lost = account_lines(docs, texts, entries, headings, lambda h: heading_to_preferred(h, aliases))
    return {"coverage": lines["summary"] | {"units": len(entries)},
            "documents": _group_lines(lines["documents"], lambda doc, r: doc),
            "pages": _group_lines(lines["documents"], lambda doc, r: r.get("page")),
            "lines": lines["documents"], "entries": entries}, findings + lost


_ANGLE_TARGET = re.compile(r"\]\(<[^>\n]*>\)")


@lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    """A unit's or a claim's words, without link targets, citations or list markers."""
    text = TASK_BOX.sub("", F.strip_list_marks(text))
    text = _ANGLE_TARGET.sub("]", text)  # [label](<target with spaces>), which the link pattern does not take
    masked = mask_code_spans(text)
    def label(m, g):  # the label as written (the masked copy hides its code spans)
        return text[m.start(g):m.end(g)]

    spans = [(m.start(), m.end(), label(m, 2)) for m in INLINE.finditer(masked)]
    spans += [(m.start(), m.end(), label(m, 2)) for m in REFERENCE.finditer(masked)
              if not any(s <= m.start() < e for s, e, _ in spans)]
    spans += [(m.start(), m.end(), label(m, 1)) for m in AUTOLINK.finditer(masked)]
    out, last = [], 0
    for s, e, label in sorted(spans):
        if s < last:
            continue
        out += [text[last:s], label]
        last = e
    out.append(text[last:])
    return normalise("".join(out))


def _lost_facts(u, claim) -> list[str]:
    """The hard facts of a merged unit that the claim it was merged into does not hold (a note, which
    names each side's values, is checked by the checker's own note rules); of a code block merged
    into another, its lines when that one does not show them all in order."""
    if u.kind == "code" and claim.kind == "code":  # a block merged into a longer one: it shows every line
        lines = code_lines(u.text)
        return [] if not lines or holds_lines(code_lines(claim.text), lines) else [f"lines {lines!r}"]
    if claim.kind == "note" or u.kind in ("code", "html", "table"):
        return []
    held = F.normalise_span(claim.text)
    return [f"{f.kind} {f.value!r}" for f in F.extract(F.statement(u.text))
            if f.kind not in ("product", "initial") and not F.contains(held, f)]


def _shown(u, claim) -> bool:
    if u.kind in ("code", "html", "table"):
        return True  # blocks are checked by the checker's code-mismatch rule
    return _plain(u.text) in _plain(claim.text)


def _linked_to(u, on: list[str], parsed: dict[str, ParsedPage], sections: dict[str, dict[str, list]]) -> str:
    """page#anchor of the first pointer on `on` whose section says u (its words, or COVER of its
    content words and every hard fact), else ''. sections: page -> section_claims, filled as asked."""
    for name in on:
        p = parsed.get(name)
        for c in p.nav if p is not None else ():
            m = SEE.fullmatch(c.text.strip())
            target = m and (page_target(name, m.group(2)) if m.group(2) else name)
            other = parsed.get(target) if target else None
            if other is None:
                continue
            if target not in sections:
                sections[target] = section_claims(other)
            if any(_says(u, claim) for claim in sections[target].get(m.group(3), ())):
                return f"{target}#{m.group(3)}"
    return ""


def section_claims(p: ParsedPage) -> dict[str, list]:
    """The claims under each heading's anchor (to the next heading of its level or above); an
    anchor two headings share is the first's."""
    slugger = Slugger("github")
    heads = [(line, level, slugger(text)) for line, level, text in p.headings]
    out: dict[str, list] = {}
    for i, (line, level, a) in enumerate(heads):
        if a not in out:
            end = next((ln for ln, lv, _ in heads[i + 1:] if lv <= level), len(p.lines) + 1)
            out[a] = [c for c in p.claims if line < c.line < end]
    return out


def _says(u, claim) -> bool:
    if _shown(u, claim):
        return True
    cu = content_words(u.text)
    return bool(cu) and len(cu & content_words(claim.text)) >= COVER * len(cu) and not _lost_facts(u, claim)


def _why(u, reasons: dict[tuple[str, int, int], str]) -> str:
    if (u.doc, u.start, u.end) in reasons:
        return reasons[(u.doc, u.start, u.end)]
    if not _WORD.search(u.text):
        return "boilerplate"
    return "not-drafted"


def _group_lines(runs: dict[str, list[dict]], key) -> dict:
    """Line coverage per document or per page, from the line runs."""
    by: dict[str, list[dict]] = defaultdict(list)
    for doc, rs in runs.items():
        for r in rs:
            k = key(doc, r)
            if k is not None:
                by[k].append(r)
    return {k: tally(v) for k, v in sorted(by.items())}


def make_ledger(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]],
                drafts: list[DraftPage], pages: dict[str, str], residue: frozenset = frozenset(),
                parts: dict[str, list[str]] | None = None, parsed: dict | None = None) -> tuple[dict, list[Finding]]:
    """Every input unit and line of a run -> kept / merged / dropped (ledger.json), and what is
    unaccounted (errors). parts: a page split for size -> its sub-pages. parsed: pages the checker
    already parsed (name -> ParsedPage of that same text); the others are parsed here."""
    parsed = parsed or {}
    by_id = {c.id: c for c in chunks}
    doc_by = {d.path: d for d in docs}

    def units(c: Chunk) -> list:
        return units_of_chunk(c, doc_by[c.doc], texts[c.doc])[0]

    planned = {cid for p in plan.pages for cid in p.chunk_ids}
    # each page's units made when the ledger comes to it, not every page's at once (a large tree's
    # are hundreds of thousands of units)
    units_by_page = _Lazy({p.file: p.chunk_ids for p in plan.pages}, lambda ids: [u for cid in ids for u in units(by_id[cid])])
    unplanned = [u for c in chunks if c.id not in planned for u in units(c)]
    reasons = {(u.doc, u.start, u.end): "draft-residue" for u in unplanned if u.doc in residue}
    reasons |= {(doc, start, end): why for d in drafts for doc, start, end, why in d.dropped}
    verbatim = {d.file for d in drafts if d.backend == "extractive" or d.edits}
    # a lead says its statements again in new words before them; the statements still show their own
    written = {(c.doc, c.start, c.end): e.by for d in drafts for e in d.edits if e.by != "extractive" and e.kind != "lead"
               for c in e.members}
    return build_ledger(units_by_page, unplanned, {n: parsed.get(n) or parse_page(t) for n, t in pages.items()}, reasons,
                        docs, texts, verbatim, parts, plan.aliases, written)


class _Lazy(Mapping):
    """A mapping whose values are made from its sources each time they are asked for, and not kept."""

    def __init__(self, sources: dict, make):
        self.sources, self.make = sources, make

    def __getitem__(self, key):
        return self.make(self.sources[key])

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)
