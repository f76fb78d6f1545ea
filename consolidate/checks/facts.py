"""Hard facts in a claim, and whether a source span contains them.

Kinds, extracted in this order (each match is masked before the next kind looks):
code (inline code), url, http (`GET /path`), date, version, path, env (`DATABASE_URL`, `$HOME`),
flag (`--max-cost`, `-v`), identifier (snake_case, CamelCase, camelCase, dotted.names), quoted
("..."), number (with its unit; number words two..twenty count as numbers), product
(a capitalised name that does not start a sentence, or an acronym) and initial (a capitalised
word that starts a sentence: it only counts when the sources never use it as an ordinary
lower-case word, so "Kafka" at the start of a sentence is checked and "Deploy" is not).

Normalisation, documented for users:
- whitespace is collapsed everywhere; markdown emphasis and link targets are ignored;
- case is ignored for paths, dates, quoted strings and product names, kept for code, env vars,
  flags and identifiers (`WORKER_URL` and `worker_url` are different settings);
- a number matches the same digits in the span with no other digit glued to them (`8` does not
  match `80` or `1.8`); thousands separators are ignored (`5,000` = `5000`); `50MB` = `50 MB`;
  `3` = `three`; when the claim gives a unit, an occurrence with a different unit does not count
  (`60 s` = `60 seconds`, but not `60 minutes`);
- word-like facts match whole words only (`Redis` does not match `Redisson`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]`\"']+[^\s<>()\[\]`\"'.,;:!?*]")
CODE = re.compile(r"(`+)(.+?)\1")
HTTP = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/[^\s`\"')\],;]*")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
DATE = re.compile(rf"\b\d{{4}}-\d{{2}}(?:-\d{{2}})?\b|\b(?:\d{{1,2}}\s+)?(?:{MONTHS})\.?\s+(?:\d{{1,2}},?\s+)?\d{{4}}\b")
VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:-[A-Za-z0-9.]+)?(?![\w]|\.\d)")
PATH = re.compile(r"(?<![\w:/.,@$-])(?:~|\.{1,2})?/?(?:[\w.@-]+/)+(?:[\w.@-]*[\w@]/?|(?=[\s.,;:)]|$))"
                  r"|(?<![\w/.-])[\w-]+(?:\.[\w-]+)*\.(?:md|mdx|toml|yaml|yml|json|py|sh|txt|conf|env|ini|sql|html|js|jsx|ts|tsx|go|rs|rb|lock|cfg|xml|csv)(?:[\w-]*\b)")
ENV = re.compile(r"\$\{?[A-Za-z_]\w*\}?|(?<![\w.-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-]|\.\w)")
FLAG = re.compile(r"(?<![\w-])--[a-zA-Z][\w-]*[\w]|(?<![\w-])-[a-zA-Z](?=\s|$)")
IDENT = re.compile(r"(?<![\w.-])(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+"
                   r"|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|_+[a-z]\w*"
                   r"|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[a-z]+[0-9]*(?:[A-Z][a-z0-9]*)+)(?![\w-])")
QUOTED = re.compile(r"\"([^\"\n]{2,80})\"|“([^”\n]{2,80})”")
WORDNUM = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
UNITS = {
    "%": "%", "percent": "%", "ms": "ms", "millisecond": "ms", "milliseconds": "ms",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d",
    "w": "w", "week": "w", "weeks": "w", "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb",
    "kib": "kib", "mib": "mib", "gib": "gib", "tib": "tib", "k": "k", "x": "x", "am": "am", "pm": "pm",
}
_UNIT_RX = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
NUMBER = re.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)*)(?:\s?({_UNIT_RX}))?(?![\w.,]?\w)", re.I)
NUMWORD = re.compile(r"\b(" + "|".join(w for w in WORDNUM if WORDNUM[w] not in ("0", "1")) + r")\b", re.I)
PRODUCT = re.compile(r"(?<![\w.-])[A-Z][A-Za-z0-9+#]*[A-Za-z0-9+#](?![\w-])")
# inline (a target may hold balanced parentheses: wiki/Shell_(computing)#Overview) or [text][label]
MD_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\]\n]*\])")
FOOTNOTE = re.compile(r"\[\^[^\]]+\]")
_DIGIT = re.compile(r"\d")
EMPHASIS = re.compile(r"(\*\*|\*|(?<!\w)__|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
# in text of several lines emphasis may go on over a line break (a wrapped paragraph), never
# over a blank line (a slower pattern, so one-line text keeps the one above)
EMPHASIS_WRAPPED = re.compile(r"(\*\*|\*|(?<!\w)__|(?<!\w)_)(?=\S)((?:.|\n(?![ \t]*\n))+?)(?<=\S)\1(?!\w)")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|^\W+|\s[-–—]\s+|\|\s*)$")
NOT_PRODUCTS = frozenset(
    "I A An The This That These Those It Its If In On At To For Of By With When Where What Which Who Why How "
    "And Or But Not No Yes All Any Each Every Some See Use Run Set Note Also Then Otherwise Only For "
    "NOTE TODO WARNING TIP IMPORTANT CAUTION INFO DANGER OK".split())
CASELESS = frozenset({"path", "date", "quoted", "product", "initial"})
WORDLIKE = frozenset({"env", "flag", "identifier", "product", "version", "date", "initial"})


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str


def prose(text: str) -> str:
    """Claim text without link targets, citation markers or emphasis (those are checked elsewhere)."""
    if "[^" in text:
        text = FOOTNOTE.sub("", text)
    for _ in range(3 if "](" in text or "][" in text else 0):  # a badge is an image inside a link
        text, n = MD_LINK.subn(lambda m: m.group(2), text)
        if not n:
            break
    if "*" not in text and "_" not in text:
        return text
    emphasis = EMPHASIS_WRAPPED if "\n" in text else EMPHASIS
    if "`" not in text:
        return emphasis.sub(lambda m: m.group(2), text)
    parts, last = [], 0  # emphasis only outside code spans: `*.dll` keeps its star
    for m in CODE.finditer(text):
        parts += [emphasis.sub(lambda e: e.group(2), text[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join(parts) + emphasis.sub(lambda e: e.group(2), text[last:])


def _take(text: str, rx: re.Pattern, kind: str, facts: list[Fact], keep=None) -> str:
    """Record each match as a fact and blank it out (same length, so later offsets hold), in one pass."""
    def one(m: re.Match) -> str:
        value = m.group(0) if keep is None else keep(m)
        if not value:
            return m.group(0)
        facts.append(Fact(kind, value))
        return " " * (m.end() - m.start())
    return rx.sub(one, text)


def _path(m: re.Match) -> str:
    v = m.group(0).rstrip(".")
    if not re.search(r"[A-Za-z]", v):
        return ""  # a date or fraction like 4/5
    parts = [p for p in v.split("/") if p]
    plain = len(parts) == 2 and v[0] not in "~./" and not v.endswith("/") and all(p.isalpha() for p in parts)
    return "" if plain else v  # `and/or`, `emails/day`: words, not paths


def _product(text: str, m: re.Match) -> str:
    v = m.group(0)
    first = v.split()[0]
    if first in NOT_PRODUCTS or len(v) < 2:
        return ""
    if SENTENCE_START.search(text[:m.start()]) and not re.search(r"[A-Z0-9+#]", first[1:]):
        return ""  # capitalised because it starts a sentence: an `initial`, not a product
    return v


def extract(text: str) -> list[Fact]:
    """The hard facts of a text, in order (a new list each call; memoised, as the drafter, the checker
    and the ledger ask of the same texts, and versions of a page repeat them)."""
    return list(_extract(text))


@lru_cache(maxsize=131072)
def _extract(text: str) -> tuple[Fact, ...]:
    text = prose(text)
    facts: list[Fact] = []
    if '"' in text or "“" in text:
        facts += [Fact("quoted", " ".join((m.group(1) or m.group(2)).split())) for m in QUOTED.finditer(text)
                  if "`" not in m.group(0)]  # quotes around code are checked as code
    if "`" in text:
        text = _take(text, CODE, "code", facts, lambda m: " ".join(m.group(2).split()))  # a URL in code is code
    if "://" in text:
        text = _take(text, URL, "url", facts)
    if " /" in text:
        text = _take(text, HTTP, "http", facts, lambda m: " ".join(m.group(0).split()).rstrip(".:"))
    digits = _DIGIT.search(text) is not None
    if digits:
        text = _take(text, DATE, "date", facts)
        text = _take(text, VERSION, "version", facts)
    if "/" in text or "." in text:
        text = _take(text, PATH, "path", facts, _path)
    if "_" in text or "$" in text:
        text = _take(text, ENV, "env", facts)
    if "-" in text:
        text = _take(text, FLAG, "flag", facts)
    text = _take(text, IDENT, "identifier", facts)
    if digits:
        text = _take(text, NUMBER, "number", facts, _number)
    text = _take(text, NUMWORD, "number", facts, lambda m: WORDNUM[m.group(1).lower()])
    for m in list(PRODUCT.finditer(text)):
        v = _product(text, m)
        if v:
            facts.append(Fact("product", v))
        elif m.group(0).isalpha() and len(m.group(0)) > 2 and m.group(0) not in NOT_PRODUCTS:
            facts.append(Fact("initial", m.group(0)))
    return tuple(facts)


def _number(m: re.Match) -> str:
    digits = m.group(1).replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", m.group(1)) else m.group(1)
    unit = UNITS.get((m.group(2) or "").lower(), "")
    return f"{digits} {unit}" if unit else digits


def _squash(s: str) -> str:
    return " ".join(s.split())


def normalise_span(text: str) -> str:
    """Span text as facts are searched in it: the text as a reader sees it (link targets and
    emphasis markers gone), then the raw text (so a URL that was only a link target is found)."""
    return _squash(prose(text).replace("`", " ` ")) + " \n " + normalise_raw(text)


def normalise_prose(text: str) -> str:
    """The text as a reader sees it only (no link targets)."""
    return _squash(prose(text).replace("`", " ` "))


def normalise_raw(text: str) -> str:
    """Text with whitespace collapsed only (code blocks are compared this way)."""
    return _squash(text.replace("`", " ` "))


@lru_cache(maxsize=65536)
def _word_rx(value: str, caseless: bool) -> re.Pattern:
    before = r"(?<![\w])" if value[:1].isalnum() or value[:1] == "_" else ""
    after = r"(?![\w])" if value[-1:].isalnum() or value[-1:] == "_" else ""  # `C#`, `PR#` may touch a number
    return re.compile(before + re.escape(value) + after, re.I if caseless else 0)


@lru_cache(maxsize=65536)
def _number_rx(digits: str) -> re.Pattern:
    body = re.escape(digits)
    if re.fullmatch(r"\d{4,}", digits):  # 5000 also matches 5,000
        body = re.escape(f"{int(digits):,}") + "|" + body
    word = next((w for w, d in WORDNUM.items() if d == digits), None)
    alts = rf"(?<![\w.,])(?:{body})(?![.,]?\d)"
    if word:
        alts += rf"|\b{word}\b"
    return re.compile(rf"(?:{alts})(?:\s?({_UNIT_RX})(?![\w]))?", re.I)


def contains(span: str, fact: Fact) -> bool:
    """`span` is normalise_span(text of the cited lines)."""
    v = fact.value
    if fact.kind == "number":
        digits, _, unit = v.partition(" ")
        for m in _number_rx(digits).finditer(span):
            found = UNITS.get((m.group(1) or "").lower(), "")
            if not unit or not found or found == unit or {found, unit} == {"m", "min"}:
                return True
        return False
    if fact.kind == "version":
        bare = v.lstrip("v")
        return re.search(rf"(?<![\d.]){re.escape(bare)}(?!\.?\d)", span) is not None
    if fact.kind in WORDLIKE:
        return _word_rx(v, fact.kind in CASELESS).search(span) is not None
    if fact.kind in CASELESS or fact.kind == "url":
        return v in span or v.lower() in span.lower()
    if fact.kind == "code" and "`" in v:
        v = normalise_raw(v)  # spans have spaces around backticks (PowerShell escapes with them)
    return v in span


_LIST_MARK = re.compile(r"^[ \t]*([-*+]|\d{1,9}[.)])[ \t]+", re.M)


def statement(text: str) -> str:
    """A list item or sentence without its list markers: a step's ordinal (`3.`) is its place in one
    page's list, not a fact, so two pages numbering the same step differently do not disagree."""
    return strip_list_marks(text) if _LIST_MARK.search(text) else text


def strip_list_marks(text: str) -> str:
    """List markers removed from the start of each line. As in CommonMark, an ordered marker other
    than `1.` right after a line of running text does not start a list: it is a wrapped line of
    the same paragraph ("... number\n7. To ..."), so its number stays."""
    out, prev = [], ""
    for line in text.split("\n"):
        m = _LIST_MARK.match(line)
        if m and not (m.group(1)[0].isdigit() and prev.strip() and not prev[:1].isspace()
                      and not _LIST_MARK.match(prev) and m.group(1)[:-1] != "1"):
            line = line[m.end():]
        out.append(line)
        prev = line if not m else "- "  # a stripped item counts as a list line
    return "\n".join(out)


def plain(text: str, words: int = 0) -> str:
    """A statement as plain words (link labels, no targets, emphasis or list markers), for naming it
    in a note; `words` keeps only the first ones."""
    out = prose(statement(text)).split()
    return " ".join(out[:words] if words else out)


def fact_key(text: str) -> tuple[str, ...]:
    """The facts of a text as a sorted tuple, for comparing two statements."""
    return fact_keys(text)[0]


@lru_cache(maxsize=131072)  # the drafter, the conflict passes and the checker ask of the same texts
def fact_keys(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """fact_key, and the same with case kept where the checker keeps it (code, identifiers, env
    vars), so that `Ascii` and `ascii` are two facts."""
    fs = [f for f in extract(statement(text)) if f.kind not in ("product", "initial")]
    return (tuple(sorted(f"{f.kind}:{f.value.lower()}" for f in fs)),
            tuple(sorted(f"{f.kind}:{f.value if f.kind not in CASELESS else f.value.lower()}" for f in fs)))


@lru_cache(maxsize=131072)
def mask(text: str) -> str:
    """Text with its facts replaced by a placeholder, to compare statements that differ only in facts."""
    text = prose(statement(text))
    for rx in (URL, CODE, DATE, VERSION, PATH, NUMBER):
        text = rx.sub(" 0 ", text)
    return text
