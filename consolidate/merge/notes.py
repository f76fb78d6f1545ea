"""One note per disagreement: what each side says and which documents say it, in plain words.

A pair of near-identical statements with different facts is shown side by side and followed by
one note; a disagreement found across the plan (a setting, a version, an absence) is noted after
the first side the page shows. The same subject with the same values is noted once per page, its
note citing every side (checks/notes.py holds the format the checker reads back).
"""

from __future__ import annotations

import re
from functools import lru_cache

from consolidate.checks import facts as F
from consolidate.checks.notes import NOTE_END, NOTE_PREFIX, format_note
from consolidate.checks.support import content_words
from consolidate.claims.aliases import to_preferred
from consolidate.dedupe import normalise
from consolidate.records import Citation, Conflict, DraftBlock
from consolidate.units import Unit


def originals(u: Unit) -> dict[str, str]:
    """Fact keys (lower-cased, for comparing) -> the values as the source writes them."""
    return {f"{f.kind}:{f.value.lower()}": f.value for f in F.extract(F.statement(u.text))}


def facts_of(u: Unit) -> str:
    orig = originals(u)
    return ", ".join(orig.get(f, f.split(":", 1)[1]) for f in u.facts) or "(no facts)"


def fact_values(u: Unit) -> tuple[str, ...]:
    orig = originals(u)
    return tuple(orig.get(f, f.split(":", 1)[1]) for f in u.facts)


def _grouped(sides: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(value, doc) per side -> (value, its documents), in the order values first appear. Sides
    whose values read alike (they differ only in what the words cannot show) stay one per side."""
    groups: dict[str, list[str]] = {}
    for value, doc in sides:
        docs = groups.setdefault(value, [])
        if doc not in docs:
            docs.append(doc)
    if len(groups) < 2:
        return [(value, [doc]) for value, doc in dict.fromkeys(sides)]
    return list(groups.items())


def preferring(subject: str, aliases, cited: str) -> str:
    """A note's subject (the drafter's own words) in the preferred term of each alias it names
    (claims/aliases.py), where the cited sides hold that term (the checker proves a note's words
    against them); quoted source text is never changed."""
    return to_preferred(subject, [a for a in aliases if a.preferred in cited])


SERIES = 3  # one source giving this many values of a look-alike statement lists a series, not a setting


def _masked(u: Unit) -> str:
    return normalise(F.mask(u.text))


def series_texts(units: list[Unit]) -> frozenset[str]:
    """The statements (their words, values masked) that one source gives SERIES or more values of
    ("PRs merged: 14" under May, 12 under June and 21 under July of a monthly report)."""
    values: dict[tuple[str, str], set] = {}
    for u in units:
        if u.kind in ("sentence", "list_item") and u.facts:
            values.setdefault((_masked(u), u.doc), set()).add(u.facts)
    return frozenset(text for (text, _), v in values.items() if len(v) >= SERIES)


def series(u: Unit, texts: frozenset[str]) -> bool:
    """u and its look-alikes with other facts (u.conflicts) are a series, not a disagreement: a
    source of the page gives SERIES or more of their values (series_texts). They are all shown;
    no note says they disagree."""
    return any(_masked(s) in texts for s in [u] + u.conflicts)


def series_conflict(c: Conflict) -> bool:
    """A plan-wide disagreement one of whose documents gives SERIES or more of its values: a series
    (a value per month, per version, per platform), not a setting the sources disagree on."""
    values: dict[str, set] = {}
    for s in c.sides:
        values.setdefault(s.doc, set()).add(tuple(s.values))
    return c.kind == "value" and any(len(v) >= SERIES for v in values.values())


def own_subjects(c: Conflict, names: dict[str, str]) -> bool:
    """A plan-wide look-alike whose sides differ only in what each document is about: every side's
    own values are words of its document's name (title and file name), as in "aliases for
    `Select-String`" on Select-String.md against "aliases for `Get-ChildItem`" on Get-ChildItem.md.
    Statements about different things, not a disagreement. names: document -> its title and file
    name."""
    if c.kind != "value" or len(c.sides) < 2:
        return False
    shared = set.intersection(*(set(s.values) for s in c.sides))
    for s in c.sides:
        own = [v for v in s.values if v not in shared]
        words = set(normalise(names.get(s.doc, "")).split())
        if not own or not all(set(normalise(v).split()) <= words for v in own):
            return False
    return True


def pair_note(u: Unit, para: int, aliases=(), subject: str = "", holds=None) -> DraftBlock:
    """The note after a statement and its look-alikes with other facts (shown just above it). Each
    side speaks for every source it was merged with that states its values too, so the note names
    and cites them all; holds(citation, values): the cited span states those values (a source
    merged into a side may say less: "usually set to Impersonate" beside "usually set to 3").
    `subject`: what the disagreement is about, when known better than u's own words (the
    plan-wide conflict the pair joined)."""
    sides = [u] + u.conflicts
    values, cites, differing = [], [], []
    for s in sides:
        orig = originals(s)
        own = [orig.get(f, f.split(":", 1)[1]) for f in s.facts if not all(f in o.facts for o in sides)]
        differing += own
        value = ", ".join(own) or "other values"
        for c in s.citations or [s.cite()]:
            if c != s.cite() and own and holds is not None and not holds(c, own):
                continue
            values.append((value, c.doc))
            cites.append(c)
    subject = preferring(_without_values(subject or F.plain(u.text, 12), set(differing)), aliases,
                         " ".join(s.text for s in sides))
    return DraftBlock(kind="note", text=format_note(subject, _grouped(values)), citations=tuple(dict.fromkeys(cites)), para=para)


class PageNotes:
    """The plan-wide conflicts noted on one page, each subject and set of values once."""

    def __init__(self, aliases=()) -> None:
        self.seen: dict[tuple, tuple[list, int, list]] = {}  # key -> (section's blocks, index, sides noted)
        self.aliases = aliases  # the plan's (records.Alias): notes name things by their preferred term

    def add(self, c: Conflict, blocks: list[DraftBlock]) -> None:
        live = [s for s in c.sides if not s.stale]
        key = (c.kind, normalise(c.subject), frozenset(", ".join(s.values) for s in live))
        if key in self.seen:  # the same disagreement again: its sides join the note already there
            where, at, noted = self.seen[key]
            noted += [s for s in live if (s.doc, s.start) not in {(x.doc, x.start) for x in noted}]
            where[at] = _side_note(c, noted, where[at].para, self.aliases)
            return
        self.seen[key] = (blocks, len(blocks), list(live))
        blocks.append(_side_note(c, live, -len(blocks), self.aliases))


def _side_note(c: Conflict, live: list, para: int, aliases=()) -> DraftBlock:
    if c.kind == "negation" and not c.subject.startswith("whether "):  # "whether ...": yes vs no (claims/polarity.py)
        text = f"{NOTE_PREFIX} one source says there is no {c.subject}; others describe one. {NOTE_END}"
    else:
        shared = set.intersection(*(set(s.values) for s in live)) if live else set()
        values = [(", ".join(v for v in s.values if v not in shared) or ", ".join(s.values), s.doc) for s in live]
        subject = preferring(_subject(c, live, {v for s in live for v in s.values} - shared), aliases,
                             " ".join(s.text for s in live))
        text = format_note(subject, _grouped(values))
    return DraftBlock(kind="note", text=text, para=para,
                      citations=tuple(Citation(chunk=s.chunk, doc=s.doc, start=s.start, end=s.end) for s in live))


def _subject(c: Conflict, live: list, disputed: set[str]) -> str:
    """What the sides disagree on, without the disputed values (they follow it): the conflict's
    subject, or the first side's words when the subject is a bare pronoun."""
    subject = c.subject
    if len(content_words(subject)) < 1 and live:
        subject = F.plain(live[0].text, 12)
    return _without_values(subject, disputed)


_CODE = re.compile(r"(`+[^`]*?`+)")


@lru_cache(maxsize=8192)
def _value_token(value: str) -> re.Pattern:
    """`value` as a whole token (the same values come back across a plan's notes: compiled once)."""
    return re.compile(rf"(?<![\w.,/-]){re.escape(value)}(?![\w/-]|[.,]\w)")


def _without_values(subject: str, values: set[str]) -> str:
    """The subject with the disputed values taken out where they stand as whole tokens (`6` is not
    taken out of `65535`, nor `a` out of a word), so the note names each value once, after it."""
    parts = _CODE.split(subject)  # code spans (odd places) are left as they are written
    for i in range(0, len(parts), 2):
        for v in sorted(values, key=len, reverse=True):
            parts[i] = _value_token(v).sub(" ", parts[i])
        parts[i] = parts[i].replace(": ", " - ")  # one ": " outside code, before the values
    return " ".join("".join(parts).split()).rstrip(".:;, -")
