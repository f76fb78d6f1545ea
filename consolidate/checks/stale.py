"""Stale and point-in-time sources: dated reports, "as of" snapshots, pages marked deprecated.

A document is stale when it has a strong signal: a date in its path or title together with a
report-like word, a title or path naming a verification/audit/status report or a completion note
(`SETUP_COMPLETE.md`), front matter `status: deprecated|archived|obsolete|superseded`, or a
deprecation banner near the top. A point-in-time phrase ("as of April 2023", "is not updated
after publication") adds a reason but is not enough on its own.
"""

from __future__ import annotations

import re

from consolidate.records import Document

DATED = re.compile(r"(?<!\d)(?:19|20)\d{2}[-_./]?(?:0[1-9]|1[0-2])(?:[-_./]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
REPORTISH = re.compile(r"\b(?:report|verification|verified|audit|incident|post-?mortem|retro(?:spective)?|status|snapshot|"
                       r"review|assessment|findings|summary|minutes)\b", re.I)
REPORT_TITLE = re.compile(r"\b(?:verification|audit|status|incident|assessment)\s+(?:report|summary|results?)\b|"
                          r"\bpost-?mortem\b", re.I)
COMPLETION = re.compile(r"(?:^|[/_-])(?:[A-Z]+_)*(?:COMPLETE|DONE|FINAL|VERIFIED|SUMMARY)(?:_[A-Z]+)*\.md$")
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


def find_stale(docs: list[Document], texts: dict[str, list[str]]) -> list[dict]:
    out = []
    for d in docs:
        reasons, line = stale_reasons(d, texts.get(d.path, []))
        if reasons:
            out.append({"doc": d.path, "line": line, "reasons": reasons})
    return out
