"""Procedures told once: numbered lists of one task from several sources become one list.

After statements are merged (merge/statements.py), a numbered list of one source whose steps were
mostly merged into the steps of another source's numbered list tells the same task. Its steps
that only it has move into that list, each right after the step its predecessor was merged into
(steps before the first shared one go before it), and keep their citations: the base is the list
the others merged into, the more complete one. It takes at least MIN_SHARED shared steps and at
least half of the list's steps. A step with sub-items stays where it is.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from consolidate.dedupe import normalise
from consolidate.merge.statements import NUMBERED
from consolidate.units import Unit

MIN_SHARED = 2


def numbered(u: Unit) -> bool:
    return u.kind == "list_item" and not u.parent and bool(NUMBERED.match(u.text))


def now(u: Unit) -> Unit:
    """The shown unit that says what u says (u itself when it is shown)."""
    seen = 0
    while u.into is not None and seen < 1000:
        u, seen = u.into, seen + 1
    return u


def merge_procedures(units: list[Unit], sections: dict[str, list[Unit]]) -> int:
    """Move each list's own steps into the list of the same task; returns how many moved."""
    lists: dict[tuple, list[Unit]] = defaultdict(list)
    for u in units:
        if numbered(u):
            lists[u.para].append(u)
    parents = {u.parent for u in units if u.parent}
    moved = 0
    for para in sorted(lists):
        steps = lists[para]
        homes = [now(s) for s in steps]
        bases = Counter(h.shown_in or h.para for s, h in zip(steps, homes) if h is not s and numbered(h) and h.doc != s.doc)
        if not bases:
            continue
        base, shared = min(bases.items(), key=lambda kv: (-kv[1], kv[0]))
        if shared < MIN_SHARED or 2 * shared < len(steps):
            continue
        anchor, before = None, []
        for s, h in zip(steps, homes):
            if h is not s:
                if (h.shown_in or h.para) == base:
                    if anchor is None and before:
                        moved += _move(sections, before, h, after=False)
                        before = []
                    anchor = h
                continue
            if normalise(s.text) in parents:
                continue
            if anchor is None:
                before.append(s)
            else:
                moved += _move(sections, [s], anchor, after=True)
                anchor = s
    for key in [k for k, v in sections.items() if not v]:
        del sections[key]
    return moved


def _move(sections: dict[str, list[Unit]], steps: list[Unit], anchor: Unit, after: bool) -> int:
    for s in steps:
        for units in sections.values():
            at = next((i for i, x in enumerate(units) if x is s), None)
            if at is not None:
                del units[at]
                break
    for units in sections.values():
        at = next((i for i, x in enumerate(units) if x is anchor), None)
        if at is not None:
            for s in steps:
                s.shown_in = anchor.shown_in or anchor.para  # rendered in that list; its own para stays its source's
            units[at + after:at + after] = steps
            return len(steps)
    return 0
