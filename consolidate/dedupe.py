"""Near-duplicate text: normalisation, word shingles, Jaccard similarity, grouping."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

from consolidate.records import Chunk

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_NON_WORD = re.compile(r"[^\w.%/-]+")


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


def similar_pairs(items: list[tuple[str, frozenset]], threshold: float, max_df: int = 50) -> list[tuple[str, str, float]]:
    """Pairs whose shingle-set Jaccard >= threshold, found through an inverted index."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, (_, sh) in enumerate(items):
        for s in sh:
            index[s].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for posting in index.values():
        if len(posting) < 2 or len(posting) > max_df:
            continue
        for a in range(len(posting)):
            for b in range(a + 1, len(posting)):
                shared[(posting[a], posting[b])] += 1
    out = []
    for (i, j), inter in shared.items():
        a, b = items[i][1], items[j][1]
        sim = inter / (len(a) + len(b) - inter)
        if sim >= threshold:
            out.append((items[i][0], items[j][0], sim))
    return sorted(out)


def near_duplicate_groups(chunks: list[Chunk], threshold: float) -> list[list[str]]:
    """Groups of chunks from different documents whose text is nearly the same."""
    items = [(c.id, shingles(c.text)) for c in chunks]
    doc = {c.id: c.doc for c in chunks}
    uf = UnionFind(c.id for c in chunks)
    for a, b, _ in similar_pairs(items, threshold):
        if doc[a] != doc[b]:
            uf.union(a, b)
    return sorted((sorted(g) for g in uf.groups()), key=lambda g: g[0])
