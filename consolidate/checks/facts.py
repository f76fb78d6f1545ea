"""Hard facts in a sentence, and whether a source span contains them.

Kinds: url, code (inline code), version, number (with its unit, if any), path. Normalisation,
documented for users: case is ignored for paths and code; whitespace is collapsed; a number
matches the same digits in the span with no other digit or decimal point glued to them
(`8` does not match `80` or `1.8`); `50MB` and `50 MB` are the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]`\"']+[^\s<>()\[\]`\"'.,;:!?]")
CODE = re.compile(r"(`+)(.+?)\1")
VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:-[A-Za-z0-9.]+)?(?![\w.]*\w)")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?(?:%|ms|s|m|h|d|kb|mb|gb|tb|KB|MB|GB|TB|KiB|MiB|GiB))?(?![\w])")
PATH = re.compile(r"(?<![\w:/.])(?:~|\.{1,2})?/?(?:[\w.-]+/)+[\w.-]+|(?<![\w/.-])[\w-]+\.(?:md|mdx|toml|yaml|yml|json|py|sh|txt|conf|env|ini|sql|html|js|ts)\b")
MD_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")
FOOTNOTE = re.compile(r"\[\^[^\]]+\]")


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str


def prose(text: str) -> str:
    """Claim text without link targets or citation markers (those are checked elsewhere)."""
    text = FOOTNOTE.sub("", text)
    return MD_LINK.sub(lambda m: m.group(2), text)


def extract(text: str) -> list[Fact]:
    text = prose(text)
    facts: list[Fact] = []
    for m in URL.finditer(text):
        facts.append(Fact("url", m.group(0)))
    text = URL.sub(" ", text)
    for m in CODE.finditer(text):
        facts.append(Fact("code", m.group(2).strip()))
    text = CODE.sub(" ", text)
    for m in PATH.finditer(text):
        if "/" in m.group(0) and not re.search(r"[A-Za-z]", m.group(0)):
            continue  # a date or fraction like 4/5, not a path
        facts.append(Fact("path", m.group(0)))
    text = PATH.sub(" ", text)
    for m in VERSION.finditer(text):
        facts.append(Fact("version", m.group(0)))
    text = VERSION.sub(" ", text)
    for m in NUMBER.finditer(text):
        facts.append(Fact("number", m.group(0)))
    return facts


def _squash(s: str) -> str:
    return " ".join(s.split())


def normalise_span(text: str) -> str:
    return _squash(text.replace("`", " ` "))


def contains(span: str, fact: Fact) -> bool:
    """`span` is normalise_span(text of the cited lines)."""
    if fact.kind in ("url", "path", "code"):
        v = _squash(fact.value)
        return v in span or v.lower() in span.lower()
    if fact.kind == "version":
        v = fact.value.lstrip("v")
        return re.search(rf"(?<![\d.]){re.escape(v)}(?!\.?\d)", span) is not None
    digits = re.match(r"\d+(?:[.,]\d+)*", fact.value).group(0)
    return re.search(rf"(?<![\d.,]){re.escape(digits)}(?![.,]?\d)", span) is not None


def fact_key(text: str) -> tuple[str, ...]:
    """The facts of a text as a sorted tuple, for comparing two statements."""
    return tuple(sorted(f"{f.kind}:{f.value.lower()}" for f in extract(text)))


def mask(text: str) -> str:
    """Text with its facts replaced by a placeholder, to compare statements that differ only in facts."""
    text = prose(text)
    for rx in (URL, CODE, PATH, VERSION, NUMBER):
        text = rx.sub(" 0 ", text)
    return text
