"""A statement and its negation in other documents.

"Cancelled jobs are marked as failed" and "Cancelled jobs are not marked as failed", "The worker
uses Redis" and "The worker does not use Redis": the same content words (checks/support.py reads
them: stop words and negation cues out, a plural `s` dropped, so `uses` is `use`) and a different
number of negations. Exact and linear: statements are indexed by their content words, and only
statements of at least three content words and at most 30 words are read (a short or long one
matches by accident or never).
"""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.checks.facts import plain
from consolidate.checks.support import WORD, _norm, content_and_negations, content_words

MIN_WORDS, MAX_WORDS = 3, 30
AUX = frozenset({"doe"})  # "does" once its `s` is dropped as a plural: an auxiliary, not content


_CUE = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|cannot|without)\b|n['’]t\b", re.I)


def polarity_groups(units) -> list[tuple[str, list, list]]:
    """(subject, the units that assert, the units that deny) for each statement some document
    asserts and another denies; at most one unit per document and side, first first.

    Only statements holding a negation cue are read in full first; another statement is read
    only when it holds the longest content word of one of them (most never do)."""
    prose = [u for u in units if u.kind in ("sentence", "list_item") and len(u.text.split()) <= MAX_WORDS]
    by_key: dict[frozenset, list[tuple[int, object]]] = defaultdict(list)
    anchors: set[str] = set()
    rest = []
    for u in prose:
        if not _CUE.search(u.text):
            rest.append(u)
            continue
        key, negs = content_and_negations(u.text)
        key -= AUX
        if len(key) >= MIN_WORDS:
            by_key[key].append((negs % 2, u))
            anchors.add(max(key, key=lambda w: (len(w), w)))
    for u in rest:
        if anchors.isdisjoint(_norm(w) for w in WORD.findall(u.text)):
            continue
        key = content_words(u.text) - AUX
        if key in by_key:
            by_key[key].append((0, u))
    out = []
    for key, found in by_key.items():
        yes = {u.doc: u for neg, u in found if not neg}
        no = {u.doc: u for neg, u in found if neg}
        yes = {d: u for d, u in yes.items() if d not in no}  # a document that says both is not a side
        if yes and no:
            first = next(u for neg, u in found if not neg)
            out.append((plain(first.text, 12).rstrip("."), [yes[d] for d in sorted(yes)], [no[d] for d in sorted(no)]))
    return out
