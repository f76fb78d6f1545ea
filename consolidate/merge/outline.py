"""The merged page's outline: which section comes where, and at which heading level.

Sections come in the order of the page's first source (the plan puts the one holding most of the
topic first). A section only a later source has goes where that source puts it between two
sections the page already has: right before the next one it shares; its sections after the last
one it shares go at the end. The opening section, which every source has, places nothing and comes
first. Heading levels stay relative to each other as their source had them (`outline_levels`).

Before that, sections that play one role under different headings are aligned (`align_headings`):
"Prerequisites", "What you need" and "Requirements" are one section of the merged page, under the
heading of the source read first, and so are "Next steps"/"Where to go next" and the like. A
source with two sections of one role keeps them apart (they are not the same section to it).

Then a later source with sections of its own is one section of the page under its own title
(`group_sources`): its opening text there, not in the page's opening, and its sections below it.
"""

from __future__ import annotations

import re

from collections import defaultdict

from consolidate.dedupe import normalise
from consolidate.merge.statements import section_key
from consolidate.units import INTRO, Unit

_ROLES = {role: {normalise(h) for h in heads} for role, heads in {
    "overview": ("Overview", "Introduction", "Intro", "About"),
    "requirements": ("Requirements", "Prerequisites", "Pre-requisites", "System requirements", "What you need",
                     "What you'll need", "What you will need", "You will need", "Before you begin",
                     "Before you start"),
    "installation": ("Installation", "Install", "Installing", "How to install"),
    "usage": ("Usage", "How to use"),
    "examples": ("Examples", "Example"),
    "troubleshooting": ("Troubleshooting", "Common problems", "Common issues", "Common errors"),
    "next steps": ("Next steps", "Where to go next", "What's next", "What next", "Further reading", "See also",
                   "Learn more", "More information"),
}.items()}
MIN_OWN = 2  # a later source with this many sections of its own gets a section of its own (group_sources)
_NUMBERED = re.compile(r"^(?:step |part )?\d+ ")  # "2. Requirements", "Step 1: Install"


def _role(key: str) -> str:
    key = _NUMBERED.sub("", key)
    return next((role for role, heads in _ROLES.items() if key in heads), "")


def align_headings(units: list[Unit]) -> dict[tuple[str, str], str]:
    """Give the sections that play one role (`_ROLES`) one heading: each unit of a later source's
    section takes the section title, level and parent heading of the first unit (reading order)
    of that role. Returns (doc, old section key) -> new key for every section renamed."""
    roles = [(u, key, _role(key)) for u in units for key in (section_key(u),)]
    keys: dict[tuple[str, str], set[str]] = {}  # (doc, role) -> its section keys
    for u, key, role in roles:
        if role:
            keys.setdefault((u.doc, role), set()).add(key)
    first: dict[str, Unit] = {}
    renamed: dict[tuple[str, str], str] = {}
    for u, key, role in roles:
        if not role or len(keys[(u.doc, role)]) > 1:
            continue
        lead = first.setdefault(role, u)
        if section_key(lead) != key:
            renamed[(u.doc, key)] = section_key(lead)
            u.section, u.level, u.parent_heading = lead.section, lead.level, lead.parent_heading
    return renamed


def group_sources(units: list[Unit], titles: dict[str, str], page_title: str, min_sections: int = MIN_OWN
                  ) -> tuple[dict[tuple[str, str], str], dict[str, list[str]]]:
    """A later source that brings MIN_OWN or more sections no other source of the page has becomes
    one section of the page, headed by its own title: its opening text under that heading, its own
    sections one level below it ("## Troubleshooting the worker", then "### Jobs stuck in queued").
    Its sections shared with other sources stay where they merge. titles: doc -> its title.
    Not done for a source with no opening text (the heading would stand over nothing), or whose
    title is the page's or already a section of the page (its opening is the page's opening then). Returns (doc, opening's key) -> the new section's key,
    and each new section's key -> the keys of the source's own sections, in its order (merged_order
    shows them together, after the sections the sources share)."""
    intro = INTRO.lower()
    docs_of: dict[str, set[str]] = defaultdict(set)  # section key -> the sources that have it
    for u in units:
        docs_of[section_key(u)].add(u.doc)
    renamed: dict[tuple[str, str], str] = {}
    groups: dict[str, list[str]] = {}
    for doc in list(dict.fromkeys(u.doc for u in units))[1:]:
        mine = [u for u in units if u.doc == doc]
        own = {k for u in mine if (k := section_key(u)) != intro and docs_of[k] == {doc}}
        head = titles.get(doc, "").strip()
        if len(own) < min_sections or not head or normalise(head) in docs_of or normalise(head) == normalise(page_title) \
                or not any(section_key(u) == intro for u in mine):
            continue
        for u in mine:
            key = section_key(u)
            if key == intro:
                u.section, u.level, u.parent_heading = head, 2, ""
            elif key in own:
                if u.level <= 2:
                    u.parent_heading = head
                u.level = min(u.level + 1, 6)
        renamed[(doc, intro)] = normalise(head)
        groups[normalise(head)] = list(dict.fromkeys(k for u in mine if (k := section_key(u)) in own))
    return renamed, groups


def merged_order(units: list[Unit], sections: dict[str, list[Unit]],
                 groups: dict[str, list[str]] | None = None) -> dict[str, list[Unit]]:
    """The page's sections (key -> units shown) in the merged order of their sources' outlines;
    `units` are all the page's units in reading order (the first source's first). groups (from
    group_sources): a source's own section -> its own sections, shown together after the rest."""
    groups = groups or {}
    grouped = {k for head, own in groups.items() for k in [head] + own}
    outlines: dict[str, list[str]] = {}
    for u in units:
        if section_key(u) in grouped:
            continue
        seq = outlines.setdefault(u.doc, [])
        key = section_key(u)
        if key in sections and (not seq or seq[-1] != key) and key not in seq:
            seq.append(key)
    order: list[str] = []
    intro = INTRO.lower()
    for n, seq in enumerate(outlines.values()):
        pending: list[str] = []  # this source's own sections since its last one already placed
        for key in seq:
            if key == intro:  # every source opens with one: it places nothing, and it comes first
                if key not in order:
                    order.insert(0, key)
            elif n == 0:
                order.append(key)
            elif key in order:  # the sections it has before this shared one go right before it
                at = order.index(key)
                order[at:at] = pending
                pending = []
            else:
                pending.append(key)
        order += pending  # what it has after its last shared section: after the first source's
    for head, own in groups.items():
        order += [k for k in [head] + own if k in sections and k not in order]
    order += [k for k in sections if k not in order]  # none expected: every shown unit has a source
    return {k: sections[k] for k in order}


def containers(sections: dict[str, list[Unit]], page_title: str) -> dict[str, str]:
    """Section key -> a heading to show right before it: the `##` heading a `###` section sat under
    in its source, when that heading holds no text of its own ("## Starting the system" over
    "### Option 1" and "### Option 2") and the page has not opened it. Without it the `###`
    sections would stand at `##`, their grouping lost. Not when the heading is a section of the
    page or its title (it would stand twice)."""
    taken = set(sections) | {normalise(page_title)}
    out: dict[str, str] = {}
    open2 = ""  # the ## heading open on the page
    for key, units in sections.items():
        u = units[0]
        if u.level <= 2:
            open2 = u.section
        elif u.level == 3 and u.parent_heading and normalise(u.parent_heading) != normalise(open2) \
                and normalise(u.parent_heading) not in taken:
            out[key] = open2 = u.parent_heading
    return out


def outline_levels(sections: dict[str, list[Unit]], before: dict[str, str] | None = None) -> list[int]:
    """Each section's heading level, as its first source had it relative to that source's top
    (## stays ##, ### stays ###), when the page shows it under the heading it sat under in that
    source; otherwise one level below the page title (##). before: `containers`, shown at ##."""
    before = before or {}
    out: list[int] = []
    open_at: dict[int, str] = {1: ""}  # level -> the heading the page has open there
    for key, units in sections.items():  # a section holds at least one unit
        if key in before:
            open_at = {1: "", 2: before[key]}
        u = units[0]
        level = u.level
        if level > 2 and normalise(open_at.get(level - 1, "\0")) != normalise(u.parent_heading):
            level = 2
        out.append(level)
        open_at = {k: v for k, v in open_at.items() if k < level} | {level: u.section}
    return out


