"""The ledger on a page split for size (stages/split.py): each unit of the planned page is
accounted for on the one part (the parent or a sub-page) that shows it."""

from __future__ import annotations

from collections import defaultdict


def units_by_part(units: list, family: list[str], parsed: dict) -> dict[str, list]:
    """family: the parent file then its parts. A unit goes to the part whose claims cite exactly its
    lines, else cite a span holding it, else cite any of its lines (claims first, notes after, which
    name sides shown elsewhere); a unit no part cites stays with the parent (its reason is given there)."""
    spans: dict[tuple[str, int], list[tuple[int, int, int, int]]] = defaultdict(list)  # (doc, line) -> (note, part, start, end)
    for i, name in enumerate(family):
        p = parsed.get(name)
        if p is None:
            continue
        for claim in p.claims:
            note = int(claim.kind == "note")
            for label in claim.labels:
                r = p.refs.get(label)
                if r is not None:
                    for n in range(r.start, r.end + 1):
                        spans[(r.doc, n)].append((note, i, r.start, r.end))
    out: dict[str, list] = {name: [] for name in family}
    for u in units:
        hits = [h for n in range(u.start, u.end + 1) for h in spans.get((u.doc, n), ())]
        best = min(((h[0], 0 if (h[2], h[3]) == (u.start, u.end) else 1 if h[2] <= u.start and u.end <= h[3] else 2, h[1])
                    for h in hits), default=(0, 0, 0))
        out[family[best[2]]].append(u)
    return out
