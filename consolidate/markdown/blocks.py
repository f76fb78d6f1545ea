"""A line-based block scanner that keeps exact 1-based line spans.

It recognises what consolidation needs to keep intact: ATX and setext headings, fenced and
indented code, GFM tables, lists, block quotes, HTML/MDX blocks, rules and paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consolidate.markdown.slugs import explicit_id, strip_inline

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)")
TABLE_DELIM = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
QUOTE = re.compile(r"^ {0,3}>")
HTML_START = re.compile(r"^ {0,3}(<[A-Za-z/!?]|\{/\*)")
COMMENT_START = re.compile(r"^ {0,3}<!--")
MDX_ESM = re.compile(r"^(import|export)\s")


@dataclass
class RawBlock:
    kind: str
    start: int  # 1-based inclusive
    end: int
    heading_path: tuple[str, ...] = ()
    lang: str = ""
    level: int = 0
    heading: str = ""  # for headings: the text, without markup


@dataclass
class Scan:
    blocks: list[RawBlock] = field(default_factory=list)
    unclosed_fence: int | None = None  # line of a fence never closed


def is_table_start(lines: list[str], i: int) -> bool:
    return "|" in lines[i] and i + 1 < len(lines) and "-" in lines[i + 1] and bool(
        TABLE_DELIM.match(lines[i + 1])
    ) and "|" in lines[i + 1] + lines[i]


def _interrupts(line: str) -> bool:
    """A list item that may interrupt a paragraph (CommonMark): unindented, not empty, and if
    ordered, numbered 1 (so a wrapped line that starts with "7. " stays in its paragraph)."""
    m = LIST_ITEM.match(line)
    if not m or line.startswith(" ") or not line[m.end():].strip():
        return False
    return not m.group(2)[0].isdigit() or m.group(2)[:-1] == "1"


def _closes(line: str, ch: str, n: int) -> bool:
    s = line.strip()
    return len(s) >= n and set(s) == {ch}


def scan_blocks(lines: list[str], body_start: int = 1, mdx: bool = False) -> Scan:
    """Split `lines` (no newlines) into blocks. `body_start` is the first line after front matter."""
    out = Scan()
    path: list[tuple[int, str]] = []
    i = body_start - 1
    n = len(lines)

    def hpath() -> tuple[str, ...]:
        return tuple(t for _, t in path)

    def add(kind: str, s: int, e: int, **kw) -> None:
        out.blocks.append(RawBlock(kind, s + 1, e + 1, hpath(), **kw))

    def heading(level: int, text: str, s: int, e: int) -> None:
        nonlocal path
        path = [(lv, t) for lv, t in path if lv < level]
        text, _ = explicit_id(text)
        title = strip_inline(text)
        path.append((level, title))
        add("heading", s, e, level=level, heading=title)

    prev_blank = True
    # inside a list that an indented fence interrupted: indented text after the fence goes on with
    # the list item (a paragraph), it is not an indented code block
    in_list = False
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            prev_blank = True
            continue
        m = FENCE.match(line)
        if m:
            in_list = in_list and bool(m.group(1))
            ch, width = m.group(2)[0], len(m.group(2))
            j = i + 1
            while j < n and not _closes(lines[j], ch, width):
                j += 1
            if j >= n:
                out.unclosed_fence = i + 1
                j = n - 1
            add("code", i, j, lang=m.group(3).lower())
            i = j + 1
            prev_blank = False
            continue
        was_in_list, in_list = in_list, False
        m = ATX.match(line)
        if m:
            heading(len(m.group(1)), (m.group(2) or "").strip(), i, i)
            i += 1
            prev_blank = False
            continue
        if RULE.match(line):
            add("rule", i, i)
            i += 1
            continue
        if is_table_start(lines, i):
            j = i + 2
            while j < n and lines[j].strip() and "|" in lines[j]:
                j += 1
            add("table", i, j - 1)
            i = j
            prev_blank = False
            continue
        if QUOTE.match(line):
            j = i + 1
            while j < n and lines[j].strip() and not FENCE.match(lines[j]):
                j += 1
            add("quote", i, j - 1)
            i = j
            continue
        if COMMENT_START.match(line):  # CommonMark's HTML block 2: to the line closing it, blank lines too
            j, rest = i, line[line.index("<!--") + 4:]
            while "-->" not in rest and j < n - 1:
                j += 1
                rest = lines[j]
            add("html", i, j)
            i = j + 1
            continue
        if HTML_START.match(line) or (mdx and MDX_ESM.match(line)):
            j = i + 1
            while j < n and lines[j].strip():
                j += 1
            add("html", i, j - 1)
            i = j
            continue
        if prev_blank and (line.startswith("    ") or line.startswith("\t")) and not LIST_ITEM.match(line) and not was_in_list:
            j = i + 1
            while j < n and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while not lines[j - 1].strip():
                j -= 1
            add("code", i, j - 1)
            i = j
            continue
        if LIST_ITEM.match(line):
            j = i + 1
            while j < n:
                cur = lines[j]
                if FENCE.match(cur) or ATX.match(cur):
                    break
                if not cur.strip():
                    k = j + 1
                    while k < n and not lines[k].strip():
                        k += 1
                    if k < n and (LIST_ITEM.match(lines[k]) or lines[k].startswith(("  ", "\t"))) and not FENCE.match(lines[k]):
                        j = k
                        continue
                    break
                j += 1
            add("list", i, j - 1)
            i = j
            prev_blank = False
            in_list = True
            continue
        # paragraph, possibly a setext heading
        j = i + 1
        while j < n:
            cur = lines[j]
            if not cur.strip() or FENCE.match(cur) or ATX.match(cur) or QUOTE.match(cur):
                break
            if SETEXT.match(cur):
                break
            if _interrupts(cur):
                break
            if is_table_start(lines, j):
                break
            j += 1
        if j < n and SETEXT.match(lines[j]) and lines[j].strip():
            level = 1 if lines[j].strip()[0] == "=" else 2
            heading(level, " ".join(x.strip() for x in lines[i:j]), i, j)
            i = j + 1
            prev_blank = False
            continue
        add("paragraph", i, j - 1)
        in_list = was_in_list and line.startswith(("  ", "\t"))
        i = j
        prev_blank = False
    return out


SHELLS = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session"})


def fence_language(text: str) -> str:
    """A fenced block's language ('' when none is given); the shells are one language."""
    m = FENCE.match(text.lstrip("\n"))
    lang = (m.group(3) if m else "").lower()
    return "bash" if lang in SHELLS else lang


def code_lines(text: str) -> tuple[str, ...]:
    """A fenced code block's lines without its fences and blank lines, whitespace collapsed: what
    one block must show of another's to hold it (merge/statements.absorb_blocks, the checker)."""
    lines = text.strip("\n").splitlines()
    if lines and FENCE.match(lines[0]):
        lines = lines[1:]
        if lines and FENCE.match(lines[-1]) and not lines[-1].strip().strip("`~"):
            lines = lines[:-1]
    return tuple(" ".join(ln.split()) for ln in lines if ln.strip())


def holds_lines(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    """Every line of `small` is in `big`, in the same order."""
    it = iter(big)
    return bool(small) and all(ln in it for ln in small)
