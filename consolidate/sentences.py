"""Sentence splitting that keeps character offsets, so every sentence maps to exact lines."""

from __future__ import annotations

import re

from consolidate.markdown.links import mask_code_spans

_BOUNDARY = re.compile(r"[.!?][\"')\]*_]*\s+(?=[A-Z0-9`*\[(_\"'])")
_ABBREV = {"e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "dr", "no", "fig", "approx", "incl", "eg", "ie", "st"}
_LINKISH = re.compile(r"\[[^\]]*\]\([^)]*\)|\[[^\]]*\]\[[^\]]*\]|<[^>]+>")  # inline, reference links
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def _masked(text: str) -> str:
    text = mask_code_spans(text)
    # a link is one word that keeps its "[", so a sentence may still start with one
    return _LINKISH.sub(lambda m: m.group(0)[0] + "x" * (len(m.group(0)) - 1), text)


def split(text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of the sentences in `text`, whitespace trimmed."""
    masked = _masked(text)
    cuts = [0]
    for m in _BOUNDARY.finditer(masked):
        word = re.search(r"([\w.]+)$", masked[: m.start()])
        if word and (word.group(1).lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        if word and re.fullmatch(r"\d{1,9}", word.group(1)) and masked[m.start()] == ".":
            # "step 1. Next" is a boundary, but a list-like "1. " at the start is not (a list's
            # ordinal has at most 9 digits; a long number ending a wrapped sentence is not one)
            if m.start() - len(word.group(1)) == 0:
                continue
        cuts.append(m.end())
    # a blank line always ends a sentence (a list item that goes on with a nested quote or code);
    # found in the text itself, since a masked code span after it reads as more blank space
    cuts = sorted(set(cuts + [m.end() for m in _BLANK_LINE.finditer(text)]))
    cuts.append(len(text))
    out = []
    for s, e in zip(cuts, cuts[1:]):
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if seg.strip():
            out.append((s + lead, s + trail))
    return out
