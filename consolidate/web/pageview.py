"""A merged page as HTML for the review app: markdown-it (raw HTML off) plus citation markup.

Citation marks `[^n]` are swapped for private-use placeholders before rendering (markdown-it
would otherwise read the footnote definitions as link definitions), and turned into
`<a class="cite">` links after it; each cited sentence is wrapped in `<span class="sent">` that
lists its citations. Every piece of page text goes through markdown-it's escaping; the markup
added here carries only escaped attribute values.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt

from consolidate.checks.claims import DEFN, MARKS, LABEL, parse_page

OPEN, CLOSE, SENT = "\ue000", "\ue001", "\ue002"
_PRIVATE = re.compile("[\ue000-\ue002]")
_SOURCES_LINE = re.compile(r"^\s*Sources:\s*(?:\[\^[^\]\s]+\]\s*)+$")
_ITEM = re.compile(r"^(\s*(?:[-*+]|\d{1,9}[.)])\s+|\s*>\s?)")
_BLOCK_TAG = r"</?(?:p|li|h[1-6]|t[dhr]|thead|tbody|blockquote|[uo]l|table|pre)\b"
_SENTENCE = re.compile(SENT + r"((?:(?!" + SENT + "|" + _BLOCK_TAG + ")[^" + OPEN + "])*)" + OPEN + "([^" + CLOSE + "]*)" + CLOSE)
_MARKS_WS = re.compile("(" + MARKS.pattern + r")(\s*)")
_PLACEHOLDER = re.compile(OPEN + "([^" + CLOSE + "]*)" + CLOSE)

_md = MarkdownIt("commonmark", {"html": False}).enable("table")
SHOWN_CITES = 20  # citation links shown after a claim (a line that 1,578 reference pages repeat cites them all)


@dataclass(frozen=True)
class Cite:
    label: str
    doc: str
    start: int
    end: int
    chunk: str
    src: int  # index of the document in the sources panel, -1 when not an input

    @property
    def ref(self) -> str:
        return f"{self.doc}:{self.start}-{self.end}"


def _body_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, line) after the front matter, without footnote definitions or the final `## Sources`."""
    first = _first_body_line(lines)
    body = list(enumerate(lines, start=1))[first - 1:]
    for i in range(len(body) - 1, -1, -1):
        if body[i][1].strip() == "## Sources":
            if all(not ln.strip() or DEFN.match(ln) for _, ln in body[i + 1:]):
                body = body[:i]
            break
    return [(no, ln) for no, ln in body if not DEFN.match(ln)]


def page_body(text: str) -> list[str]:
    return [ln for _, ln in _body_lines(parse_page(_PRIVATE.sub("", text)).lines)]


def _first_body_line(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 2
    return 1


def _mark(line: str) -> str:
    def sub(m: re.Match) -> str:
        rest = line[m.end():]
        return OPEN + " ".join(LABEL.findall(m.group(1))) + CLOSE + m.group(2) + (SENT if rest.strip() else "")

    if _SOURCES_LINE.match(line):
        return MARKS.sub(lambda m: OPEN + " ".join(LABEL.findall(m.group(0))) + CLOSE, line)
    head = _ITEM.match(line)
    cut = head.end() if head else len(line) - len(line.lstrip())
    rest = line[cut:]
    if not rest or rest.startswith(("#", "|")):
        return MARKS.sub(lambda m: OPEN + " ".join(LABEL.findall(m.group(0))) + CLOSE, line)
    return line[:cut] + SENT + _MARKS_WS.sub(sub, rest)


def render(text: str, sources: list[str], flagged: set[int] = frozenset()) -> tuple[str, dict[str, Cite]]:
    """(HTML of the page body, citations by label). `sources` orders the sources panel; blocks holding
    a line of `flagged` (line numbers of `text`) get class "flagged"."""
    parsed = parse_page(_PRIVATE.sub("", text))
    index = {d: i for i, d in enumerate(sources)}
    cites = {label: Cite(label, r.doc, r.start, r.end, r.chunk, index.get(r.doc, -1)) for label, r in parsed.refs.items()}
    numbered = _body_lines(parsed.lines)
    body = [ln if no in parsed.code_lines else _mark(ln) for no, ln in numbered]
    tokens = _md.parse("\n".join(body))
    for t in tokens:
        if t.map and t.type != "inline" and t.nesting in (0, 1) and any(numbered[i][0] in flagged for i in range(*t.map) if i < len(numbered)):
            t.attrJoin("class", "flagged")
    html = _md.renderer.render(tokens, _md.options, {})

    def title(labels: str) -> str:
        shown = labels.split()
        more = f"; and {len(shown) - SHOWN_CITES} more" if len(shown) > SHOWN_CITES else ""
        return "; ".join(cites[lb].ref if lb in cites else f"[^{lb}] has no definition" for lb in shown[:SHOWN_CITES]) + more

    def links(labels: list[str]) -> str:
        more = (f'<span class="more" title="see the page\'s Sources list in the editor">+{len(labels) - SHOWN_CITES} more</span>'
                if len(labels) > SHOWN_CITES else "")
        return '<sup class="cites">' + "".join(cite_link(cites.get(lb), lb) for lb in labels[:SHOWN_CITES]) + more + "</sup>"

    html = _SENTENCE.sub(lambda m: f'<span class="sent" data-cites="{escape(m.group(2))}" title="{escape(title(m.group(2)))}">'
                         f"{m.group(1)}{OPEN}{m.group(2)}{CLOSE}</span>", html)
    html = _PLACEHOLDER.sub(lambda m: links(m.group(1).split()), html)
    return _PRIVATE.sub("", html), cites


def cite_link(c: Cite | None, label: str) -> str:
    if c is None:
        return f'<span class="cite missing" title="no definition">{escape(label)}</span>'
    cls = "cite" if c.src >= 0 else "cite nosrc"
    return (f'<a href="#src-{c.src}-L{c.start}" class="{cls}" data-src="{c.src}" data-doc="{escape(c.doc)}" '
            f'data-start="{c.start}" data-end="{c.end}" title="{escape(c.ref)} (chunk {escape(c.chunk)})">{escape(label)}</a>')


def cited_lines(cites: dict[str, Cite]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for c in cites.values():
        out.setdefault(c.doc, set()).update(range(c.start, c.end + 1))
    return out


def diff(text: str, source_lines: list[str], source_name: str, page_name: str) -> list[tuple[str, str]]:
    """Unified diff of a source document against the page body (citation marks left out): (kind, line)."""
    page = [MARKS.sub("", ln) for ln in page_body(text)]
    rows = []
    for ln in difflib.unified_diff(source_lines, page, fromfile=source_name, tofile=page_name, lineterm="", n=3):
        kind = "hunk" if ln.startswith("@@") else "file" if ln.startswith(("---", "+++")) else \
               "add" if ln.startswith("+") else "del" if ln.startswith("-") else "same"
        rows.append((kind, ln))
    return rows
