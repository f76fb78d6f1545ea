"""Every link and image in the output resolves: to a page and anchor there, a copied asset, or a URL found in the inputs.

A link that leaves the pages folder (`../x`, kept from a source that linked out of its root) or a
site-root route (`/docs/install/`) is outside the input set: an `outside-link` warning, not
verified. With a site root, a route is verified there: live when it names a file, else dead."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from consolidate.checks.claims import ParsedPage
from consolidate.checks.facts import URL
from consolidate.linkmap import EXTERNAL, OUTSIDE, ROUTE, site_route_exists
from consolidate.markdown.blocks import scan_blocks
from consolidate.markdown.links import definitions, links_in_line
from consolidate.markdown.slugs import Slugger
from consolidate.markdown.unsafe import is_unsafe, unsafe_targets
from consolidate.records import Document, Finding


def heading_texts(parsed: ParsedPage, style: str = "github") -> dict[str, str]:
    """A parsed page's headings by their anchor (the first heading of each anchor)."""
    slugger = Slugger(style)
    out: dict[str, str] = {}
    for _, _, text in parsed.headings:
        out.setdefault(slugger(text), text)
    return out


def page_anchors(parsed: ParsedPage, style: str = "github") -> set[str]:
    return set(heading_texts(parsed, style))


def input_urls(docs: list[Document], texts: dict[str, list[str]]) -> set[str]:
    """Every URL the inputs hold: link targets, and bare URLs anywhere (a link split over lines too)."""
    urls = {l.target for d in docs for l in d.links if EXTERNAL.match(l.target)}
    for lines in texts.values():
        for line in lines:
            if "://" in line:
                urls.update(m.group(0) for m in URL.finditer(line))
    return urls


def check_links(page: str, parsed: ParsedPage, anchors: dict[str, set[str]], files: set[str], urls: set[str],
                site_root: Path | None = None) -> list[Finding]:
    out: list[Finding] = []
    defs = definitions(parsed.lines, parsed.code_lines)
    for no, line in enumerate(parsed.lines, start=1):
        if no in parsed.code_lines:
            continue
        for link in links_in_line(line, no, defs):
            if link.kind == "definition" and link.text.startswith("^"):
                continue
            if is_unsafe(link.target):  # inline ones are found by unsafe_links, with raw HTML's
                out += [_unsafe(page, no, link.target)] if link.kind == "definition" else []
                continue
            problem = _problem(page, link.target, anchors, files, urls, site_root)
            if problem in (OUTSIDE, ROUTE):
                out.append(Finding(severity="warning", kind="outside-link", page=page, line=no,
                                   message=f"{page}:{no}: link {link.target!r} {problem}"))
            elif problem:
                out.append(Finding(severity="error", kind="dead-link", page=page, line=no,
                                   message=f"{page}:{no}: link {link.target!r} {problem}"))
    return out + unsafe_links(page, parsed)


_MAYBE = re.compile(r"script|data|file|&", re.I)  # every unsafe link holds one (an entity-encoded one, "&")


def unsafe_links(page: str, parsed: ParsedPage) -> list[Finding]:
    """javascript:, vbscript:, data: and file: links anywhere but in code, raw HTML attributes included."""
    out: list[Finding] = []
    if not any(_MAYBE.search(line) for line in parsed.lines):
        return out
    html = {n for b in scan_blocks(parsed.lines, 1).blocks if b.kind == "html" for n in range(b.start, b.end + 1)}
    for no, line in enumerate(parsed.lines, start=1):
        if (no in parsed.code_lines and no not in html) or not _MAYBE.search(line):
            continue  # code shows a link, it is not one
        out += [_unsafe(page, no, target) for target in unsafe_targets(line, html_only=no in html)]
    return out


def _unsafe(page: str, no: int, target: str) -> Finding:
    return Finding(severity="error", kind="unsafe-link", page=page, line=no,
                   message=f"{page}:{no}: link {target[:80]!r} uses an unsafe scheme "
                           "(javascript, vbscript, data or file); reduce it to its text")


def _problem(page: str, target: str, anchors: dict[str, set[str]], files: set[str], urls: set[str],
             site_root: Path | None = None) -> str:
    if EXTERNAL.match(target):
        return "" if target in urls else "is a URL found in no input"
    path, _, frag = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if path.startswith("/"):
        if site_root is None:
            return ROUTE
        return "" if site_route_exists(site_root, path) else f"is a site route with no file under the site root {site_root}"
    dest = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
    if dest == ".." or dest.startswith("../"):
        return OUTSIDE
    if dest not in files:
        return "points to no output page or asset"
    if frag and frag not in anchors.get(dest, set()):
        return f"points to anchor #{frag}, which {dest} does not have"
    return ""
