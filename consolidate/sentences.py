"""Sentence splitting that keeps character offsets, so every sentence maps to exact lines."""

from __future__ import annotations

import re

from consolidate.markdown.links import mask_code_spans

_BOUNDARY = re.compile(r"[.!?][\"')\]*_]*\s+(?=[A-Z0-9`*\[(_\"'])")
_ABBREV = {"e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "dr", "no", "fig", "approx", "incl", "eg", "ie", "st"}
_LINKISH = re.compile(r"\[[^\]]*\]\([^)]*\)|<[^>]+>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def _masked(text: str) -> str:
    text = mask_code_spans(text)
    return _LINKISH.sub(lambda m: "x" * len(m.group(0)), text)


def split(text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of the sentences in `text`, whitespace trimmed."""
    masked = _masked(text)
    cuts = [0]
    for m in _BOUNDARY.finditer(masked):
        word = re.search(r"([\w.]+)$", masked[: m.start()])
        if word and (word.group(1).lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        if word and re.fullmatch(r"\d+", word.group(1)) and masked[m.start()] == ".":
            # "step 1. Next" is a boundary, but a list-like "1. " at the start is not
            if m.start() - len(word.group(1)) == 0:
                continue
        cuts.append(m.end())
    # a blank line always ends a sentence (a list item that goes on with a nested quote or code)
    cuts = sorted(set(cuts + [m.end() for m in _BLANK_LINE.finditer(masked)]))
    cuts.append(len(text))
    out = []
    for s, e in zip(cuts, cuts[1:]):
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if seg.strip():
            out.append((s + lead, s + trail))
    return out
