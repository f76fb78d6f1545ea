"""Statements said once: the units of a page grouped by what they say.

A unit is merged into another (cited after it, `merged` in the ledger) when it says the same:
- verbatim (the same words, link targets and parent item; blocks: the same lines);
- near-verbatim: word-shingle Jaccard >= DUP_SIM with the same hard facts and links;
- contained: its content words are (nearly) all in a longer statement of the same kind that holds
  every hard fact and link it has and the same number of negations. The longer one is the most
  complete: it is kept, in the place of the first of them, and cites every source.
Two statements alike but for their hard facts are not merged: they are a conflict, both kept.
A source that repeats itself under another heading (the same checks after staging and after
production) is not merged with itself: it means the repeat there.

Then, across the page (`absorb_restated`): a sentence or bullet item another source's statement
on the page restates (COVER of its content words, all of them under SHORT words, each word or
another form of it: "written" and "writes", every hard fact
and link it has, the same negations, at least as many content words and not over 1/MIN_SHARE times
as many) is merged into that statement, which cites it. A statement that others were merged into
moves only to one that restates each of them too (their citations move with it). Not a numbered
step (procedures keep their steps), an item other items hang under, a sub-item under another item
than the restating one's, an intro ending in `:` (its block follows it), or a side of a conflict.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from os.path import commonprefix
from typing import Callable

from consolidate.checks import facts as F
from consolidate.checks.support import content_and_negations
from consolidate.dedupe import FeatureIndex, jaccard, needed, normalise, prefix, shingles
from consolidate.markdown.blocks import code_lines, fence_language, holds_lines
from consolidate.markdown.links import targets
from consolidate.units import INTRO, Unit

DUP_SIM = 0.85
CONTAIN = 0.85  # share of the shorter statement's content words the longer one must hold
MIN_WORDS = 4  # fewer content words than this: too little to say two statements say the same
MIN_SHARE = 0.3  # the shorter must say this share of the longer: a short remark is not "the same" as a long paragraph
BLOCKS = ("code", "table", "html", "quote")
COVER = 0.8  # share of a statement's content words another must hold to restate it, page-wide
SHORT = 10  # below this many content words, a restatement page-wide must hold every one of them (or another form of it)
NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s")  # a numbered step's marker (procedures.py reads it too)
CANDIDATES = 200  # statements looked at per masked shingle: a shingle every page says finds no more


def block_key(text: str) -> str:
    return "\n".join(" ".join(ln.split()) for ln in text.strip().splitlines())


def section_key(u: Unit) -> str:
    """The section a unit is merged in: its heading's words, and the heading above when its source
    uses that name twice ("### Added" under "## 2.4.0" and under "## 2.3.0" of a changelog)."""
    return scoped_key(u.section, u.scope)


def scoped_key(section: str, scope: str = "") -> str:
    """section_key of a section heading and the heading above it ('' when its name is used once)."""
    key = normalise(section) or INTRO.lower()
    return f"{key} @ {normalise(scope)}" if scope else key


def scope_repeated_sections(units: list[Unit]) -> set[tuple[str, str]]:
    """Sets `scope` on the units of a sub-section whose name its source gives under two or more
    headings, so each is a section of its own; returns those (doc, section name)s."""
    above: dict[tuple[str, str], set[str]] = defaultdict(set)
    for u in units:
        if u.level > 2:
            above[(u.doc, normalise(u.section))].add(normalise(u.parent_heading))
    repeated = {k for k, v in above.items() if len(v) > 1}
    for u in units:
        if u.level > 2 and (u.doc, normalise(u.section)) in repeated:
            u.scope = u.parent_heading
    return repeated


def merge_units(units: list[Unit], introduced: Callable[[Unit], bool] = lambda u: False
                ) -> tuple[dict[str, list[Unit]], dict[str, str], list[tuple[Unit, Unit]]]:
    """Units in source order -> (section key -> units to show, section key -> title, conflicting pairs).
    introduced(u): u follows an intro ending in `:` in its source (it cannot leave its place)."""
    sections: dict[str, list[Unit]] = {}
    titles: dict[str, str] = {}
    exact: dict[tuple, Unit] = {}
    index = FeatureIndex()  # masked shingles -> the statements shown (numbers in `indexed`)
    indexed: list[Unit] = []
    conflicts: list[tuple[Unit, Unit]] = []
    alias: dict[int, Unit] = {}  # a unit replaced by a more complete one -> that one
    home: dict[int, str] = {}  # a shown unit -> the section it stands in
    side_of: dict[int, Unit] = {}  # a conflict side shown beside a unit -> that unit
    cited: dict[int, tuple[int, set]] = {}  # a unit -> (how many of its citations are in the set, the set)

    def live(x: Unit) -> Unit:
        while id(x) in alias:
            x = alias[id(x)]
        return x

    for u in units:
        key = section_key(u)
        titles.setdefault(key, u.section)
        u.citations.append(u.cite())
        if u.kind in BLOCKS:
            k: tuple = (u.kind, block_key(u.text))
        else:  # the words alone drop punctuation-only code (`-=` vs `+=`): the facts keep them apart
            u.links, u.parent = targets(u.text), normalise(u.parent)
            k = ("text", normalise(step_text(u)), u.links, u.parent)
            if k in exact:
                k += (with_facts(u).exact_facts,)
        hit = exact.get(k)
        if hit is not None and _repeats_itself(live(hit), u, key):
            hit = None  # a source saying it again under another heading means it there too ("Again:")
        if hit is not None:
            hit = live(hit)
            if not _cites(hit, u.cite(), cited):
                hit.citations.append(u.cite())
            if hit is not u:
                u.into = hit
                if id(hit) in side_of:  # a conflict side said again: its source is a side too
                    conflicts.append((side_of[id(hit)], u))
            continue
        if u.kind in ("sentence", "list_item"):
            _prepare(u)
            match = _similar(u, index, indexed, live)
            if match is not None:
                other, how = match
                if how == "same":
                    other.citations.append(u.cite())
                    u.into = other
                elif how == "conflict":
                    other.conflicts.append(u)
                    conflicts.append((other, u))
                    side_of[id(u)] = other
                else:  # "covers": u says all that other says and more; u takes its place
                    _replace(sections[home[id(other)]], other, u)
                    other.into = u
                    alias[id(other)], home[id(u)] = u, home[id(other)]
                    index.add(len(indexed), u.masked)
                    indexed.append(u)
                # a conflict side said again in the same words is that side, cited twice
                _remember(exact, k, u, other if how == "same" else u)
                continue
            index.add(len(indexed), u.masked)
            indexed.append(u)
        _remember(exact, k, u, u)
        sections.setdefault(key, []).append(u)
        home[id(u)] = key
    sides = {id(x) for pair in conflicts for x in pair}
    absorb_restated(sections, sides)
    absorb_blocks(sections, sides, introduced)
    return {k: v for k, v in sections.items() if v}, titles, conflicts


def absorb_blocks(sections: dict[str, list[Unit]], sides: set[int], introduced: Callable[[Unit], bool]) -> None:
    """A code block whose every line another source's block of the same language shows, in order,
    is merged into that block, which cites it; the holding block stands in the place of the first
    of them on the page (unless an intro in its own source holds it in place). A block an intro
    ending in `:` introduces stays (the intro would point at nothing), and so does a conflict side."""
    shown = [(key, u) for key, units in sections.items() for u in units if u.kind == "code"]
    if len(shown) < 2:
        return
    lines = [code_lines(u.text) for _, u in shown]
    langs = [fence_language(u.text) for _, u in shown]
    index = FeatureIndex()  # a line -> the blocks showing it
    for j, ls in enumerate(lines):
        index.add(j, dict.fromkeys(ls))
    freq = Counter(ln for ls in lines for ln in set(ls))
    into: dict[int, int] = {}  # i -> j, the block that holds it
    for i in sorted(range(len(shown)), key=lambda i: (len(lines[i]), i)):
        u = shown[i][1]
        if not lines[i] or id(u) in sides or introduced(u):
            continue
        rarest = prefix(set(lines[i]), 1.0, freq)  # a holder shows every line, so this one (share 1: one line)
        holders = [j for j in index.sharing(rarest) if j != i and j not in into and shown[j][1].doc != u.doc
                   and len(lines[j]) > len(lines[i]) and (langs[j] == langs[i] or not langs[j] or not langs[i])
                   and holds_lines(lines[j], lines[i])]
        if holders:
            into[i] = min(holders, key=lambda j: (-len(lines[j]), j))
    if not into:
        return
    for i in sorted(into):  # a holder held by a longer block: the longest holds them all
        while into[i] in into:
            into[i] = into[into[i]]
    for j in sorted(set(into.values())):
        held = sorted(i for i, k in into.items() if k == j)
        c = shown[j][1]
        for i in held:
            c.citations.extend(x for x in shown[i][1].citations if x not in c.citations)
            shown[i][1].into = c
        first = held[0]
        if first < j and not introduced(c) and id(c) not in sides:  # the holder moves up to the first's place
            sections[shown[j][0]].remove(c)
            place = sections[shown[first][0]]
            place[place.index(shown[first][1])] = c
            for i in held[1:]:
                place = sections[shown[i][0]]
                place.remove(shown[i][1])
        else:
            for i in held:
                sections[shown[i][0]].remove(shown[i][1])


def _cites(u: Unit, c, cited: dict[int, tuple[int, set]]) -> bool:
    """c in u.citations, in constant time: a unit's citations only grow (appended) while units merge,
    so a set of them is kept up to date with what was appended since the last look."""
    n, seen = cited.get(id(u), (0, None))
    if seen is None:
        seen = set()
    if n < len(u.citations):
        seen.update(u.citations[n:])
        cited[id(u)] = (len(u.citations), seen)
    return c in seen


def absorb_restated(sections: dict[str, list[Unit]], sides: set[int]) -> None:
    """Statements another source restates on the page are cited on it and leave their place."""
    shown = [u for units in sections.values() for u in units if u.kind in ("sentence", "list_item")]
    parents = {u.parent for units in sections.values() for u in units if u.parent}
    index = FeatureIndex()  # content words -> the statements holding them
    for i, u in enumerate(shown):
        with_facts(u)
        index.add(i, _words(u)[0])
    freq = Counter(w for u in shown for w in _words(u)[0])
    gone: set[int] = set()
    absorbed: dict[int, list[Unit]] = {}  # a statement -> those absorbed into it here (it speaks for them)
    order = sorted(range(len(shown)), key=lambda i: (len(_words(shown[i])[0]), i))
    for i in order:
        u = shown[i]
        cu, nu = _words(u)
        if (len(cu) < MIN_WORDS or u.conflicts or u.notes or id(u) in sides or NUMBERED.match(u.text)
                or u.text.rstrip().endswith(":") or normalise(u.text) in parents):
            continue
        need = needed(COVER, len(cu))  # a statement holding COVER of u's words holds one of its prefix
        cands = sorted(index.sharing(prefix(cu, COVER, freq)))
        held = absorbed.get(id(u), [])
        best = None
        for j in cands:
            c = shown[j]
            if j == i or j in gone or c.doc == u.doc or c.parent != u.parent:
                continue
            cc = _words(c)[0]
            n = len(cu & cc)
            if n < need or len(cc) < len(cu) or not _restates(c, u):
                continue
            if not all(_restates(c, x) for x in held):  # u's citations move to c: c must say what they say too
                continue
            key = (n / len(cu), -len(cc), -j)
            if best is None or key > best[0]:
                best = (key, j)
        if best is None:
            continue
        c = shown[best[1]]
        c.citations.extend(x for x in u.citations if x not in c.citations)
        u.into = c
        absorbed.setdefault(id(c), []).extend([u] + held)
        gone.add(i)
    if gone:
        dead = {id(shown[i]) for i in gone}
        for key, units in sections.items():
            units[:] = [u for u in units if id(u) not in dead]


def _values(facts: tuple[str, ...]) -> frozenset[str]:
    """Fact keys (`kind:value`) without their kinds."""
    return frozenset(f.split(":", 1)[1] for f in facts)


def _restates(c: Unit, u: Unit) -> bool:
    """c holds COVER of u's content words (all of a SHORT one's, or other forms of them), every hard
    fact and link of u and its negations, and is
    not over 1/MIN_SHARE times as long (the checker wants each span a claim cites to hold a fifth of
    its words: checks/citations.holds_some)."""
    (cu, nu), (cc, nc) = _words(u), _words(c)
    return (nu == nc and len(cu & cc) >= needed(COVER, len(cu)) and len(cc) <= len(cu) / MIN_SHARE
            and (len(cu) >= SHORT or _inflected(cu - cc, cc))
            and set(u.exact_facts) <= set(c.exact_facts) and set(u.links) <= set(c.links))


def _inflected(missing: frozenset, words: frozenset) -> bool:
    """Each missing word is another form of one of `words`: they begin alike, over 4 letters and
    3/4 of the shorter ("written" and "write", not "server" and "service")."""
    return all(any(len(commonprefix((w, x))) >= max(4, 0.75 * min(len(w), len(x))) for x in words) for w in missing)


def _repeats_itself(hit: Unit, u: Unit, key: str) -> bool:
    return hit.doc == u.doc and section_key(hit) != key


def _remember(exact: dict[tuple, Unit], k: tuple, u: Unit, shown: Unit) -> None:
    """Later units with u's words (and, once two share them, its facts) are cited on `shown`."""
    if k[0] != "text":
        exact[k] = shown
        return
    base = k[:4]
    if base not in exact:
        exact[base] = shown  # the first with these words: facts are compared only when another comes
    with_facts(u)
    first = with_facts(exact[base])
    exact.setdefault(base + (first.exact_facts,), first)
    exact.setdefault(base + (u.exact_facts,), shown)


def with_facts(u: Unit) -> Unit:
    """u with its fact keys (Unit.facts, Unit.exact_facts) read once."""
    if u.exact_facts is None:
        u.facts, u.exact_facts = F.fact_keys(u.text)
    return u


def step_text(u: Unit) -> str:
    """A numbered step's words without its number: step 2 of one source is step 3 of another."""
    return F.strip_list_marks(u.text) if u.kind == "list_item" and NUMBERED.match(u.text) else u.text


def _prepare(u: Unit) -> None:
    text = step_text(u)
    u.sh, u.masked = shingles(text), shingles(F.mask(text))
    with_facts(u)


def _words(u: Unit) -> tuple[frozenset, int]:
    if u.words is None:
        u.words, u.negs = content_and_negations(u.text)
    return u.words, u.negs


def _replace(shown: list[Unit], old: Unit, new: Unit) -> None:
    """new, more complete, stands where old stood; old's citations and notes follow it."""
    shown[next(i for i, x in enumerate(shown) if x is old)] = new
    new.citations.extend(c for c in old.citations if c not in new.citations)
    new.conflicts.extend(old.conflicts)
    new.notes.extend(old.notes)


def _similar(u: Unit, index: FeatureIndex, indexed: list[Unit], live) -> tuple[Unit, str] | None:
    """The unit u repeats (same), contradicts (conflict), is contained in (same) or contains
    (covers), best first; None when it says something new. Candidates: the statements sharing a
    masked shingle with u (a contained statement may have a low Jaccard), first met first."""
    seen: dict[int, Unit] = {}
    # a set's order follows the process's string hashes; ties must not
    for j in index.sharing(sorted(u.masked), CANDIDATES):
        other = live(indexed[j])
        seen.setdefault(id(other), other)
    best = None
    for other in seen.values():
        if (other.doc == u.doc and other.start == u.start) or _repeats_itself(other, u, section_key(u)):
            continue
        same_context = other.links == u.links and other.parent == u.parent
        sim = jaccard(u.masked, other.masked)
        if sim >= DUP_SIM and len(u.masked) >= 3:
            same = other.exact_facts == u.exact_facts and jaccard(u.sh, other.sh) >= DUP_SIM and same_context
            # one page listing tiers or steps with different numbers is not a disagreement
            # the same values written apart (`3` in code against 3) are no disagreement either
            conflicting = _values(other.facts) != _values(u.facts) and bool(u.facts) and bool(other.facts) and other.doc != u.doc
            if same or conflicting:
                cand = (2, sim, same, other, "same" if same else "conflict")
                best = cand if best is None or cand[:3] > best[:3] else best
            continue
        if other.kind != u.kind or other.parent != u.parent:
            continue
        how = _contains(u, other)
        if how:
            cand = (1, sim, False, other, how)
            best = cand if best is None or cand[:3] > best[:3] else best
    return (best[3], best[4]) if best else None


def says_all(u: Unit, other: Unit) -> bool:
    """other says all that u says (the `contained` rule above, or the same words and facts).
    Both units' links must have been read (merge_units reads every statement's)."""
    with_facts(u), with_facts(other)
    return _contains(u, other) == "same"


def _contains(u: Unit, other: Unit) -> str:
    """'same' when other holds all u says, 'covers' when u holds all other says, else ''."""
    (cu, nu), (co, no) = _words(u), _words(other)
    if nu != no or min(len(cu), len(co)) < MIN_WORDS:
        return ""
    shared = len(cu & co)
    if shared < CONTAIN * min(len(cu), len(co)):
        return ""  # neither holds the other's words: the facts need not be compared
    fu, fo = set(u.exact_facts), set(other.exact_facts)
    tu, to = set(u.links), set(other.links)
    if holds_words(cu, co, shared) and fu <= fo and tu <= to:
        return "same"
    if holds_words(co, cu, shared) and len(co) < len(cu) and fo <= fu and to <= tu:
        return "covers"
    return ""


def holds_words(cu: frozenset, co: frozenset, shared: int) -> bool:
    """Content words co hold content words cu as `same` asks (`shared` of them in common): CONTAIN
    of cu's, and as many words or more, but not over 1/MIN_SHARE times as many."""
    return shared >= CONTAIN * len(cu) and len(cu) <= len(co) <= len(cu) / MIN_SHARE
