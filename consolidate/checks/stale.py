"""Stale and point-in-time sources: dated reports, "as of" snapshots, pages marked deprecated.

A document is stale when it has a strong signal: a date in its path or title together with a
report-like word, a title or path naming a verification/audit/status report or a completion note
(`SETUP_COMPLETE.md`, a title "Billing Implementation Guide - COMPLETED ✅"), front matter
`status: deprecated|archived|obsolete|superseded`, a deprecation banner near the top, a page for
a superseded version (`docs/v1/install.md` beside `docs/v2/install.md`), or a file written as
instructions to a model (merge/residue.py: prompts, resume notes). A point-in-time phrase ("as of
April 2023", "is not updated after publication") adds a reason but is not enough on its own. A
name alone never makes a page stale: `QUICKSTART_FINAL.md` or `QUICK_REFERENCE.md` is current
unless something else says otherwise.
"""

from __future__ import annotations

import re

from consolidate.records import Document

DATED = re.compile(r"(?<!\d)(?:19|20)\d{2}[-_./]?(?:0[1-9]|1[0-2])(?:[-_./]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
REPORTISH = re.compile(r"\b(?:report|verification|verified|audit|incident|post-?mortem|retro(?:spective)?|status|snapshot|"
                       r"review|assessment|findings|summary|minutes)\b", re.I)
REPORT_TITLE = re.compile(r"\b(?:verification|audit|status|incident|assessment)\s+(?:report|summary|results?)\b|"
                          r"\bpost-?mortem\b", re.I)
COMPLETION = re.compile(r"(?:^|[/_-])(?:[A-Z]+_)*(?:COMPLETE|COMPLETED|DONE|VERIFIED|SUMMARY)(?:_[A-Z]+)*\.md$")
# a title announcing finished work: "... - COMPLETED ✅", "Setup & Fixes Complete ✅", "Migration done"
DONE_TITLE = re.compile(r"\b(?:complete[d]?|done|finished|fixed|implemented)\b", re.I)  # with a check mark
DONE_WORD = re.compile(r"\b(?:COMPLETED?|DONE|FINISHED)\b")  # or shouted
VERSION_DIR = re.compile(r"(?<![^/])v?(\d+)(?:\.(?:\d+|x))?(?=/)")
DEPRECATED_FM = re.compile(r"^(?:deprecated|archived|obsolete|superseded|outdated|historical)$", re.I)
BANNER = re.compile(r"\b(?:this (?:page|document|doc|guide|report) (?:is|has been) (?:deprecated|archived|obsolete|"
                    r"superseded|outdated|no longer (?:maintained|accurate|updated))|deprecated:|superseded by)\b", re.I)
POINT_IN_TIME = re.compile(r"\bas of (?:(?:January|February|March|April|May|June|July|August|September|October|November|"
                           r"December)\s+)?(?:19|20)\d{2}\b|\bas of (?:version|v|release)\s*\d|\bpoint-in-time\b|"
                           r"\bnot (?:be )?updated after publication\b|\bat the time of writing\b", re.I)


def _words(path: str) -> str:
    return re.sub(r"[_\-./]+", " ", path)


def stale_reasons(doc: Document, lines: list[str]) -> tuple[list[str], int]:
    """(reasons, line of the strongest evidence); no reasons means not stale."""
    reasons, line = [], 1
    name_title = f"{_words(doc.path)} {doc.title}"
    dated = DATED.search(doc.path) or DATED.search(doc.title) or DATED.search(str(doc.front_matter.get("date", "")))
    if dated and REPORTISH.search(name_title):
        reasons.append("dated report")
    if REPORT_TITLE.search(name_title):
        reasons.append("report title")
    if COMPLETION.search(doc.path):
        reasons.append("completion or status note")
    elif DONE_WORD.search(doc.title) or ("✅" in doc.title and DONE_TITLE.search(doc.title)):
        reasons.append("completion note title")
    status = str(doc.front_matter.get("status", "")).strip()
    if DEPRECATED_FM.match(status):
        reasons.append(f"front matter status: {status}")
    head = lines[doc.body_start - 1:doc.body_start + 24] if doc.body_start else lines[:25]
    for no, ln in enumerate(head, start=doc.body_start or 1):
        if BANNER.search(ln):
            reasons.append("deprecation banner")
            line = no
            break
    strong = bool(reasons)
    for no, ln in enumerate(lines, start=1):
        m = POINT_IN_TIME.search(ln)
        if m:
            reasons.append(f"point-in-time: {m.group(0)!r}")
            line = line if line != 1 else no
            break
    return (reasons if strong else []), line


def superseded(paths: list[str]) -> dict[str, str]:
    """Pages under an older version folder -> the same page under the newest one
    (`docs/v1/install.md` -> `docs/v2/install.md`)."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for p in paths:
        for m in VERSION_DIR.finditer(p):
            by_key.setdefault(p[:m.start()] + "{v}" + p[m.end():], []).append((int(m.group(1)), p))
    out = {}
    for versions in by_key.values():
        newest = max(versions)
        for v, p in versions:
            if v < newest[0]:
                out[p] = newest[1]
    return out


def find_stale(docs: list[Document], texts: dict[str, list[str]], residue: frozenset = frozenset()) -> list[dict]:
    """residue: documents written as instructions to a model (merge/residue.residue_documents)."""
    out = []
    newer = superseded([d.path for d in docs])
    for d in docs:
        reasons, line = stale_reasons(d, texts.get(d.path, []))
        if d.path in newer:
            reasons = [f"superseded version: {newer[d.path]} is newer"] + reasons
        if d.path in residue:
            reasons = ["written as instructions to a model"] + reasons
        if reasons:
            out.append({"doc": d.path, "line": line, "reasons": reasons})
    return out
