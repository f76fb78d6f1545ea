"""Near-duplicate index: exact pairs (prefix filtering) and groups of chunks across documents."""

from __future__ import annotations

import itertools
import random

from consolidate.dedupe import jaccard, near_duplicate_groups, shingles, similar_pairs
from consolidate.records import Chunk


def _brute(sets, t):
    return sorted((j, i, jaccard(sets[j], sets[i])) for j, i in itertools.combinations(range(len(sets)), 2)
                  if jaccard(sets[j], sets[i]) >= t)


def test_similar_pairs_is_exact_against_brute_force():
    rng = random.Random(7)
    common = [f"c{k}" for k in range(5)]  # members nearly every set holds: never a reason to miss a pair
    base = [frozenset(rng.sample(range(400), rng.randint(1, 30))) for _ in range(40)]
    sets = []
    for b in base:
        for _ in range(rng.randint(1, 4)):  # variants: some identical, some a member or two apart
            s = set(map(str, b)) | set(common[:rng.randint(0, 5)])
            for _ in range(rng.randint(0, 2)):
                s.discard(rng.choice(sorted(s)))
                s.add(str(rng.randint(0, 600)))
            sets.append(frozenset(s))
    sets.append(frozenset())
    for t in (0.5, 0.8, 0.85, 1.0):
        got = sorted(similar_pairs(sets, t))
        assert got == _brute(sets, t)
        assert got, t
    assert [(j, i) for j, i, _ in similar_pairs(sets, 0.8)] == sorted(
        ((j, i) for j, i, _ in similar_pairs(sets, 0.8)), key=lambda p: (p[1], p[0]))  # in order of i, then j


def _chunk(doc: str, n: int, text: str) -> Chunk:
    return Chunk(id=f"{doc}#{n}", doc=doc, start=n, end=n, heading_path=(), tokens=len(text.split()), text=text)


PASSAGE = ("Run the installer from an elevated prompt, then restart the service so that the new "
           "configuration file is read before any worker connects to the queue.")


def test_identical_text_in_many_documents_is_one_group():
    # the same passage in 80 documents (more than the old cap of 50 on a shingle's chunks)
    chunks = [_chunk(f"v{k:02d}/page.md", 1, PASSAGE) for k in range(80)]
    chunks += [_chunk(f"v{k:02d}/page.md", 2, f"Version {k} adds the {k}th option to the menu.") for k in range(80)]
    groups = near_duplicate_groups(chunks, 0.8)
    assert groups == [sorted(c.id for c in chunks[:80])]


def test_near_duplicates_group_across_documents_only():
    edited = PASSAGE.replace("elevated prompt", "elevated shell prompt")
    assert jaccard(shingles(PASSAGE), shingles(edited)) >= 0.8
    chunks = [_chunk("a.md", 1, PASSAGE), _chunk("a.md", 5, PASSAGE),  # a page repeating itself: not a group
              _chunk("b.md", 1, "Something else entirely, about backups and their retention period."),
              _chunk("b.md", 3, "Something else entirely, about backups and their retention period.")]
    assert near_duplicate_groups(chunks, 0.8) == []
    chunks.append(_chunk("c.md", 2, edited))  # a near copy in another document joins both copies of a.md
    assert near_duplicate_groups(chunks, 0.8) == [["a.md#1", "a.md#5", "c.md#2"]]
    assert near_duplicate_groups(list(reversed(chunks)), 0.8) == [["a.md#1", "a.md#5", "c.md#2"]]


def test_similar_pairs_asks_keep_before_comparing():
    sets = [frozenset("abcde"), frozenset("abcde"), frozenset("abcdf"), frozenset("xyz")]
    asked = []

    def keep(j, i):
        asked.append((j, i))
        return (j + i) % 2 == 1

    assert [(j, i) for j, i, _ in similar_pairs(sets, 0.6, keep)] == [(0, 1), (1, 2)]
    assert (0, 2) in asked and all(3 not in p for p in asked)  # only candidates are asked about
