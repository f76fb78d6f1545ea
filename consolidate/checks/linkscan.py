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
With `--site starlight`, a relative link to a page is read the way the browser reads it on the
built site: from the page's route (`admin/jobs/index.md` is served at `/admin/jobs/`, `a/b.md` at
`/a/b/`), and it must name a page's route there. A relative `x.md` link is dead: Starlight serves
no page at a `.md` path, so the built site answers it with a 404 (Docusaurus and mkdocs rewrite such
links to the page's route when they build, so for them the file path is right). Links to other
files (images) are read from the file's folder, as Astro reads them when it builds.
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

# Patterns run over "\n" + text and start with a literal character ("\n", "]" or "<"), so the regex
# engine jumps from one candidate to the next instead of trying every character (3-5x faster than
# `^` with re.M on 33 MB). SCAN finds, in one pass and in order, what hides links (a fenced code
# block or an HTML comment, each consumed whole) and every form of link.
FENCE = r"\n {0,3}(?P<run>`{3,}|~{3,})[^\n]*+(?:\n(?! {0,3}(?P=run))[^\n]*+)*+(?:\n {0,3}(?P=run)[^\n]*+|\Z)"
COMMENT = r"<!--(?s:.*?)(?:-->|\Z)"
SKIP = re.compile(f"{FENCE}|{COMMENT}")
SCAN = re.compile(
    f"{FENCE}|{COMMENT}"
    r"|\]\(\s*<?(?P<link>(?:[^()\s>]++|\([^()\s]*\))*+)"  # an inline link's or image's target; (x) balanced once
    r"|<(?P<auto>(?:https?|ftp|mailto):[^\s<>]+)>"  # an autolink
    r"|<(?i:a|img)\s[^>]*?\b(?i:href|src)\s*=\s*[\"'](?P<html>[^\"']*)[\"']"  # <a href>, <img src>
    r"|\n {0,3}\[(?!\^)[^\]\n]+\]:\s*<?(?P<defn>[^\s>]+)")  # a reference definition (not a footnote's)
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
        return {"severity": self.severity, "kind": self.kind, "page": self.file, "line": self.line, "target": self.target,
                "message": self.message}


def _skipped(nl: str) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) offsets in nl ("\n" + text) of fenced code blocks and HTML
    comments: what they hold is no link and no heading."""
    if "```" not in nl and "~~~" not in nl and "<!--" not in nl:
        return []
    return [m.span() for m in SKIP.finditer(nl)]


def scan_links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every link, image, reference definition, autolink and HTML href or src
    outside code and comments."""
    nl = "\n" + text
    links, line, last = [], 0, 0  # nl's first "\n" is line 1's
    for m in SCAN.finditer(nl):
        group = m.lastgroup
        if group is None or group == "run":
            continue  # fenced code or a comment
        pos = m.start(group)
        line += nl.count("\n", last, pos)  # line numbers, counted once through the text
        last = pos
        if nl.count("`", nl.rfind("\n", 0, pos) + 1, pos) % 2 == 0:  # an odd count: inside an inline code span
            links.append((line, m.group(group)))
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
    hidden = _skipped("\n" + text)  # a heading's offset in text is that of the "\n" before it in "\n" + text
    starts = [a for a, _ in hidden]
    heads = [(pos, h) for pos, h in _headings(text)
             if not (i := bisect.bisect_right(starts, pos) - 1) >= 0 or pos >= hidden[i][1]]
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
    if path in files:  # most links name their file
        return path
    hit = next((c for c in path_candidates(path) if c in files), None)
    return hit if hit is not None else ("" if path.rstrip("/") in dirs else None)


def _by_suffix(route: str, files: set[str], by_name: dict[str, list[str]]) -> str | None:
    if not by_name:  # filled on the first route that names no tree path
        for f in sorted(files):
            by_name.setdefault(f.rpartition("/")[2], []).append(f)
    stem = route[:-5] if route.endswith(".html") else route
    for cand in (route, stem + ".md", route + ".md", stem + ".mdx", stem + "/index.md", stem + "/README.md"):
        for f in by_name.get(cand.rpartition("/")[2], ()):
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


class _InProcess:
    """The part of multiprocessing.Pool used here, run in this process."""

    def imap(self, f: Callable, jobs: list, chunksize: int = 1) -> Iterator:
        return map(f, jobs)

    def apply_async(self, f: Callable, args: tuple) -> "_Done":
        return _Done(f(*args))


@dataclass(frozen=True)
class _Done:
    value: object

    def get(self) -> object:
        return self.value


@contextmanager
def _pool(workers: int) -> Iterator:
    if workers <= 1:
        yield _InProcess()
        return
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        yield pool


def check_tree_links(root: str, style: str = "github", workers: int = 1, site_root: Path | None = None,
                     urls: set[str] | None = None, only: set[str] | None = None) -> tuple[list[DeadLink], dict[str, int]]:
    """Dead links and anchors in every markdown page under root (or in those of `only`, paths
    under root), and outside links (DeadLink.outside). URLs are counted, not fetched; with `urls`
    (the URLs the sources hold), one not among them is dead. workers > 1 reads the pages in
    processes (from 1,000 pages up) while this one resolves the links found so far and asks them
    for the anchors of pages that links point into."""
    pages, files, dirs = _walk(root)
    is_page = set(pages)
    by_route = style == "starlight"  # relative page links are read from the page's route (module doc)
    if only is not None:
        pages = [p for p in pages if p in only]
    by_name: dict[str, list[str]] = {}
    dead: list[DeadLink] = []
    stats = {"pages": len(pages), "links": 0, "external": 0, "checked": 0}
    resolved: dict[tuple[str, str], str | None] = {}
    fragments: list[tuple[str, int, str, str, str]] = []  # (page, line, target, destination page, fragment)
    anchors: dict[str, object] = {}  # page -> its anchors, pending in a worker
    external = EXTERNAL.match
    with _pool(workers if len(pages) >= 1000 else 1) as pool:
        for p, links in zip(pages, pool.imap(_scan_file, [(root, p) for p in pages], chunksize=64)):
            here = p.rpartition("/")[0]
            served = _route_folder(p) if by_route else None
            stats["links"] += len(links)
            for line, target in links:
                if external(target):
                    stats["external"] += 1
                    if urls is not None and target not in urls:
                        dead.append(DeadLink(p, line, target, "is a URL found in no input"))
                    continue
                path, _, frag = target.partition("#")
                if served is not None and path and path[0] != "/" and _page_link(path):
                    found, dest = _from_route(p, served, line, target, path, files, dirs)
                else:
                    # an anchor-only link points into its own page; a site-root route is the same from every page
                    key = (here, path) if path and path[0] != "/" else (("", path) if path else (p, ""))
                    dest = resolved[key] if key in resolved else resolved.setdefault(key, _resolve(p, here, path, files, dirs, by_name))
                    found = _nowhere(p, here, line, target, unquote(path.split("?", 1)[0]), site_root) if dest is None else None
                if found is not None:
                    dead.append(found)
                elif frag and dest in is_page:
                    fragments.append((p, line, target, dest, frag))
                    if dest not in anchors:
                        anchors[dest] = pool.apply_async(_anchors_file, ((root, dest, style),))
        have = {d: a.get() for d, a in anchors.items()}
    dead += [DeadLink(p, line, target, f"points to anchor #{frag}, which {dest} does not have")
             for p, line, target, dest, frag in fragments if unquote(frag) not in have[dest]]
    stats["checked"] = stats["links"] - stats["external"]
    order = {p: i for i, p in enumerate(pages)}
    dead.sort(key=lambda d: (order[d.file], d.line))
    return dead, stats


def _route_folder(page: str) -> str:
    """The URL folder Starlight serves a page under (no slashes around it): `a/b.md` -> `a/b`,
    `a/index.md` -> `a`."""
    stem = page.rsplit(".", 1)[0]
    return "" if stem == "index" else stem[:-len("/index")] if stem.endswith("/index") else stem


def _page_link(path: str) -> bool:
    """A link path that names a page (a route, a markdown file or `.html`), not another file."""
    name = unquote(path.split("?", 1)[0]).rstrip("/").rpartition("/")[2]
    return "." not in name or name.lower().endswith(MD_EXT + (".html",)) or name in (".", "..")


def _from_route(page: str, served: str, line: int, target: str, path: str, files: set[str],
                dirs: set[str]) -> tuple[DeadLink | None, str | None]:
    """A relative page link on a Starlight site, read from the page's route: (dead or outside link,
    None) or (None, the page it reaches)."""
    path = unquote(path.split("?", 1)[0])
    joined = posixpath.normpath(posixpath.join(served, path)) if served else posixpath.normpath(path)
    if joined == ".." or joined.startswith("../"):
        return DeadLink(page, line, target, OUTSIDE, outside=True), None
    if path.rstrip("/").lower().endswith(MD_EXT):
        return DeadLink(page, line, target, f"names a markdown file; Starlight serves pages at their route, so the built "
                                            f"site answers /{joined} with a 404 (link the page's route instead)"), None
    joined = "" if joined == "." else joined
    dest = next((c for c in ([joined + e for e in MD_EXT] + [joined + "/index" + e for e in MD_EXT]) if c.lstrip("/") in files), None)
    if dest is None:
        return DeadLink(page, line, target, f"reaches /{joined + '/' if joined else ''}, a route no page in the tree is served "
                                            f"at (this page is served at /{served + '/' if served else ''})"), None
    return None, dest.lstrip("/")


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
