"""Near-duplicate text: normalisation, word shingles, Jaccard similarity, the one index of
features that finds candidate pairs (FeatureIndex, with its candidate rules), grouping."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from collections import Counter, defaultdict
from typing import Callable, Iterable, Iterator, Mapping

from consolidate.records import Chunk

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_NON_WORD = re.compile(r"[^\w.%/-]+")


@lru_cache(maxsize=200_000)
def normalise(text: str) -> str:
    """Lower-case words only: markdown link targets, emphasis and punctuation removed."""
    text = _MD_LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    words = _NON_WORD.sub(" ", text.lower()).split()
    return " ".join(w.strip(".-/") for w in words if w.strip(".-/"))


def shingles(text: str, k: int = 3) -> frozenset[str]:
    words = normalise(text).split()
    if len(words) < k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class UnionFind:
    """Groups of hashable, ordered items; a group's root is its smallest member."""

    def __init__(self, items: Iterable[str | int]):
        self.parent = {x: x for x in items}

    def find(self, x: str | int) -> str | int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str | int, b: str | int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[str | int]]:
        out: dict[str | int, list[str | int]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return [g for g in out.values() if len(g) > 1]


class FeatureIndex:
    """The near-duplicate index: a feature (a shingle, a content word, a code line) -> the items
    holding it, in the order they were added; items are numbers the caller gives (an item is
    added once). Which features an item is added with and looked up by is the candidate rule:
    - all of them: the items sharing any feature (merge/statements: a statement contained in a
      longer one shares a shingle with it whatever their Jaccard, which a threshold cannot find);
    - Jaccard >= t: each item adds and looks up its `prefix` only (similar_pairs);
    - holds `share` of my features: every item adds all of them, each looks up its `prefix`
      (merge/statements.absorb_restated and absorb_blocks, merge/owners)."""

    __slots__ = ("_having",)

    def __init__(self) -> None:
        self._having: dict[str, list[int]] = defaultdict(list)

    def add(self, item: int, features: Iterable[str]) -> None:
        having = self._having
        for f in features:
            having[f].append(item)

    def sharing(self, features: Iterable[str], limit: int | None = None) -> dict[int, None]:
        """The items holding any of `features`, each once, in the order met: features in the order
        given, each one's items in the order added (its first `limit` of them, when given)."""
        having = self._having
        if limit is None:
            return {j: None for f in features for j in having.get(f, ())}
        return {j: None for f in features for j in having.get(f, ())[:limit]}


def needed(share: float, n: int) -> int:
    """How many of n members another set must hold to hold `share` of them."""
    return math.ceil(share * n - 1e-9)


def prefix(members: Iterable[str], share: float, freq: Mapping[str, int]) -> list[str]:
    """The rarest members (fewest sets hold them, then by value) of which a set holding `share`
    of them holds one: the first n - needed(share, n) + 1. Common members (a sentence every page
    repeats) so build no long candidate lists, and none is ignored for being common."""
    ordered = sorted(members, key=lambda m: (freq[m], m))
    return ordered[:len(ordered) - needed(share, len(ordered)) + 1]


def similar_pairs(sets: list[frozenset], threshold: float,
                  keep: Callable[[int, int], bool] | None = None) -> Iterator[tuple[int, int, float]]:
    """Every pair (j, i), j < i, of sets whose Jaccard >= threshold, with it; exact, in order of i then j.

    Prefix filtering, as in All-Pairs similarity search: two sets with Jaccard >= t share t of the
    larger's members, so with members ordered rarest first over all the sets they share one of
    each's `prefix`; only those are added to the FeatureIndex and looked up. A candidate is kept
    only if the sizes allow it (t|a| <= |b|), `keep(j, i)` (when given; asked before the Jaccard,
    so a cheap test that rules most candidates out saves the comparison) and the Jaccard holds."""
    freq = Counter(m for s in sets for m in s)
    index = FeatureIndex()
    for i, s in enumerate(sets):
        if not s:
            continue
        first = prefix(s, threshold, freq)
        low, high = threshold * len(s) - 1e-9, len(s) / threshold + 1e-9
        for j in sorted(index.sharing(first)):
            other = sets[j]
            if low <= len(other) <= high and (keep is None or keep(j, i)):
                sim = jaccard(s, other)
                if sim >= threshold:
                    yield j, i, sim
        index.add(i, first)


def near_duplicate_groups(chunks: list[Chunk], threshold: float) -> list[list[str]]:
    """Groups of chunks from different documents whose text is nearly the same (shingle Jaccard
    >= threshold). Chunks with the same shingles are compared once: a run of identical copies
    (one passage repeated across versions of a page) costs one comparison, not one per pair."""
    same: dict[frozenset, list[int]] = {}
    for i, c in enumerate(chunks):
        same.setdefault(shingles(c.text), []).append(i)
    reps = [sh for sh in same if sh]  # first-seen order, so the same chunks give the same groups
    docs = [{chunks[i].doc for i in same[sh]} for sh in reps]
    uf = UnionFind(range(len(chunks)))

    def join(a: list[int], b: list[int]) -> None:
        for i in a[1:] + b:
            uf.union(a[0], i)

    for k, sh in enumerate(reps):
        if len(docs[k]) > 1:  # identical text in two documents
            join(same[sh], [])
    for j, i, _ in similar_pairs(reps, threshold):
        if len(docs[i] | docs[j]) > 1:  # some pair of them comes from two documents
            join(same[reps[i]], same[reps[j]])
    groups = [sorted(chunks[i].id for i in g) for g in uf.groups()]
    return sorted(groups, key=lambda g: g[0])
