"""The coverage ledger: where every input sentence or block went.

Each unit the drafter reads (a sentence, list item, code block, table, quote or HTML block of an
input, with its exact lines) gets one status:
- `kept`: a claim of a page cites it as its first source;
- `merged`: a claim cites it after another source (it says what that one says); `duplicate_of`
  points at the first source of that claim;
- `dropped`, with a reason: `stale` (a stale source left out), `off-topic` (its chunk is in no
  page of the plan), `boilerplate` (a line with no words, such as a lone rule or an empty item),
  `unsupported-removed` (removed by --strict), or `not-drafted` (the page simply does not cite it).
Nothing is left without a status, so `accounted` is 1.0 by construction; `coverage` of a page or
document is (kept + merged) / units, and the dropped list is what a reviewer reads.
"""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.checks.claims import ParsedPage

_WORD = re.compile(r"[A-Za-z0-9]")


def _short(text: str) -> str:
    t = " ".join(text.split())
    return t if len(t) <= 160 else t[:157] + "..."


def build_ledger(units_by_page: dict[str, list], unplanned: list, parsed: dict[str, ParsedPage],
                 reasons: dict[tuple[str, int], str]) -> dict:
    """units_by_page: page file -> units of its chunks; unplanned: units of chunks in no page;
    reasons: (doc, start line) -> why the drafter left a unit out on purpose."""
    entries = []
    for page in sorted(units_by_page):
        p = parsed.get(page)
        cites: dict[tuple[str, int], list[tuple[bool, object]]] = defaultdict(list)
        if p is not None:
            for claim in p.claims:
                refs = [p.refs[label] for label in claim.labels if label in p.refs]
                for i, r in enumerate(refs):
                    for line in range(r.start, r.end + 1):
                        cites[(r.doc, line)].append((i == 0, refs[0]))
        for u in units_by_page[page]:
            hits = [h for line in range(u.start, u.end + 1) for h in cites.get((u.doc, line), ())]
            e = {"doc": u.doc, "start": u.start, "end": u.end, "kind": u.kind, "page": page}
            if any(primary for primary, _ in hits):
                e["status"] = "kept"
            elif hits:
                first = hits[0][1]
                e |= {"status": "merged", "duplicate_of": {"doc": first.doc, "start": first.start, "end": first.end}}
            else:
                e |= {"status": "dropped", "reason": _why(u, reasons)}
            e["text"] = _short(u.text)
            entries.append(e)
    for u in unplanned:
        entries.append({"doc": u.doc, "start": u.start, "end": u.end, "kind": u.kind, "page": None,
                        "status": "dropped", "reason": reasons.get((u.doc, u.start), "off-topic"), "text": _short(u.text)})
    entries.sort(key=lambda e: (e["doc"], e["start"], e["end"], e["kind"]))
    return {"coverage": _tally(entries) | {"accounted": 1.0 if entries else 0.0},
            "documents": _group(entries, "doc"), "pages": _group([e for e in entries if e["page"]], "page"),
            "entries": entries}


def _why(u, reasons: dict[tuple[str, int], str]) -> str:
    if (u.doc, u.start) in reasons:
        return reasons[(u.doc, u.start)]
    if not _WORD.search(u.text):
        return "boilerplate"
    return "not-drafted"


def _tally(entries: list[dict]) -> dict:
    n = len(entries)
    kept = sum(e["status"] == "kept" for e in entries)
    merged = sum(e["status"] == "merged" for e in entries)
    return {"units": n, "kept": kept, "merged": merged, "dropped": n - kept - merged,
            "coverage": round((kept + merged) / n, 4) if n else 1.0}


def _group(entries: list[dict], key: str) -> dict:
    by: dict[str, list[dict]] = defaultdict(list)
    for e in entries:
        by[e[key]].append(e)
    return {k: _tally(v) for k, v in sorted(by.items())}
