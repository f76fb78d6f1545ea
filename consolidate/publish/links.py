"""Links in published pages and in the rest of the site, written the way the generator resolves them.

A run's pages link to each other by relative paths between their files in OUT/pages, each in its
section's folder (`../api/client.md#anchor`); published, each sits in its section (historical ones
under `archive/`) and the generator resolves links its own way, so those links (and links to
copied images) are rewritten from the page's new place. Links elsewhere in the site to a retired input page are pointed at its main new
page, the anchor kept when that page has it. Code spans and fenced code are never touched.
"""

from __future__ import annotations

import posixpath

from consolidate.checks.claims import parse_page
from consolidate.linkmap import EXTERNAL, path_candidates
from consolidate.markdown.links import definitions, links_in_line
from consolidate.publish.sites import Site, link
from consolidate.records import page_target


def rewrite_targets(text: str, fix) -> tuple[str, int]:
    """Replace link targets (inline and definitions, outside code) with fix(target) where it gives one."""
    parsed = parse_page(text)
    defs = definitions(parsed.lines, parsed.code_lines)
    lines, count = list(parsed.lines), 0
    for no, line in enumerate(parsed.lines, start=1):
        if no in parsed.code_lines:
            continue
        for lk in reversed(links_in_line(line, no, defs)):
            new = fix(lk.target) if lk.kind in ("inline", "definition") else None
            at = line.find(lk.target, lk.col)
            if new is not None and new != lk.target and at >= 0:
                line = line[:at] + new + line[at + len(lk.target):]
                count += 1
        lines[no - 1] = line
    return "\n".join(lines), count  # split_lines keeps the final "" of a text ending in a newline


def local(target: str) -> tuple[str, str] | None:
    """(path, anchor) of a link to a local file, None for a URL or an anchor on the same page."""
    if EXTERNAL.match(target) or target.startswith("#") or not target:
        return None
    path, _, anchor = target.partition("#")
    return path, anchor


def page_links(site: Site, name: str, src: str, text: str, layout: dict[str, str], assets: dict[str, str],
                anchors: dict[str, set[str]]) -> str:
    """A published page's links to other run pages and assets, as the site resolves them. name: the
    page's file in OUT/pages (its links are relative to it); src: where it is published."""
    def fix(target: str) -> str | None:
        loc = local(target)
        if loc is None or loc[0].startswith("/"):
            return None
        path = page_target(name, loc[0])
        if path in layout:
            anchor = loc[1] if loc[1] in anchors.get(path, set()) or not loc[1] else ""
            return link(site, src, layout[path], anchor)
        if path in assets:
            return posixpath.relpath(assets[path], posixpath.dirname(src) or ".") + (f"#{loc[1]}" if loc[1] else "")
        return None

    return rewrite_targets(text, fix)[0]


def inbound(site: Site, text: str, content_rel: str | None, retired: dict[str, str], anchors: dict[str, set[str]]) -> tuple[str, int]:
    """Point links at retired pages to their new page. content_rel: the file under the content folder."""
    if content_rel is None:
        return text, 0
    here = posixpath.dirname(content_rel)

    def fix(target: str) -> str | None:
        loc = local(target)
        if loc is None:
            return None
        path, anchor = loc
        joined = posixpath.normpath(posixpath.join(here, path)) if not path.startswith("/") else path.strip("/")
        hit = next((c for c in path_candidates(joined) if c in retired), None)
        if hit is None:
            return None
        new = retired[hit]
        return link(site, content_rel, new, anchor if anchor in anchors.get(new, set()) else "")

    return rewrite_targets(text, fix)


def run_pages_linked(name: str, text: str, pages: dict[str, str]) -> list[str]:
    """The run's pages (files in OUT/pages) the page `name` links to."""
    found: set[str] = set()

    def note(target: str) -> None:
        loc = local(target)
        if loc is not None and not loc[0].startswith("/") and page_target(name, loc[0]) in pages:
            found.add(page_target(name, loc[0]))

    rewrite_targets(text, note)
    return sorted(found)
