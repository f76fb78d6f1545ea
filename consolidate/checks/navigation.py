"""Navigation: lines that say nothing about the sources, so they are not claims.

- A page split for size (stages/split.py) lists its sub-pages: a page whose front matter lists
  `parts` may hold list items that are each only a link to one of those parts, labelled with that
  part's title.
- A statement said on its owner page (merge/owners.py) is replaced elsewhere by a pointer,
  `See [heading](page.md#anchor).` (a sentence, or a list item), labelled with the heading at
  that anchor on that page.
Both cite nothing. Any other text, a link to a page not in `parts`, or a label that is not the
linked part's title or the heading at the anchor is reported as an uncited claim.
"""

from __future__ import annotations

import posixpath
import re

from consolidate.records import Finding, page_target

LABEL = r"((?:[^\[\]]|\[[^\[\]]*\])+)"  # link text, with brackets one deep: "PSDataCollection[ErrorRecord]", "object[]"
NAV_ITEM = re.compile(rf"\[{LABEL}\]\(([^()\s#]+\.md)\)")
SEE = re.compile(rf"See \[{LABEL}\]\(([^()\s#]*)#([^()\s#]+)\)\.")


def navigation(claims: list, front: dict) -> tuple[list, list]:
    """(claims, navigation items) of a page: list items that are only a link to one of its parts,
    and pointers to the owner page of a statement."""
    parts = front.get("parts")
    names = {posixpath.basename(str(p)) for p in parts} if isinstance(parts, list) else set()  # in its folder
    keep, nav = [], []
    for c in claims:
        bare = c.kind in ("sentence", "list_item") and not c.labels
        m = NAV_ITEM.fullmatch(c.text.strip()) if bare and c.kind == "list_item" else None
        (nav if (m and m.group(2) in names) or (bare and SEE.fullmatch(c.text.strip())) else keep).append(c)
    return keep, nav


def page_title(parsed) -> str | None:
    """A page's title: its front matter's, else its `# ` heading (a front matter too long to read: ingest.front_matter)."""
    title = parsed.front.get("title")
    return str(title) if title is not None else next((h[2] for h in parsed.headings if h[1] == 1), None)


def check_navigation(name: str, parsed, titles: dict[str, str | None],
                     headings: dict[str, dict[str, str]] | None = None) -> list[Finding]:
    """A navigation item whose label is not the linked part's title, or a pointer whose label is not
    the heading at its anchor, is an uncited claim. titles: every page's title (page_title), by
    file name; headings: every page's headings by anchor (checks/links.heading_texts), by file name."""
    out = []
    for c in parsed.nav:
        see = SEE.fullmatch(c.text.strip())
        if see is not None:
            label, target, anchor = see.groups()
            heads = (headings or {}).get(page_target(name, target) if target else name)
            if heads is None:
                continue  # the link checker reports a page that does not exist
            heading = heads.get(anchor)
            if heading is not None and heading != label:
                out.append(Finding(severity="error", kind="uncited", page=name, line=c.line,
                                   message=f"{name}:{c.line}: the pointer to {target}#{anchor} is labelled {label!r}, "
                                           f"not the heading there {heading!r}; label it with the heading, or cite it"))
            continue
        label, target = NAV_ITEM.fullmatch(c.text.strip()).groups()
        part = page_target(name, target)
        if part not in titles:
            continue  # the link checker reports a part that does not exist
        title = titles[part]
        if title != label:
            out.append(Finding(severity="error", kind="uncited", page=name, line=c.line,
                               message=f"{name}:{c.line}: the link to part {target} is labelled {label!r}, not that "
                                       f"page's title {title!r}; a list of parts names each by its title, or cite it"))
    return out
