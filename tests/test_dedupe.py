"""Near-duplicate index: the one FeatureIndex and its candidate rules, exact pairs (prefix
filtering), groups of chunks across documents, and every near-duplicate search using that index."""

from __future__ import annotations

import itertools
import random
import sys
from collections import Counter

from consolidate.dedupe import (FeatureIndex, jaccard, near_duplicate_groups, needed, prefix, shingles,
                                 similar_pairs)
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


def test_feature_index_gives_the_items_sharing_a_feature_first_met_first():
    index = FeatureIndex()
    index.add(0, ["a", "b"])
    index.add(1, frozenset(["b", "c"]))
    index.add(2, ["a", "c"])
    index.add(3, ["c"])
    assert list(index.sharing(["c", "a"])) == [1, 2, 3, 0]  # c's items, then a's not met yet
    assert list(index.sharing(["a", "c"])) == [0, 2, 1, 3]
    assert list(index.sharing(["c", "a"], limit=1)) == [1, 0]  # the first `limit` items of each feature
    assert list(index.sharing(["z"])) == []


def _random_sets(seed):
    rng = random.Random(seed)
    words = [f"w{k}" for k in range(60)]
    pools = [words[:n] for n in (12, 20, 60)]  # small pools: sets that hold much of one another
    return [frozenset(rng.sample(rng.choice(pools), rng.randint(1, 12))) for _ in range(150)]


def test_containment_rule_finds_every_set_holding_a_share_of_another():
    sets = _random_sets(3)
    freq = Counter(m for s in sets for m in s)
    index = FeatureIndex()  # every set adds all its members, each looks up its prefix
    for i, s in enumerate(sets):
        index.add(i, s)
    for share in (0.5, 0.8, 1.0):
        found = 0
        for i, s in enumerate(sets):
            holders = {j for j, o in enumerate(sets) if len(s & o) >= needed(share, len(s))}
            cands = index.sharing(prefix(s, share, freq))
            assert holders <= set(cands), (share, i)
            assert len(prefix(s, share, freq)) == len(s) - needed(share, len(s)) + 1
            found += len(holders) - 1
        assert found, share  # the sets do hold one another: the test compares something


def test_every_near_duplicate_search_uses_the_one_index(monkeypatch):
    """Statements merged (merge/statements), statements linked to their owner (merge/owners),
    value conflicts (checks/conflicts) and near-duplicate chunks (the topic stage) all find their
    candidates in dedupe.FeatureIndex: no second index to keep in step."""
    from consolidate.checks.conflicts import similar_value_pairs
    from consolidate.merge.owners import Place, owners
    from consolidate.merge.statements import merge_units
    from consolidate.units import Unit

    callers = Counter()
    sharing = FeatureIndex.sharing

    def counted(self, features, limit=None):
        callers[sys._getframe(1).f_code.co_name] += 1
        return sharing(self, features, limit)

    monkeypatch.setattr(FeatureIndex, "sharing", counted)

    def unit(doc, start, text, section="Overview"):
        return Unit(kind="sentence", text=text, doc=doc, chunk="c" + doc, start=start, end=start,
                    section=section, para=(doc, start))

    short = unit("a.md", 3, "Restart the queue worker after you change its configuration file.")
    longer = unit("b.md", 4, "Restart the queue worker after you change its configuration file, "
                             "then watch the worker log for the reload message and any warnings.")
    assert jaccard(shingles(short.text), shingles(longer.text)) < 0.85  # a threshold would not find it
    shown, _, _ = merge_units([short, longer])
    assert shown == {"overview": [longer]} and short.into is longer  # contained: found as a candidate
    assert callers["_similar"] and callers["absorb_restated"]

    here = unit("guide.md", 5, "The harbor scheduler retries a failed berth booking three times.")
    there = unit("scheduler.md", 9, here.text, "Harbor scheduler retries")
    for u in (here, there):
        u.citations.append(u.cite())
    places = [Place("guide.md", "Guide", {"overview": [here]}, {"overview": "Overview"}, {"overview": "overview"}),
              Place("scheduler.md", "Harbor scheduler", {"retries": [there]}, {"retries": "Harbor scheduler retries"},
                    {"retries": "harbor-scheduler-retries"})]
    assert id(here) in owners(places, set())
    assert callers["owners"]

    a = unit("a.md", 1, "The cache keeps entries for 30 minutes before it evicts them.")
    b = unit("b.md", 1, "The cache keeps entries for 45 minutes before it evicts them.")
    assert similar_value_pairs([a, b])  # 30 against 45 minutes
    n = callers["similar_pairs"]
    assert n
    chunks = [_chunk("a.md", 1, PASSAGE), _chunk("b.md", 1, PASSAGE + " Then log in.")]
    assert near_duplicate_groups(chunks, 0.8) == [["a.md#1", "b.md#1"]]
    assert callers["similar_pairs"] > n
