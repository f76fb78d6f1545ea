"""Near-duplicate text: normalisation, word shingles, Jaccard similarity, grouping."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from collections import Counter, defaultdict
from typing import Callable, Iterable, Iterator

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


def similar_pairs(sets: list[frozenset], threshold: float,
                  keep: Callable[[int, int], bool] | None = None) -> Iterator[tuple[int, int, float]]:
    """Every pair (j, i), j < i, of sets whose Jaccard >= threshold, with it; exact, in order of i then j.

    Prefix filtering, as in All-Pairs similarity search: with each set's members ordered rarest
    first (by how many sets hold them, then by value), two sets with Jaccard >= t share a member
    among the first |s| - ceil(t|s|) + 1 of each, so only those are indexed and probed. Common
    members (a sentence every page repeats) never build long candidate lists, and no member is
    ignored for being common (identical text is always found). A candidate is kept only if the
    sizes allow it (t|a| <= |b|), `keep(j, i)` (when given; asked before the Jaccard, so a cheap
    test that rules most candidates out saves the comparison) and the Jaccard holds."""
    freq = Counter(m for s in sets for m in s)
    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        if not s:
            continue
        ordered = sorted(s, key=lambda m: (freq[m], m))
        prefix = ordered[:len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1]
        low, high = threshold * len(s) - 1e-9, len(s) / threshold + 1e-9
        for j in sorted({j for m in prefix for j in index.get(m, ())}):
            other = sets[j]
            if low <= len(other) <= high and (keep is None or keep(j, i)):
                sim = jaccard(s, other)
                if sim >= threshold:
                    yield j, i, sim
        for m in prefix:
            index[m].append(i)


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
