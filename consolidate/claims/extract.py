"""Subject -> value claims that `checks/conflicts._settings` does not read on its own.

- A bold label and its value: `**Version:** v3.1`, `- **Port**: 8001`, `**Timeout:** 30 s`. The
  value must be short and carry a number, a version or a code span (a label followed by a
  sentence is prose, not a value); the value is that number with its unit, or the code span, and
  the unit joins the subject ("Batch size (households)": `100 households per query` and `100
  households at a time` agree; `>20% slower` and `>3s` are not one measure).
- A command's flag in a shell block: `uvicorn app.main:app --port 8001` gives
  (`uvicorn app.main:app --port`, `8001`); the command's first two words name the subject, so
  `docker run -p` and `uvicorn --port` never meet.
- A row of a metric/target table: the row's first cell and a column headed target, goal,
  threshold, SLA, SLO, limit, default or value (`| Uptime | 99.9% |` under `| Metric | Target |`).
"""

from __future__ import annotations

import re

LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?\*\*([A-Za-z][\w ./()-]{0,38}?)\s*:?\s*\*\*\s*:?\s*(.+?)\s*$")
VALUE_FACT = re.compile(r"\d|`")
# the value itself: a number or version with its unit ("100 households", "20%", "v3.1"), or a code span
NUMBER = re.compile(r"(?<![\w.])(v?\d+(?:[.,]\d+)*)\s*(%|[A-Za-z]+\b)?")
CODE = re.compile(r"`([^`]+)`")
FLAG = re.compile(r"\s(--?[a-z][\w-]*)(?:=|\s+)([\w.:/-]*\d[\w.:/-]*)(?=\s|$)")
SHELL = ("bash", "sh", "shell", "console", "zsh", "")
TARGET_HEAD = re.compile(r"\b(?:target|goal|threshold|sla|slo|limit|default|value|port)s?\b", re.I)
_CELL = re.compile(r"\s*\|\s*")


def labelled(text: str) -> list[tuple[str, str]]:
    out = []
    for ln in text.splitlines():
        m = LABEL.match(ln)
        if not m:
            continue
        value = m.group(2).strip().rstrip(".")
        if len(value) > 40 or len(value.split()) > 5 or not VALUE_FACT.search(value):
            continue
        label = m.group(1).strip().rstrip(":")
        code, number = CODE.search(value), NUMBER.search(value)
        if code and (not number or code.start() <= number.start()):
            out.append((label, code.group(1)))
        elif number:  # the unit names what is counted: "100 households" and "20%" are not one thing
            unit = number.group(2) or ""
            out.append((f"{label} ({unit.lower()})" if unit and unit.lower() != "v" else label,
                        number.group(1) + (f" {unit}" if unit.isalpha() else unit)))
    return out


def flags(text: str) -> list[tuple[str, str]]:
    lines = text.splitlines()
    if not lines or lines[0].lstrip("`~ ").lower().split(" ")[0] not in SHELL:
        return []
    out = []
    for ln in lines[1:]:
        words = ln.strip().lstrip("$ ").split()
        if len(words) < 3 or words[0].startswith("#"):
            continue
        command = " ".join(w for w in words[:2] if not w.startswith("-"))
        for m in FLAG.finditer(" " + " ".join(words[1:])):
            out.append((f"{command} {m.group(1)}", m.group(2)))
    return out


def table_rows(text: str) -> list[tuple[str, str]]:
    rows = [_CELL.split(ln.strip().strip("|")) for ln in text.splitlines() if ln.strip().startswith("|")]
    if len(rows) < 3:
        return []
    head = rows[0]
    cols = [i for i, h in enumerate(head) if i > 0 and TARGET_HEAD.search(h)]
    out = []
    for r in rows[2:]:
        if not r or not r[0].strip():
            continue
        for i in cols:
            if i < len(r) and re.search(r"\d", r[i]) and len(r[i]) <= 40:
                out.append((f"{r[0].strip('* `')} {head[i].strip('* ')}", r[i].strip()))
    return out


def claims_of(kind: str, text: str) -> list[tuple[str, str]]:
    """(subject, value) pairs of one unit."""
    if kind == "code":
        return flags(text)
    if kind == "table":
        return table_rows(text)
    if kind in ("sentence", "list_item"):
        return labelled(text)
    return []
