"""Hub pages: an index at the content root listing every published page by audience, and one per
section folder listing its pages, each a heading that links to the page and a one-line description.

A description is the first cited sentence of the page's body, with the page's own citations of
it (renumbered), so a hub passes the checker like any page. A hub is not written where the site
keeps an index page of its own.
"""

from __future__ import annotations

import posixpath
import re

from consolidate.publish.sites import Site, link, yaml_scalar

LABELS = {"admin": "Administrators and operators", "developer": "Developers", "overview": "Overview", "archive": "Archive"}
_MARKS = re.compile(r"((?:\[\^[^\]\s]+\])+)\s*$")
_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s?(.*)$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def label(audience: str) -> str:
    return LABELS.get(audience, audience.replace("-", " ").replace("_", " ").capitalize())


def describe(text: str, longest: int = 300) -> tuple[str, list[str]] | None:
    """The first cited prose line of a page (one of at most `longest` characters when there is one),
    links reduced to their text, and the source spans its marks cite. The whole claim, not its first
    sentence: the checker proves a claim against its cited lines as a whole (a shortened one can read
    as contradicting a later sentence of those lines)."""
    found = [d for d in _described(text)]
    return next((d for d in found if len(d[0]) <= longest), found[0] if found else None)


def _described(text: str):
    defs = dict(m.groups() for line in text.splitlines() if (m := _DEF.match(line)))
    body, in_fm, fence = text.splitlines(), False, False
    for i, line in enumerate(body):
        s = line.strip()
        if i == 0 and s == "---":
            in_fm = True
            continue
        if in_fm:
            in_fm = s != "---"
            continue
        if s.startswith(("```", "~~~")):
            fence = not fence
        if fence or not s or s[0] in "#>|-*<!:[" or s[0].isdigit() or _DEF.match(s):
            continue
        m = _MARKS.search(s)
        if not m:
            continue
        marks = re.findall(r"\[\^([^\]\s]+)\]", m.group(1))
        claim = _LINK.sub(r"\1", s[:m.start()]).strip()
        if claim and all(k in defs for k in marks):
            yield claim, [defs[k] for k in marks]


def hub_text(site: Site, path: str, title: str, groups: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
    """A hub page (before shaping): groups of (label, [(title, content path, page text)]). Each page is a
    heading linking to it, then its description as a paragraph of its own, so the claim the checker
    reads is exactly the cited sentence."""
    lines, notes = ["---", f"title: {yaml_scalar(title)}", "---", "", f"# {title}", ""], []
    for heading, items in groups:
        if heading:
            lines += [f"## {heading}", ""]
        for t, target, text in items:
            lines += [f"{'###' if heading else '##'} [{t}]({link(site, path, target)})", ""]
            found = describe(text)
            if found:
                sentence, cites = found
                notes += cites
                lines += [sentence + "".join(f"[^{len(notes) - len(cites) + k}]" for k in range(1, len(cites) + 1)), ""]
    lines += [f"[^{i}]: {c}" for i, c in enumerate(notes, start=1)]
    return "\n".join(lines).rstrip("\n") + "\n"


def section_title(section: str) -> str:
    name = posixpath.basename(section)
    return name.replace("-", " ").replace("_", " ").capitalize() or "Documentation"


def order(audience: str) -> tuple[int, str]:
    """Audiences in hub and nav order: overview, admin, developer, then the tree's own by name, the archive last."""
    known = ("overview", "admin", "developer")
    if audience == "archive":
        return (len(known) + 1, "")
    return (known.index(audience), "") if audience in known else (len(known), audience)
