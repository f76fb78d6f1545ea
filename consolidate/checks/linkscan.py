"""A fast link and anchor check over a whole markdown tree, with no source documents.

It reads each file once and looks only at what links need: fenced code, inline code and HTML
comments (skipped), headings (anchors, with the chosen generator's slug rules, escaped characters
read as text, plus explicit `{#id}` and HTML `id=`/`name=` attributes), inline links and images
(a target may hold balanced parentheses: `ms714644(v=vs.85)`), reference definitions, autolinks,
and HTML `<a href>` and `<img src>`.
A relative link must reach a file or folder in the tree (`x.html` may stand for `x.md` or
`x.html.md`, a folder for its index), and its `#anchor` must exist in the target page. A relative
link that leaves the tree, and a site-root route that reaches nothing in it, are outside links
(warnings, not verified) unless a site root is given: then the route must name a file there.
URLs are not fetched: this check is offline, like `lychee --offline`.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote

from consolidate.linkmap import EXTERNAL, OUTSIDE, ROUTE, path_candidates, site_route_exists
from consolidate.markdown.files import EXTENSIONS as MD_EXT, SKIP_DIRS
from consolidate.markdown.slugs import Slugger

LINK = re.compile(r"\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)")  # an inline link's or image's target; (x) balanced once
HTML_LINK = re.compile(r"<(?:a|img)\s[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)  # <a href>, <img src>
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Patterns run over "\n" + text and start with that literal newline, so the regex engine jumps from
# line to line instead of trying every character (3-5x faster than `^` with re.M on 33 MB).
DEFN = re.compile(r"\n {0,3}\[(?!\^)[^\]\n]+\]:\s*<?([^\s>]+)")
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]+)>")
HEADING = re.compile(r"\n {0,3}(#{1,6})[ \t]+([^\n]+)")
HEADING_TAIL = re.compile(r"(.+?)[ \t]*#*[ \t]*$")  # the closing #s and spaces of an ATX heading
UNDERLINE = re.compile(r"\n {0,3}(?:=+|-+)[ \t]*(?=\n|$)")  # a setext heading's underline
SETEXT_FIRST = set("#>-*=|")  # a setext heading's text line cannot start with these
HTML_ID = re.compile(r"<[a-zA-Z][^>]*\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class DeadLink:
    file: str
    line: int
    target: str
    problem: str
    outside: bool = False  # leaves the tree, not verified: a warning

    @property
    def severity(self) -> str:
        return "warning" if self.outside else "error"

    @property
    def kind(self) -> str:
        return "outside-link" if self.outside else "dead-link"

    @property
    def message(self) -> str:
        return f"{self.file}:{self.line}: link {self.target!r} {self.problem}"

    def as_dict(self) -> dict:
        """As a finding in `check --json` (a plain dict: thousands of them cost nothing to print)."""
        return {"severity": self.severity, "kind": self.kind, "page": self.file, "line": self.line, "message": self.message}


FENCE_MARK = re.compile(r"\n {0,3}(`{3,}|~{3,})")


def _fence_marks(text: str) -> list[tuple[int, str]]:
    """(offset of the line, marker run) of every ``` or ~~~ that opens a line (after <= 3 spaces)."""
    if "```" not in text and "~~~" not in text:
        return []
    return [(m.start(), m.group(1)) for m in FENCE_MARK.finditer("\n" + text)]


def _fences(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) offsets of fenced code blocks."""
    fenced, opened = [], None
    for pos, run in _fence_marks(text):
        if opened is None:
            opened = (pos, run)
        elif run[0] == opened[1][0] and len(run) >= len(opened[1]):
            end = text.find("\n", pos)
            fenced.append((opened[0], len(text) if end < 0 else end))
            opened = None
    if opened is not None:
        fenced.append((opened[0], len(text)))
    return fenced


def _skipped(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) offsets of fenced code and of HTML comments outside it: what
    they hold is no link and no heading."""
    fenced = _fences(text)
    if "<!--" not in text:
        return fenced
    starts = [a for a, _ in fenced]
    comments = [(m.start(), m.end()) for m in COMMENT.finditer(text) if not _in_span(m.start(), fenced, starts)]
    out: list[tuple[int, int]] = []
    for a, b in sorted(fenced + comments):
        if out and a < out[-1][1]:  # a fence opened inside a comment ends with it, and the other way round
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _in_span(pos: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def _in_code(text: str, pos: int, fenced: list[tuple[int, int]], starts: list[int]) -> bool:
    if _in_span(pos, fenced, starts):
        return True
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("`", line_start, pos) % 2 == 1  # inside an inline code span


def scan_links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every link, image, reference definition, autolink and HTML href or src
    outside code and comments."""
    fenced = _skipped(text)
    starts = [a for a, _ in fenced]
    rxs = (LINK, AUTOLINK, HTML_LINK) if "<a" in text or "<img" in text or "<A" in text or "<IMG" in text else (LINK, AUTOLINK)
    found = sorted((m.start(), m.group(1)) for rx in rxs for m in rx.finditer(text))
    if "]:" in text:
        found = sorted(found + [(m.start(), m.group(1)) for m in DEFN.finditer("\n" + text)])
    links, line, last = [], 1, 0
    for pos, target in found:  # line numbers, counted once through the text
        line += text.count("\n", last, pos)
        last = pos
        if not _in_code(text, pos, fenced, starts):
            links.append((line, target))
    return links


def _headings(text: str) -> list[tuple[int, str]]:
    """(offset of the line, text) of ATX and setext headings, code not yet excluded."""
    nl = "\n" + text  # an offset in nl is the offset of the matched line's start in text
    heads = [(m.start(), t.group(1)) for m in HEADING.finditer(nl) for t in [HEADING_TAIL.match(m.group(2))] if t]
    taken = 0  # a setext heading uses up its text line and underline
    for m in UNDERLINE.finditer(nl):
        if m.start() == 0:
            continue  # an underline on the first line has no text line
        first = text.rfind("\n", 0, m.start() - 1) + 1
        line = text[first:m.start() - 1]
        if first >= taken and line and line[0] not in SETEXT_FIRST:
            heads.append((first, line))
            taken = m.end() - 1
    return heads


def anchors_in(text: str, style: str) -> set[str]:
    """Anchors a page offers: its headings slugged by the generator's rules, explicit ids, HTML ids."""
    fenced = _skipped(text)
    starts = [a for a, _ in fenced]
    heads = [(pos, h) for pos, h in _headings(text) if not _in_code(text, pos, fenced, starts)]
    slug = Slugger(style)
    return {slug(h) for _, h in sorted(heads)} | set(HTML_ID.findall(text))


def _walk(root: str) -> tuple[list[str], set[str], set[str]]:
    pages, files, dirs = [], set(), set()
    for d, subdirs, names in os.walk(root):
        subdirs[:] = sorted(s for s in subdirs if not s.startswith(".") and s not in SKIP_DIRS)
        rel = os.path.relpath(d, root).replace(os.sep, "/")
        rel = "" if rel == "." else rel
        dirs.add(rel)
        for n in sorted(names):
            p = f"{rel}/{n}" if rel else n
            files.add(p)
            if n.lower().endswith(MD_EXT):
                pages.append(p)
    return pages, files, dirs


def _target(path: str, files: set[str], dirs: set[str]) -> str | None:
    """The tree file a link path reaches ('' for a folder with no index page), or None."""
    hit = next((c for c in path_candidates(path) if c in files), None)
    return hit if hit is not None else ("" if path.rstrip("/") in dirs else None)


def _by_suffix(route: str, files: set[str], by_name: dict[str, list[str]]) -> str | None:
    if not by_name:  # filled on the first route that names no tree path
        for f in sorted(files):
            by_name.setdefault(posixpath.basename(f), []).append(f)
    stem = route[:-5] if route.endswith(".html") else route
    for cand in (route, stem + ".md", route + ".md", stem + ".mdx", stem + "/index.md", stem + "/README.md"):
        for f in by_name.get(posixpath.basename(cand), ()):
            if f.endswith("/" + cand):
                return f
    return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


def _scan_file(args: tuple[str, str]) -> list[tuple[int, str]]:
    return scan_links(_read(os.path.join(*args)))


def _anchors_file(args: tuple[str, str, str]) -> set[str]:
    root, page, style = args
    return anchors_in(_read(os.path.join(root, page)), style)


@contextmanager
def _mapper(workers: int) -> Iterator[Callable]:
    """map(f, jobs) in this process, or over `workers` forked processes."""
    if workers <= 1:
        yield lambda f, jobs: list(map(f, jobs))
        return
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        yield lambda f, jobs: pool.map(f, jobs, chunksize=max(1, min(64, len(jobs) // (4 * workers))))


def check_tree_links(root: str, style: str = "github", workers: int = 1, site_root: Path | None = None,
                     urls: set[str] | None = None) -> tuple[list[DeadLink], dict[str, int]]:
    """Dead links and anchors in every markdown page under root, and outside links (DeadLink.outside).
    URLs are counted, not fetched; with `urls` (the URLs the sources hold), one not among them is
    dead. workers > 1 reads the pages in processes (from 1,000 pages up)."""
    pages, files, dirs = _walk(root)
    by_name: dict[str, list[str]] = {}
    dead: list[DeadLink] = []
    stats = {"pages": len(pages), "links": 0, "external": 0, "checked": 0}
    resolved: dict[tuple[str, str], str | None] = {}
    fragments: list[tuple[str, int, str, str, str]] = []  # (page, line, target, destination page, fragment)
    with _mapper(workers if len(pages) >= 1000 else 1) as pmap:
        scanned = dict(zip(pages, pmap(_scan_file, [(root, p) for p in pages])))
        for p in pages:
            here = posixpath.dirname(p)
            for line, target in scanned[p]:
                stats["links"] += 1
                if EXTERNAL.match(target):
                    stats["external"] += 1
                    if urls is not None and target not in urls:
                        dead.append(DeadLink(p, line, target, "is a URL found in no input"))
                    continue
                stats["checked"] += 1
                path, _, frag = target.partition("#")
                key = (here, path) if path else (p, "")  # an anchor-only link points into its own page
                dest = resolved[key] if key in resolved else resolved.setdefault(key, _resolve(p, here, path, files, dirs, by_name))
                if dest is None:
                    found = _nowhere(p, here, line, target, unquote(path.split("?", 1)[0]), site_root)
                    if found is not None:
                        dead.append(found)
                elif frag and dest in scanned:
                    fragments.append((p, line, target, dest, frag))
        needed = sorted({f[3] for f in fragments})
        anchors = dict(zip(needed, pmap(_anchors_file, [(root, d, style) for d in needed])))
    dead += [DeadLink(p, line, target, f"points to anchor #{frag}, which {dest} does not have")
             for p, line, target, dest, frag in fragments if unquote(frag) not in anchors[dest]]
    order = {p: i for i, p in enumerate(pages)}
    dead.sort(key=lambda d: (order[d.file], d.line))
    return dead, stats


def _nowhere(page: str, here: str, line: int, target: str, path: str, site_root: Path | None) -> DeadLink | None:
    """A link that reaches nothing in the tree: outside it (a warning), dead, or None (live under the site root)."""
    if path.startswith("/"):
        if site_root is None:
            return DeadLink(page, line, target, ROUTE, outside=True)
        if not site_route_exists(site_root, path):
            return DeadLink(page, line, target, f"is a site route with no file in the tree or under the site root {site_root}")
        return None
    joined = posixpath.normpath(posixpath.join(here, path))
    if joined == ".." or joined.startswith("../"):
        return DeadLink(page, line, target, OUTSIDE, outside=True)
    return DeadLink(page, line, target, "points to no file or folder in the tree")


def _resolve(page: str, here: str, path: str, files: set[str], dirs: set[str], by_name: dict[str, list[str]]) -> str | None:
    path = unquote(path.split("?", 1)[0])
    if path.startswith("/"):  # a site-root route: the tree may sit below the site root
        dest = _target(path.lstrip("/"), files, dirs)
        return dest if dest is not None else _by_suffix(path.strip("/"), files, by_name)
    if path:
        return _target(posixpath.normpath(posixpath.join(here, path)), files, dirs)
    return page
