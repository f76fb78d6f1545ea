"""JSON text as `json.dumps(obj, indent=2, ensure_ascii=False)` writes it, byte for byte, faster.

With `indent` set, the standard library encodes in pure Python through nested generators (its C
encoder is used only without indent); a run of the large tree spends about a tenth of its time
there (documents, chunks, ledger, report). This is one recursive function appending to a list,
with the C string escaper; tests/test_jsontext.py compares it with `json.dumps` on generated data.
`write_compact` writes the compact form (`.state/` files) in pieces, with the C encoder below its
outer levels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import repeat
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any, Callable

_INF = float("inf")


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)


def _key(k: Any) -> str:
    if isinstance(k, str):
        return encode_basestring(k)
    if isinstance(k, float):
        return encode_basestring(_float(k))
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return encode_basestring(int.__repr__(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def dumps_indented(obj: Any) -> str:
    """json.dumps(obj, indent=2, ensure_ascii=False)."""
    out: list[str] = []
    write_indented(obj, out.append)
    return "".join(out)


def write_indented(obj: Any, write: Callable[[str], Any], end: str = "", piece: int = 16384) -> None:
    """dumps_indented(obj) + end, handed to write in pieces of about `piece` parts each, so that a
    large document is written as it is encoded instead of held whole."""
    parts: list[str] = []
    add = parts.append
    esc = encode_basestring

    def flush() -> None:
        write("".join(parts))
        parts.clear()

    def enc(o: Any, ind: str) -> None:  # ind: a newline and the current indent
        if isinstance(o, str):
            add(esc(o))
        elif o is None:
            add("null")
        elif o is True:
            add("true")
        elif o is False:
            add("false")
        elif isinstance(o, int):
            add(int.__repr__(o))
        elif isinstance(o, float):
            add(_float(o))
        elif isinstance(o, (dict, list, tuple)):
            keyed = isinstance(o, dict)
            if not o:
                add("{}" if keyed else "[]")
                return
            inner = ind + "  "
            sep = ("{" if keyed else "[") + inner
            for k, v in (o.items() if keyed else zip(repeat(None), o)):
                add(sep)
                if keyed:
                    add(esc(k) if isinstance(k, str) else _key(k))
                    add(": ")
                if isinstance(v, str):
                    add(esc(v))
                else:
                    enc(v, inner)
                sep = "," + inner
                if len(parts) > piece:
                    flush()
            add(ind + ("}" if keyed else "]"))
        else:
            raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

    enc(obj, "\n")
    add(end)
    flush()


def write_compact(obj: Any, write: Callable[[str], Any], end: str = "", depth: int = 3, piece: int = 1 << 20) -> None:
    """json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + end, handed to write in pieces of
    about `piece` characters. The outer `depth` levels of dicts and lists are opened here and what
    lies below them is encoded by json's C encoder, one value at a time, so that neither the whole
    text nor its bytes are held at once. A generator, at any depth, is written as a list, its items
    made as they are written (a large state file's rows need not all exist at once)."""
    parts: list[str] = []
    size = 0
    dumps = _compact_dumps

    def add(s: str) -> None:
        nonlocal size
        parts.append(s)
        size += len(s)
        if size >= piece:
            write("".join(parts))
            parts.clear()
            size = 0

    def enc(o: Any, d: int) -> None:
        if isinstance(o, dict) and d > 0:
            sep = "{"
            for k, v in o.items():
                add(sep + (encode_basestring(k) if isinstance(k, str) else _key(k)) + ":")
                enc(v, d - 1)
                sep = ","
            add("}" if o else "{}")
        elif (isinstance(o, (list, tuple)) and d > 0) or isinstance(o, Iterator):
            sep, empty = "[", True
            for v in o:
                add(sep)
                enc(v, d - 1)
                sep, empty = ",", False
            add("[]" if empty else "]")
        else:
            add(dumps(o))

    enc(obj, depth)
    add(end)
    write("".join(parts))


def _compact_dumps(o: Any) -> str:
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))
