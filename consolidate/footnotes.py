"""The citation footnote definition, written by render.py and read by the checker and the review page.

`[^n]: \\`DOC:START-END\\` (chunk \\`ID\\`)`. DOC is the source path with `%`, backticks and line
breaks (any control character, and the Unicode line separators) percent-encoded, so any file name
(spaces, quotes, parentheses, unicode, a newline) stays on one line inside one code span and reads
back exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSAFE = re.compile(r"[%`\x00-\x1f\x7f\x85\u2028\u2029]")
_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})|%u([0-9A-Fa-f]{4})")
# the doc in a code span as written here, or bare (no spaces) as people may write it by hand
DEFN = re.compile(r"^\[\^([^\]\s]+)\]:\s*(?:`([^`]+):(\d+)-(\d+)`|([^`\s]+?):(\d+)-(\d+))"
                  r"(?:\s*\(chunk\s*`?([^`\s()]*)`?\))?\s*$")


@dataclass(frozen=True)
class Ref:
    doc: str
    start: int
    end: int
    chunk: str


def encode_path(doc: str) -> str:
    def enc(m: re.Match) -> str:
        o = ord(m.group(0))
        return f"%{o:02X}" if o < 0x100 else f"%u{o:04X}"
    return _UNSAFE.sub(enc, doc)


def decode_path(text: str) -> str:
    if "%" not in text:
        return text
    return _ENCODED.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def definition(label: int | str, ref: Ref) -> str:
    return f"[^{label}]: `{encode_path(ref.doc)}:{ref.start}-{ref.end}` (chunk `{ref.chunk}`)"


def parse_definition(line: str) -> tuple[str, Ref] | None:
    """(label, ref) of a footnote definition line, else None."""
    m = DEFN.match(line)
    if m is None:
        return None
    doc, start, end = m.group(2, 3, 4) if m.group(2) is not None else m.group(5, 6, 7)
    return m.group(1), Ref(decode_path(doc), int(start), int(end), m.group(8) or "")
