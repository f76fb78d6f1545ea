"""One owner page per concept: a statement the plan shows on several pages is said once.

After each page is merged (statements.py), a sentence or list item is compared with what the
other pages show: a statement another page says all of (the same words, or the `contained` rule
of statements.py: its content words, every hard fact and link, the same negations, in the same
context) is kept only on its owner, the page and section that is *about* it, and on the others
replaced by `See [heading](owner.md#anchor).`, a pointer the checker reads as navigation
(checks/navigation.py) and the ledger as `linked-to`.

The owner is chosen by what the statement says: its content word stems ("requires" matches
"Requirements"; an identifier counts by its parts) in each place's section heading (counted
twice) and page title. A statement leaves its page only for the one place that scores higher than
its own and every other; when none does (no heading says what it is about, or two say it
equally), it stays where the plan put it. A statement linked away owns nothing.
Never moved: a side of any conflict, a statement another page says with other values (the same
words once facts are masked, as conflicts are found), a statement with a note, a numbered step, an intro ending
in `:`, an item of a list such an intro introduces, an item other items hang under, a nested item
(it means nothing apart from its parent),
a statement whose places differ in context (dev, production, example...: claims/context.py), and
a statement of fewer than MIN_WORDS content words (too little to be a concept).
A conflict side or a statement with a note stays, but may be the owner the others point to: the
FAQ's "metered every 300 seconds" links to the metering page, where the disagreement is noted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from consolidate.checks.facts import mask
from consolidate.checks.support import content_words
from consolidate.claims.context import unit_context
from consolidate.dedupe import FeatureIndex, normalise, prefix
from consolidate.merge.statements import CONTAIN, MIN_WORDS, NUMBERED, holds_words, says_all, step_text, with_facts
from consolidate.records import Citation
from consolidate.units import Unit

_SUFFIXES = ("ements", "ments", "ement", "ment", "ations", "ation", "ings", "ing", "ies", "es", "ed", "s", "e")
_PART = re.compile(r"[a-z0-9]+")
_UNSAFE_LABEL = re.compile(r"[\[\]]")
LINKED_TO = "linked-to"  # the ledger status of a statement said on its owner page


@dataclass(frozen=True)
class Place:
    """One page as the owner pass sees it: its file, title, sections (key -> shown units), section
    titles and anchors (key -> heading, key -> anchor)."""
    file: str
    title: str
    sections: dict
    titles: dict
    anchors: dict


@dataclass(frozen=True)
class LinkTo:
    page: str  # the owner page's file
    anchor: str
    heading: str  # the heading at that anchor: the pointer's label
    cites: Citation | None = None  # the owner statement's citation (a split may cut its section across parts)


@lru_cache(maxsize=65536)  # asked of every place's headings and title once per statement compared
def stems(text: str) -> frozenset[str]:
    """Content word stems; an identifier counts by its parts (TIDEWATER_WORKER_CONCURRENCY: worker, ...)."""
    out = set()
    for w in content_words(text):
        for part in _PART.findall(w.lower()):
            if len(part) > 2:
                out.add(_stem(part))
    return frozenset(out)


def _stem(w: str) -> str:
    for s in _SUFFIXES:
        if w.endswith(s) and len(w) - len(s) >= 4:
            return w[:-len(s)]
    return w


def _holds(u: Unit) -> bool:
    """u may be the owner others link to (a conflict side or a statement with a note never moves,
    but the note then stands where the others point)."""
    return (u.kind in ("sentence", "list_item") and not u.parent and not NUMBERED.match(u.text)
            and len(content_words(u.text)) >= MIN_WORDS)


def _movable(u: Unit, sides: set[tuple[str, int]], parents: set[str], introduced) -> bool:
    """A statement that _holds may also leave its page."""
    return (not u.conflicts and not u.notes and not (u.kind == "list_item" and introduced(u))
            and not any((c.doc, c.start) in sides for c in u.citations)
            and not u.text.rstrip().endswith(":") and normalise(u.text) not in parents)


def _masked(u: Unit) -> str:
    return normalise(mask(step_text(u)))


def owners(places: list[Place], sides: set[tuple[str, int]], introduced=lambda u: False,
           merged=lambda u: ()) -> dict[int, LinkTo]:
    """id(shown unit) -> where it links to, for each statement shown on a page that does not own it.
    sides: (doc, first line) of every conflict side in the plan; introduced(u): a list item's list
    follows an intro ending in `:` in its source (the item means what it says under that intro);
    merged(u): the units merged into u on its page, which leave with it, so its owner must say
    all of each of them too (the ledger checks each against the section the pointer leads to)."""
    shown: list[tuple[Place, str, Unit]] = []
    moves: list[bool] = []  # shown[i] may leave its page; the others may only own (a conflict side, a noted statement)
    values: dict[str, set] = {}  # the same words with their facts masked -> the facts said with them
    for p in places:
        parents = {u.parent for units in p.sections.values() for u in units if u.parent}
        for key, units in p.sections.items():
            for u in units:
                for x in [u] + u.conflicts:
                    values.setdefault(_masked(x), set()).add(with_facts(x).exact_facts)
                if _holds(u):
                    shown.append((p, key, u))
                    moves.append(_movable(u, sides, parents, introduced))
    # said elsewhere with other values: it stays
    moves = [m and len(values[_masked(u)]) == 1 for m, (_, _, u) in zip(moves, shown)]
    words = [content_words(u.text) for _, _, u in shown]
    index = FeatureIndex()  # content words -> the statements holding them
    for i, cw in enumerate(words):
        index.add(i, cw)
    freq = Counter(w for cw in words for w in cw)
    ctxs = [unit_context(u) for _, _, u in shown]
    score = [_about(p, key, stems(u.text)) for p, key, u in shown]
    pick: dict[int, int] = {}  # i -> the statement j on its owner page that says all i says
    for i, (p, key, u) in enumerate(shown):
        if not moves[i]:
            continue
        said = stems(u.text)
        best: list[tuple[int, int]] = [(score[i], i)]
        for j in sorted(index.sharing(prefix(words[i], CONTAIN, freq))):  # a holder has CONTAIN of its words
            if not holds_words(words[i], words[j], len(words[i] & words[j])):
                continue  # says_all's word rule, before its facts and links
            q, qkey, v = shown[j]
            if q.file != p.file and ctxs[j] == ctxs[i] and says_all(u, v) and all(says_all(m, v) for m in merged(u)):
                best.append((_about(q, qkey, said), j))
        top = max(best)[0]
        places_at_top = {(shown[j][0].file, shown[j][1]) for sc, j in best if sc == top}
        if top > score[i] and len(places_at_top) == 1:
            pick[i] = min(j for sc, j in best if sc == top)
    while True:  # a statement linked away cannot own another
        gone = {j for j in pick.values() if j in pick}
        if not gone:
            break
        pick = {i: j for i, j in pick.items() if j not in gone}
    out: dict[int, LinkTo] = {}
    for i, j in pick.items():
        owner, key, _ = shown[j]
        if not _UNSAFE_LABEL.search(owner.titles[key]):  # a heading with brackets cannot be a link's label
            out[id(shown[i][2])] = LinkTo(owner.file, owner.anchors[key], owner.titles[key], shown[j][2].cite())
    return out


def _about(p: Place, key: str, said: frozenset[str]) -> int:
    """How much a place is about a statement: its stems in the section heading (twice) and page title."""
    return 2 * len(said & stems(p.titles[key])) + len(said & stems(p.title))
