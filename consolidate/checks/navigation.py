"""Navigation on a page split for size (stages/split.py): its list of sub-pages is not a claim.

A page whose front matter lists `parts` may hold list items that are each only a link to one of
those parts, labelled with that part's title: they cite nothing because they say nothing about
the sources. Any other text in such an item, a link to a page not in `parts`, or a label that is
not the linked part's title keeps it a claim (so it must cite its sources like any other).
"""

from __future__ import annotations

import re

from consolidate.records import Finding

NAV_ITEM = re.compile(r"\[([^\[\]]+)\]\(([^()\s#]+\.md)\)")


def navigation(claims: list, front: dict) -> tuple[list, list]:
    """(claims, navigation items) of a page: list items that are only a link to one of its parts."""
    parts = front.get("parts")
    if not isinstance(parts, list) or not parts:
        return claims, []
    names = {str(p) for p in parts}
    keep, nav = [], []
    for c in claims:
        m = NAV_ITEM.fullmatch(c.text.strip()) if c.kind == "list_item" and not c.labels else None
        (nav if m and m.group(2) in names else keep).append(c)
    return keep, nav


def page_title(parsed) -> str | None:
    """A page's title: its front matter's, else its `# ` heading (a front matter too long to read: ingest.front_matter)."""
    title = parsed.front.get("title")
    return str(title) if title is not None else next((h[2] for h in parsed.headings if h[1] == 1), None)


def check_navigation(name: str, parsed, titles: dict[str, str | None]) -> list[Finding]:
    """A navigation item whose label is not the linked part's title is an uncited claim.
    titles: every page's title (page_title), by file name."""
    out = []
    for c in parsed.nav:
        label, target = NAV_ITEM.fullmatch(c.text.strip()).groups()
        if target not in titles:
            continue  # the link checker reports a part that does not exist
        title = titles[target]
        if title != label:
            out.append(Finding(severity="error", kind="uncited", page=name, line=c.line,
                               message=f"{name}:{c.line}: the link to part {target} is labelled {label!r}, not that "
                                       f"page's title {title!r}; a list of parts names each by its title, or cite it"))
    return out
