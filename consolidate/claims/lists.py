"""Two lists for the same step with different members.

A list is the items of one markdown list, or the comment lines of one code block that read as
a list (`# - Redis Commander: http://localhost:8081`). An entry is known by its value when it
has one with a number (a URL, a port), else by its label. Two lists of different documents are
for the same step when they share at least three entries, those make at least 60% of the
shorter list, and their headings share a content word; they disagree when either has entries
the other lacks. Candidates come from an index of entries, so the pass stays near linear.
"""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.checks.support import content_words

ENTRY = re.compile(r"^\s*(?:#|//)?\s*(?:[-*+]|\d{1,3}[.)])?\s*([^:]{1,40}?):\s*(\S.{0,120}?)\s*$")
ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
NUMBERED = re.compile(r"\d")
MIN_SHARED, SHARE = 3, 0.6


def _key(label: str, value: str) -> str:
    v = value.lower().strip(" `*")
    m = re.search(r"(?::|\bport\s+)(\d{2,5})\b", v)
    if m:
        return "port:" + m.group(1)
    if NUMBERED.search(v):
        return "value:" + v
    return "label:" + " ".join(re.findall(r"[a-z0-9]+", label.lower()))


def _entries(lines) -> dict[str, str]:
    out = {}
    for ln in lines:
        m = ENTRY.match(ln)
        if m:
            label = m.group(1).replace("*", "").strip()
            out.setdefault(_key(label, m.group(2)), f"{label} {m.group(2).strip()}".strip())  # no ": " (notes split on it)
    return out


def lists_of(units) -> list[tuple[list, dict[str, str]]]:
    """(the units of one list, entry key -> entry as written)."""
    blocks: dict[tuple, list] = defaultdict(list)
    out = []
    for u in units:
        if u.kind == "list_item" and not u.parent:
            blocks[u.para].append(u)
        elif u.kind == "code":
            comments = [ln for ln in u.text.splitlines()[1:] if ln.lstrip().startswith(("#", "//"))]
            entries = _entries(comments)
            if len(entries) >= MIN_SHARED:
                out.append(([u], entries))
    for items in blocks.values():
        entries: dict[str, str] = {}
        for u in items:
            for k, v in _entries([ITEM.sub("", u.text, 1)]).items():
                entries.setdefault(k, v)
        if len(entries) >= MIN_SHARED:
            out.append((items, entries))
    return out


def list_disagreements(units) -> list[tuple[str, list[tuple[list, list[str]]]]]:
    """(subject, [(the units of one list, the entries it has that the other lacks)]) per pair of
    lists of different documents for the same step that disagree."""
    lists = lists_of(units)
    out, seen = [], set()
    for i, j in sharing([entries for _, entries in lists]):
        (us, entries), (them, other) = lists[i], lists[j]
        if us[0].doc == them[0].doc:
            continue
        if not content_words(us[0].section) & content_words(them[0].section):
            continue
        mine = [v for k, v in entries.items() if k not in other]
        theirs = [v for k, v in other.items() if k not in entries]
        if (mine or theirs) and (i, j) not in seen:
            seen.add((i, j))
            out.append((us[0].section, [(us, mine), (them, theirs)]))
    return out


def sharing(sets: list, min_shared: int = MIN_SHARED, share: float = SHARE) -> list[tuple[int, int]]:
    """(i, j), i < j, of the sets (anything iterable of hashable members) sharing at least
    `min_shared` members that make `share` of the smaller; candidates come from an index of
    members, so the cost follows the pairs that share something, not every pair."""
    having: dict = defaultdict(list)
    for i, members in enumerate(sets):
        for k in members:
            having[k].append(i)
    out = []
    for i, members in enumerate(sets):
        shared: dict[int, int] = defaultdict(int)
        for k in members:
            for j in having[k]:
                if j > i:
                    shared[j] += 1
        out += [(i, j) for j, n in sorted(shared.items())
                if n >= min_shared and n >= share * min(len(members), len(sets[j]))]
    return out
