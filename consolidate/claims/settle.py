"""One conflict per disagreement, and the context rule.

- Join: the passes of checks/conflicts.py can find one disagreement several times (the
  PostgreSQL minimum version as a setting, and as three pairs of look-alike sentences). Two value
  conflicts are one when they share a side and a disputed value, or share two disputed values and
  two documents; the joined conflict keeps every side (one per source line) and the shortest
  subject that names something, and gets its id from its sides.
- Context: sides whose headings or files mark a context (claims/context.py) are read apart.
  Where the sides of one context still disagree, that is the conflict (its other sides are left
  out). Where they do not, and an unmarked side disagrees with a marked one, the conflict stays
  with resolution `context-differs`: a warning to look at, never noted or checked as an error.
  Sides that only differ by context (dev against production) are no conflict at all.
  Production is read with the unmarked sides, when there are any: what a page says without marking a context is what
  production does ("Production deploys happen Tuesday to Thursday" in production.md and "Monday
  to Thursday" in the SRE handbook disagree).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from consolidate.checks.support import content_words
from consolidate.dedupe import UnionFind
from consolidate.records import Conflict

GENERAL = "production"  # the context unmarked statements describe
CONTEXT_DIFFERS = "context-differs"
MAX_SIDES = 6  # as checks/conflicts.MAX_SIDES: the most sides one conflict keeps


def _disputed(c: Conflict) -> frozenset[str]:
    sets = [set(v.lower() for v in s.values) for s in c.sides]
    shared = set.intersection(*sets) if sets else set()
    return frozenset(v for s in sets for v in s - shared)


def join_groups(conflicts: list[Conflict], max_sides: int = MAX_SIDES) -> list[list[int]]:
    """Indexes of the conflicts that are one disagreement, each group in order, groups in order
    of their first conflict. A group whose sides would pass `max_sides` is not joined: a
    conflict keeps at most that many sides, and a join must not lose the sides a page cites."""
    values = [i for i, c in enumerate(conflicts) if c.kind == "value"]
    uf = UnionFind(range(len(conflicts)))
    at: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i in values:
        for s in conflicts[i].sides:
            at[(s.doc, s.start)].append(i)
    disputed = {i: _disputed(conflicts[i]) for i in values}
    for group in at.values():
        for a, b in zip(group, group[1:]):
            if disputed[a] & disputed[b]:
                uf.union(a, b)
    strong = UnionFind(range(len(conflicts)))  # joined by shared sides only
    strong.parent = dict(uf.parent)
    by_value: dict[str, list[int]] = defaultdict(list)
    for i in values:
        for v in disputed[i]:
            by_value[v].append(i)
    for group in by_value.values():
        for x, a in enumerate(group):
            for b in group[x + 1:x + 8]:
                docs = {s.doc for s in conflicts[a].sides} & {s.doc for s in conflicts[b].sides}
                if len(disputed[a] & disputed[b]) >= 2 and len(docs) >= 2:
                    uf.union(a, b)

    def sides(idx: list[int]) -> int:
        return len({(s.doc, s.start) for i in idx for s in conflicts[i].sides})

    out = []
    for idx in _groups(uf, len(conflicts)):  # too many sides: the joins by shared sides alone, or none
        if sides(idx) <= max_sides:
            out.append(idx)
            continue
        for sub in _groups(strong, len(conflicts), idx):
            out += [sub] if sides(sub) <= max_sides else [[i] for i in sub]
    return sorted(out)


def _groups(uf: UnionFind, n: int, among: list[int] | None = None) -> list[list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in (range(n) if among is None else among):
        groups[uf.find(i)].append(i)
    return list(groups.values())


def joined(members: list[Conflict], make) -> Conflict:
    if len(members) == 1:
        return members[0]
    sides = {}
    for c in members:
        for s in c.sides:
            sides.setdefault((s.doc, s.start), s)
    named = [c.subject for c in members if content_words(c.subject)] or [members[0].subject]
    return make("value", min(named, key=lambda t: (len(t), t)), _disputed_only(list(sides.values())))


def _disputed_only(sides: list) -> list:
    """Each side's values cut to what is disputed. A value is shared, not disputed, when two sides
    whose text holds it give different values besides it and the values already found shared
    (`PostgreSQL` and `6.2` in "PostgreSQL 15 … Redis 6.2" beside "PostgreSQL 14 … Redis 6.2");
    of what is left, numbers where a side has one. Read from the sides' texts, so it does not
    matter which pass gave a side which of its values."""
    every = {v for s in sides for v in s.values}
    held = [{v for v in every if _holds(s.text, v)} | set(s.values) for s in sides]
    shared: set[str] = set()
    # the values most sides hold first: what they share is no reason to call a rarer value shared
    for v in sorted(every, key=lambda v: (-sum(v in h for h in held), v)):
        others = {frozenset(h - shared - {v}) for h in held if v in h} - {frozenset()}
        if len(others) >= 2:
            shared.add(v)
    out = []
    for s in sides:
        own = [v for v in s.values if v not in shared] or list(s.values)
        own = [v for v in own if any(ch.isdigit() for ch in v)] or own
        out.append(s.model_copy(update={"values": tuple(own)}))
    return out


def _holds(text: str, value: str) -> bool:
    return _token(value.lower()).search(text.lower()) is not None


@lru_cache(maxsize=4096)
def _token(value: str) -> re.Pattern:
    """`value` as a whole token, compiled once (one value is asked of every side's text)."""
    return re.compile(r"(?<![\w.])" + re.escape(value) + r"(?![\w]|\.\d)")


def join(conflicts: list[Conflict], make) -> list[Conflict]:
    """make(kind, subject, sides) -> Conflict (checks/conflicts._conflict)."""
    return [joined([conflicts[i] for i in idx], make) for idx in join_groups(conflicts)]


def join_pairs(pairs: list[Conflict], found: list[Conflict], make) -> tuple[list[Conflict], dict[str, Conflict]]:
    """The drafter's pairs (shown side by side on their page) with the conflicts found across the
    plan: (the plan's conflicts, each joined with the pairs of its disagreement; pair id -> the
    conflict it is now part of)."""
    every = list(pairs) + list(found)
    out, renamed = [], {}
    for idx in join_groups(every):
        c = joined([every[i] for i in idx], make)
        for i in idx:
            if i < len(pairs):
                renamed[every[i].id] = c
        if any(i >= len(pairs) for i in idx):
            out.append(c)
    return out, renamed


def by_context(c: Conflict, make) -> Conflict | None:
    """Sides read apart by context (claims/context.py); unmarked and production sides are read together."""
    contexts = {s.context for s in c.sides}
    if contexts == {""} or c.kind != "value":
        return c
    groups: dict[str, list] = defaultdict(list)
    general = "" in contexts  # what docs say with no context marked is what production does
    for s in c.sides:
        groups["" if general and s.context == GENERAL else s.context].append(s)
    for ctx in sorted(groups, key=lambda k: (k != "", k)):  # unmarked sides first
        sides = groups[ctx]
        if len({tuple(v.lower() for v in s.values) for s in sides}) >= 2 and len({s.doc for s in sides}) >= 2:
            return make(c.kind, c.subject, sides) if len(sides) < len(c.sides) else c
    if "" in groups:
        return c.model_copy(update={"resolution": CONTEXT_DIFFERS})
    return None


def settle(conflicts: list[Conflict], make) -> list[Conflict]:
    out, seen = [], set()
    for c in join(conflicts, make):
        c = by_context(c, make)
        if c is not None and c.id not in seen:
            seen.add(c.id)
            out.append(c)
    return out
