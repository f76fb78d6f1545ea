"""Soft support: does the cited text say what the claim says, beyond its hard facts?

- Overlap: the share of the claim's content words (lower-cased, stop words and negation cues
  removed, a plural `s` dropped) found in the cited spans. Below `MIN_OVERLAP` the claim is
  reported as weakly supported.
- Negation: each sentence of the claim is compared with the cited sentence that shares the most
  content words; if the two hold a different number of negations ("no", "not", "never", "n't",
  "without", ...) the claim is reported, since it says the opposite of its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from consolidate import sentences
from consolidate.checks.facts import prose, strip_list_marks

MIN_OVERLAP = 0.5  # below: weak support (a warning)
NO_OVERLAP = 0.2  # below: the cited spans do not hold the claim at all (an error)
HEADING = re.compile(r"^ {0,3}#{1,6}\s+")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
TASK_BOX = re.compile(r"^\s*\[[ xX]\]\s+", re.M)
CUT = "\x00"  # marks where sentences were cut while the markdown is stripped
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’-]*")
NEGATION = frozenset(
    "no not never none nothing nobody neither nor cannot without "
    "don't doesn't didn't isn't aren't wasn't weren't won't can't couldn't shouldn't wouldn't hasn't haven't mustn't "
    "dont doesnt didnt isnt arent wasnt werent wont cant couldnt shouldnt wouldnt hasnt havent".split())
STOP = frozenset(
    "a an the and or but if then else of to in on at by for with from into onto over under as is are was were be been "
    "being it its this that these those there here they them their we our you your he she his her i me my so such "
    "than too very can could should would will shall may might must do does did done has have had having also just "
    "only any all each every some more most other another which who whom whose what when where why how about after "
    "before up down out off again further once both few same own via per e.g i.e etc".split())


_NORM: dict[str, str] = {}


def _norm(w: str) -> str:
    n = _NORM.get(w)
    if n is None:
        n = w.lower().replace("’", "'")
        n = n[:-1] if len(n) > 3 and n.endswith("s") and not n.endswith("ss") else n
        if len(_NORM) < 200_000:
            _NORM[w] = n
    return n


def words_of(text: str, plain: bool = False) -> list[str]:
    """Normalised words; plain: the text is already prose (no markdown to strip)."""
    return [_norm(w) for w in WORD.findall(text if plain else prose(text))]


def _content(words: list[str]) -> frozenset[str]:
    return frozenset(w for w in words if w not in STOP and w not in NEGATION and len(w) > 1)


def _negations(words: list[str]) -> int:
    return sum(w in NEGATION or w.endswith("n't") for w in words)


@lru_cache(maxsize=32768)
def content_words(text: str) -> frozenset[str]:
    """The normalised content words of markdown text (cached: the ledger and the conflict passes ask
    again for the same claims and statements)."""
    return _content(words_of(text))


def negations(text: str) -> int:
    return _negations(words_of(text))


def content_and_negations(text: str) -> tuple[frozenset[str], int]:
    """content_words and negations of one text, its markdown stripped once."""
    words = words_of(text)
    return _content(words), _negations(words)



@dataclass(frozen=True)
class Support:
    overlap: float  # share of the claim's content words found anywhere in the cited spans
    negation_mismatch: bool
    closest: str  # the cited sentence closest to the claim
    sentence_overlap: float = 1.0  # the worst claim sentence's share held by its closest cited sentence


class SpanText:
    """A cited span split into sentences, with content words, computed once."""

    def __init__(self, text: str):
        self.sentences = sentences_of(TASK_BOX.sub("", strip_list_marks(text))) or [" ".join(text.split())]
        words = [words_of(s, plain=True) for s in self.sentences]
        self.words = [_content(w) for w in words]
        self.every = [frozenset(w) for w in words]
        self.all_words = frozenset().union(*self.words) if self.words else frozenset()
        self.negs = [_negations(w) for w in words]


def sentences_of(text: str) -> list[str]:
    """The sentences of markdown text as prose, whitespace collapsed: split per paragraph (a blank
    line or a heading ends one) on the markdown itself, as the drafter splits its units, so that
    markup a reader does not see (`_name_` starting a sentence) still marks where sentences start."""
    out = []
    for part in _paragraphs(text):
        # cut, then strip markdown from the whole paragraph, so emphasis over two sentences
        # ("_with no spaces. On the output: ..._") is stripped from both
        cuts = sentences.split(part) or [(0, len(part))]
        for sent in prose(CUT.join(part[s:e].replace(CUT, " ") for s, e in cuts)).split(CUT):
            sent = " ".join(sent.split())
            if sent:
                out.append(sent)
    return out


def _paragraphs(body: str) -> list[str]:
    """Blank-line separated paragraphs; a heading is a paragraph of its own (without its #s), and
    so is a fenced block (a span may hold an intro sentence and the code right after it)."""
    out, cur, fence = [], [], ""
    for ln in body.split("\n"):
        opened = FENCE.match(ln)
        if fence:
            cur.append(ln)
            if opened and opened.group(1).startswith(fence) and not ln.strip()[len(opened.group(1)):].strip():
                out.append("\n".join(cur))
                cur, fence = [], ""
        elif opened:
            if cur:
                out.append("\n".join(cur))
            cur, fence = [ln], opened.group(1)
        elif not ln.strip() or HEADING.match(ln):
            if cur:
                out.append("\n".join(cur))
                cur = []
            if ln.strip():
                out.append(HEADING.sub("", ln))
        else:
            cur.append(ln)
    if cur:
        out.append("\n".join(cur))
    return out


def _closest(cw: frozenset[str], spans: list[SpanText], every: frozenset[str], negs: int) -> tuple[str, float, int, float]:
    """The cited sentence sharing the most content words with a claim sentence (`every`: all its
    words; `negs`: its negations). Of sentences that share as many content words, the one sharing
    the most words of any kind, then one that holds as many negations: "One command is part of the
    transaction. The other transaction is not." cut at a line start gives "transaction." too."""
    best, best_score, best_neg, held = "", 0.0, 0, 0.0
    best_key = None  # (words of any kind shared, same negations) of the best, worked out on a tie only
    best_at = (0, 0)
    for i, sp in enumerate(spans):
        for k, (sent, ws, neg) in enumerate(zip(sp.sentences, sp.words, sp.negs)):
            if not ws:
                continue
            score = len(cw & ws) / len(cw | ws)
            held = max(held, len(cw & ws) / len(cw))
            if score > best_score:
                best, best_score, best_neg, best_key, best_at = sent, score, neg, None, (i, k)
            elif score == best_score and score > 0:
                if best_key is None:
                    aw = spans[best_at[0]].every[best_at[1]]
                    best_key = (len(every & aw) / len(every | aw), best_neg == negs)
                aw = sp.every[k]
                key = (len(every & aw) / len(every | aw), neg == negs)
                if key > best_key:
                    best, best_neg, best_key, best_at = sent, neg, key, (i, k)
    return best, best_score, best_neg, held


def support(claim: str, spans: list[SpanText]) -> Support:
    cw = content_words(claim)
    if not cw:  # nothing to compare; the first cited sentence is what it should restate
        first = next((s for sp in spans for s in sp.sentences if s), "")
        return Support(1.0, False, first)
    seen = frozenset().union(*(s.all_words for s in spans)) if spans else frozenset()
    overlap = len(cw & seen) / len(cw)
    closest, mismatch, worst = "", False, 1.0
    for part in sentences_of(claim):
        words = words_of(part, plain=True)
        pw, pn = _content(words), _negations(words)
        if not pw:
            continue
        best, score, neg, held = _closest(pw, spans, frozenset(words), pn)
        closest = closest or best
        if len(pw) >= 3:
            worst = min(worst, held)
        if score >= 0.3 and neg != pn:
            mismatch, closest = True, best
            break
    return Support(round(overlap, 3), mismatch, closest, round(worst, 3))
