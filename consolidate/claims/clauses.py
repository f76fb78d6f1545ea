"""Clauses: the parts of a statement that each say one thing, for finding two documents that say
the same thing with other values inside longer sentences.

"If the failure rate goes above 2% for more than five minutes, roll back." and "If the failure
rate goes above 5% for more than ten minutes, roll back. The quickest way is..." are two units
too unlike as wholes to be compared; their first clauses, values masked, are the same words.
A clause is a sentence, or a part of one between `;` or `, ` when each part keeps at least
MIN_WORDS content words (a short part such as "10:00 to 16:00 UTC" stays with the clause before it).
Values are the checker's hard facts, number words ("five") and the days of the week, which a
schedule gives ("Tuesday to Thursday").
"""

from __future__ import annotations

import re

from consolidate import sentences
from consolidate.checks import facts as F
from consolidate.checks.support import content_words

MIN_WORDS = 3
DAYS = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b")
_PARTS = re.compile(r";\s+|,\s+")
_MAY_HOLD = re.compile("|".join([r"\d", F.NUMWORD.pattern, DAYS.pattern]), re.I)  # a quick test before _VALUE
_VALUE = re.compile("|".join([r"\b\d{1,2}:\d{2}\b", F.VERSION.pattern, F.NUMBER.pattern, F.NUMWORD.pattern, DAYS.pattern]), re.I)


def clauses(text: str) -> list[str]:
    """The clauses of a statement's plain text, in order."""
    plain = F.prose(F.statement(text))
    out: list[str] = []
    for a, b in sentences.split(plain):
        parts: list[str] = []
        for part in _PARTS.split(plain[a:b]):
            if parts and len(_words(part)) < MIN_WORDS:
                parts[-1] += ", " + part
            elif parts and len(_words(parts[-1])) < MIN_WORDS:
                parts[-1] += ", " + part
            else:
                parts.append(part)
        out += parts
    return out


def masked(clause: str) -> str:
    """A clause with its values masked (the checker's mask, then number words and days)."""
    return DAYS.sub(" 0 ", F.NUMWORD.sub(" 0 ", F.mask(clause)))


def values(clause: str) -> tuple[str, ...]:
    """The values a clause gives, as written, in order ("10:00", "2%", "five", "Tuesday")."""
    return tuple(" ".join(m.group(0).split()) for m in _VALUE.finditer(clause))


def key(clause: str) -> tuple[str, ...]:
    """What two clauses must differ in to disagree: their facts and days, compared case-blind."""
    return tuple(sorted(F.fact_key(clause) + tuple("day:" + d.lower() for d in DAYS.findall(clause))))


def may_hold(text: str) -> bool:
    """A quick test: the text has a digit, a number word or a day (no clause of it says a value otherwise)."""
    return _MAY_HOLD.search(text) is not None


def said(clause: str) -> bool:
    """The clause gives a value and says enough around it to be compared."""
    return _MAY_HOLD.search(clause) is not None and bool(values(clause)) and len(_words(masked(clause))) >= MIN_WORDS


def subject(clause: str) -> str:
    """What the clause is about: its words before its first value ("If the failure rate goes
    above"), or all its words without values when fewer than two content words come first."""
    m = _VALUE.search(clause)
    before = clause[:m.start()] if m else clause
    if len(_words(before)) < 2:
        before = masked(clause).replace(" 0 ", " ")
    return " ".join(before.split()).rstrip(" .,:;")


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in content_words(text) if not w.isdigit())
