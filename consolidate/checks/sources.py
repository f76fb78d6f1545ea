"""Search every source at once: for claims that cite nothing (pages people wrote by hand)."""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.checks import facts as F

_TOKEN = re.compile(r"[a-z0-9]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(_THOUSANDS.sub("", text.lower())))


class SourceSearch:
    """Normalised text of each source, and which sources hold each word, built once."""

    def __init__(self, texts: dict[str, list[str]]):
        self.size = len(texts)
        self.text: dict[str, str] = {}
        self.raw: dict[str, str] = {}
        self.where: dict[str, set[str]] = defaultdict(set)
        for doc, lines in sorted(texts.items()):
            body = "\n".join(lines)
            self.text[doc] = F.normalise_span(body)
            self.raw[doc] = F.normalise_raw(body)
            for t in tokens(body):
                self.where[t].add(doc)

    def _candidates(self, fact: F.Fact) -> set[str]:
        if fact.kind == "number":
            digits = fact.value.split(" ")[0]
            words = [w for w, d in F.WORDNUM.items() if d == digits]
            out = set()
            for t in tokens(digits) | set(words):
                out |= self.where.get(t, set())
            return out
        toks = tokens(fact.value)
        if not toks:
            return set(self.text)
        sets = sorted((self.where.get(t, set()) for t in toks), key=len)
        out = set(sets[0])
        for s in sets[1:]:
            out &= s
        return out

    def holds(self, fact: F.Fact) -> bool:
        return any(F.contains(self.text[d], fact) for d in sorted(self._candidates(fact)))

    def missing_facts(self, text: str, kind: str) -> list[F.Fact]:
        if kind in ("code", "html"):
            body = F.normalise_raw(text)
            if body and not any(body in r for r in self.raw.values()):
                first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
                return [F.Fact(f"{kind} block", first[:60])]
            return []
        # a sentence's first word is only a name when the sources say so; people's pages are not held to it
        return [f for f in F.extract(text) if f.kind != "initial" and not self.holds(f)]
