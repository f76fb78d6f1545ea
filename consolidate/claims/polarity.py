"""A statement and its negation in other documents.

"Cancelled jobs are marked as failed" and "Cancelled jobs are not marked as failed", "The worker
uses Redis" and "The worker does not use Redis": the same content words (checks/support.py reads
them: stop words and negation cues out, a plural `s` dropped, so `uses` is `use`) and a different
number of negations. Exact and linear: statements are indexed by their content words, and only
statements of at least three content words and at most 30 words are read (a short or long one
matches by accident or never).
"""

from __future__ import annotations

from collections import defaultdict

from consolidate.checks.facts import plain
from consolidate.checks.support import content_words, negations

MIN_WORDS, MAX_WORDS = 3, 30
AUX = frozenset({"doe"})  # "does" once its `s` is dropped as a plural: an auxiliary, not content


def polarity_groups(units) -> list[tuple[str, list, list]]:
    """(subject, the units that assert, the units that deny) for each statement some document
    asserts and another denies; at most one unit per document and side, first first."""
    by_key: dict[frozenset, list[tuple[int, object]]] = defaultdict(list)
    for u in units:
        if u.kind not in ("sentence", "list_item") or len(u.text.split()) > MAX_WORDS:
            continue
        key = content_words(u.text) - AUX
        if len(key) >= MIN_WORDS:
            by_key[key].append((negations(u.text) % 2, u))
    out = []
    for key, found in by_key.items():
        yes = {u.doc: u for neg, u in found if not neg}
        no = {u.doc: u for neg, u in found if neg}
        yes = {d: u for d, u in yes.items() if d not in no}  # a document that says both is not a side
        if yes and no:
            first = next(u for _, u in found if not negations(u.text) % 2)
            out.append((plain(first.text, 12).rstrip("."), [yes[d] for d in sorted(yes)], [no[d] for d in sorted(no)]))
    return out
