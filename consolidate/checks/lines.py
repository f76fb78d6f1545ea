"""The line ledger: every non-blank line of every input file, accounted for from the source text.

Lines are read from the files themselves, not from the drafter's units, so a line that no unit
reached (lost at a chunk boundary, say) cannot hide: it is `unaccounted`, an error naming
`file:line`. Each other line gets the status of the units on it, or the reason it holds no
content of its own:
- `kept`: a claim cites a unit on it; `kept` with `as: heading` when a page shows it as a heading;
- `merged`: its unit is a duplicate of a kept one (`duplicate_of` points at that one);
- `linked-to`: its unit is said on its owner page, which the page links to (`to`: page#anchor);
- `dropped` with a reason: the unit's reason (`stale`, `off-topic`, `not-drafted`, ...), or
  `front-matter`, `heading` (an outline line no page shows), `boilerplate` (a lone rule),
  `link-definition` (its target is inlined where the link is used), `mdx-plumbing`, `comment`
  (an HTML comment: no reader sees it).
A line with several units takes the weakest status among them (dropped, then merged, then kept),
so coverage never counts a line as carried when part of it was not. Coverage is in lines.
"""

from __future__ import annotations

from collections import defaultdict

from consolidate.dedupe import normalise
from consolidate.records import Document, Finding
from consolidate.units import is_plumbing

_RANK = {"dropped": 0, "linked-to": 1, "merged": 1, "kept": 2}
STRUCTURE = frozenset({"front-matter", "heading", "boilerplate", "link-definition", "mdx-plumbing", "comment"})


def _subtree_ends(heads: list, end: int) -> dict[int, int]:
    """A heading's first line -> the first line after its section and sub-sections (the next
    heading no deeper than it, or `end`)."""
    out: dict[int, int] = {}
    open_: list = []
    for b in heads:
        while open_ and len(open_[-1].heading_path) >= len(b.heading_path):
            out[open_.pop().start] = b.start
        open_.append(b)
    for b in open_:
        out[b.start] = end
    return out


def account_lines(docs: list[Document], texts: dict[str, list[str]], entries: list[dict],
                  page_headings: set[str], rename=lambda heading: heading) -> tuple[dict, list[Finding]]:
    """entries: the unit ledger's entries; page_headings: normalised headings the pages show;
    rename: a source heading as the drafter writes it (the preferred term of each alias).
    Returns {"summary": counts, "documents": {doc: [runs]}} and an `unaccounted` error per run of
    lost lines."""
    by_line: dict[tuple[str, int], dict] = {}
    for e in entries:
        for n in range(e["start"], e["end"] + 1):
            cur = by_line.get((e["doc"], n))
            if cur is None or _RANK[e["status"]] < _RANK[cur["status"]]:
                by_line[(e["doc"], n)] = e
    runs: dict[str, list[dict]] = {}
    findings: list[Finding] = []
    for d in sorted(docs, key=lambda d: d.path):
        lines = texts.get(d.path, [])
        why: dict[int, dict] = {}
        for n in range(1, min(d.body_start, len(lines) + 1)):
            why[n] = {"status": "dropped", "reason": "front-matter"}
        subtree = _subtree_ends([b for b in d.blocks if b.kind == "heading"], len(lines) + 1)
        for b in d.blocks:
            if b.kind == "heading":
                # an outline line is carried when a page shows it and something under it (its
                # sub-sections too: "## 2.1.0" over "### Added") is carried
                upto = subtree[b.start]
                carried = any(by_line.get((d.path, n), {}).get("status") in ("kept", "merged") for n in range(b.end + 1, upto))
                shown = carried and normalise(rename(" ".join(b.heading_path[-1:]))) in page_headings
                st = {"status": "kept", "as": "heading"} if shown else {"status": "dropped", "reason": "heading"}
            else:
                reason = is_plumbing(b, lines)
                if not reason:
                    continue
                st = {"status": "dropped", "reason": reason}
            for n in range(b.start, b.end + 1):
                why[n] = st
        doc_runs: list[dict] = []
        for n, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            e = by_line.get((d.path, n))
            if e is not None:
                st = {"status": e["status"]} | ({"reason": e["reason"]} if "reason" in e else {}) \
                    | ({"duplicate_of": e["duplicate_of"]} if "duplicate_of" in e else {}) \
                    | ({"to": e["to"]} if "to" in e else {}) | {"page": e["page"]}
            else:
                st = why.get(n) or {"status": "unaccounted"}
            last = doc_runs[-1] if doc_runs else None
            if last is not None and _same(last, st):  # every line between it and this one is blank
                last["end"], last["lines"] = n, last["lines"] + 1
            else:
                doc_runs.append({"start": n, "end": n, "lines": 1} | st)
        for r in doc_runs:
            if r["status"] == "unaccounted":
                findings.append(Finding(severity="error", kind="unaccounted", page=d.path, line=r["start"],
                                        message=f"{d.path}:{r['start']}" + (f"-{r['end']}" if r["end"] > r["start"] else "")
                                                + ": no page, merge or drop accounts for these source lines (content lost)"))
        runs[d.path] = doc_runs
    summary = tally(r for rs in runs.values() for r in rs)
    return {"summary": summary, "documents": runs}, findings


def is_structure(run: dict) -> bool:
    return run.get("as") == "heading" or run.get("reason") in STRUCTURE


def tally(runs) -> dict:
    """Line counts by status. `structure` lines (front matter, headings, rules, link definitions)
    are accounted for but hold no statement, so coverage is the share of the other lines carried
    to a page, kept, merged or linked to its owner page."""
    t: dict[str, int] = defaultdict(int)
    for r in runs:
        t[r["status"]] += r["lines"]
        if is_structure(r):
            t["structure"] += r["lines"]
            t["carried_structure"] += r["lines"] if r["status"] != "dropped" else 0
    total = t["kept"] + t["merged"] + t["linked-to"] + t["dropped"] + t["unaccounted"]
    content = total - t["structure"]
    carried = t["kept"] + t["merged"] + t["linked-to"] - t["carried_structure"]
    return {"lines": total, "kept": t["kept"], "merged": t["merged"], "linked_to": t["linked-to"], "dropped": t["dropped"],
            "unaccounted": t["unaccounted"], "structure": t["structure"],
            "coverage": round(carried / content, 4) if content else 1.0,
            "accounted": round((total - t["unaccounted"]) / total, 4) if total else 1.0}


def _same(run: dict, st: dict) -> bool:
    return all(run.get(k) == st.get(k) for k in ("status", "reason", "page", "duplicate_of", "to", "as"))
