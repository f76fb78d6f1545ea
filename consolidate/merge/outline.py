"""The merged page's outline: which section comes where, and at which heading level.

Sections come in the order of the page's first source (the plan puts the one holding most of the
topic first). A section only a later source has goes where that source puts it between two
sections the page already has: right before the next one it shares; its sections after the last
one it shares go at the end. The opening section, which every source has, places nothing and comes
first. Heading levels stay relative to each other as their source had them (`outline_levels`).

Before that, sections that play one role under different headings are aligned (`align_headings`):
"Prerequisites", "What you need" and "Requirements" are one section of the merged page, under the
heading of the source read first, and so are "Next steps"/"Where to go next" and the like. So are
headings that differ only in wording the reader does not read as a difference (`heading_key`:
"Starting the System" and "🎬 Start the System", "DevOps Engineer / Platform Engineer" and
"DevOps/Platform Engineers"), as sections and as the headings sub-sections sit under. A source with
two sections of one role or key keeps them apart (they are not the same section to it). A later
source's sub-section goes after the sub-sections the page already shows under the same heading
("### Backend won't start" of one quickstart's "Troubleshooting" after the other's), not at the end.

Then a later source with sections of its own is one section of the page under its own title
(`group_sources`): its opening text there, not in the page's opening, and its sections below it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from consolidate.checks.support import STOP, words_of
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


_SUFFIX = re.compile(r"(?<=[a-z]{3})(?:ing|ed)$")


@lru_cache(maxsize=65536)
def heading_key(heading: str) -> frozenset[str]:
    """What a heading names, with the wording a reader passes over removed: its leading number
    ("2. ", "Step 1 "), emoji and punctuation, stop words, a plural `s` and an -ing/-ed ending.
    Numbers inside it stay ("Version 2.4.0" is not "Version 2.3.0")."""
    plain = _NUMBERED.sub("", normalise(heading))
    numbers = [t for t in plain.split() if any(ch.isdigit() for ch in t)]  # whole: "0-1" is not "1-0"
    return frozenset(_SUFFIX.sub("", w) for w in words_of(plain, plain=True) + numbers if w not in STOP)


def align_headings(units: list[Unit]) -> dict[tuple[str, str], str]:
    """Give the sections that play one role (`_ROLES`), or whose headings have one `heading_key`
    at the same place in their outlines, one heading: each unit of a later source's section takes
    the section title, level and parent heading of the first unit (reading order) of that role or
    key. Then the headings sub-sections sit under follow: a renamed section's new title, or, for a
    heading that holds no text in its source, the wording of the first heading with its key.
    Returns (doc, old section key) -> new key for every section (and parent heading) renamed."""
    renamed = _align_roles(units)
    counts: dict[tuple[str, frozenset], set[str]] = defaultdict(set)  # (doc, key) -> its headings with that key
    own: set[tuple[str, str]] = set()  # (doc, heading) of every section with text
    for u in units:
        if not u.scope:
            counts[(u.doc, heading_key(u.section))].add(normalise(u.section))
            own.add((u.doc, normalise(u.section)))
        if u.parent_heading:
            counts[(u.doc, heading_key(u.parent_heading))].add(normalise(u.parent_heading))
    lead_of: dict[frozenset, Unit] = {}
    titles: dict[tuple[str, str], str] = {}  # (doc, old heading) -> the heading it now has
    for u in units:
        key, hk = section_key(u), heading_key(u.section)
        if u.scope or not hk or key == INTRO.lower():
            continue
        lead = lead_of.setdefault(hk, u)
        if lead.doc != u.doc and len(counts[(u.doc, hk)]) == 1 and section_key(lead) != key and _same_place(u, lead):
            renamed[(u.doc, key)] = section_key(lead)
            titles[(u.doc, key)] = lead.section
            u.section, u.level, u.parent_heading = lead.section, lead.level, lead.parent_heading
    first: dict[frozenset, tuple[str, str]] = {}  # key -> (doc, wording) of the first heading with it
    for u in units:
        for head in (u.parent_heading, u.section):
            if head and (hk := heading_key(head)):
                first.setdefault(hk, (u.doc, head))
        if not u.parent_heading or u.level <= 2:
            continue
        old = normalise(u.parent_heading)
        new = titles.get((u.doc, old))
        if new is None and (u.doc, old) not in own:  # a heading with no text of its own here
            pk = heading_key(u.parent_heading)
            doc, text = first.get(pk, (u.doc, ""))
            if doc != u.doc and len(counts[(u.doc, pk)]) == 1:
                new = text
        if new and normalise(new) != old:
            renamed[(u.doc, old)] = normalise(new)
            u.parent_heading = new
    return renamed


def _same_place(u: Unit, lead: Unit) -> bool:
    """Two sections with one heading key are one section when they sit at the same place in their
    outlines: both at the top, or under headings with one key ("Troubleshooting > Backend won't
    start" twice), not a sub-section of "Start the services" and one of "Run everything"."""
    if u.level <= 2 or lead.level <= 2:
        return u.level <= 2 and lead.level <= 2
    return heading_key(u.parent_heading) == heading_key(lead.parent_heading)


def _align_roles(units: list[Unit]) -> dict[tuple[str, str], str]:
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
        for key in pending:  # what it has after its last shared section: after the first source's,
            _place_under(order, key, sections)  # or after the sub-sections of the heading it sits under
    for head, own in groups.items():
        order += [k for k in [head] + own if k in sections and k not in order]
    order += [k for k in sections if k not in order]  # none expected: every shown unit has a source
    return {k: sections[k] for k in order}


def _parent(key: str, sections: dict[str, list[Unit]]) -> str:
    u = sections[key][0]
    return normalise(u.parent_heading) if u.level > 2 and u.parent_heading else ""


def _place_under(order: list[str], key: str, sections: dict[str, list[Unit]]) -> None:
    """Put a later source's sub-section right after the last section the page shows under the same
    heading (or after that heading's own section); at the end when the page has neither."""
    parent = _parent(key, sections)
    at = len(order)
    if parent:
        under = [i for i, k in enumerate(order) if k == parent or (k in sections and _parent(k, sections) == parent)]
        if under:
            at = under[-1] + 1
    order.insert(at, key)


_ENUMERATED = re.compile(r"^(?P<word>[A-Za-z]+ )?(?P<n>\d{1,3})(?P<rest>[.:)] .*)$")  # "Option 2: Manual start", "3. Restart"


def renumber(titles: dict[str, str], sections: dict[str, list[Unit]]) -> dict[str, str]:
    """Sub-sections numbered by their sources ("Option 1", "Option 2") that the page shows in one
    run under one heading from two sources ("Option 1", "Option 2", "Option 1", "Option 2") are
    numbered on: 1, 2, 3, 4. Headings are the page's words; the text under them is unchanged.
    Returns the titles, renumbered where needed (section keys stay)."""
    out = dict(titles)
    keys = list(sections)
    i = 0
    while i < len(keys):
        parent, j = _parent(keys[i], sections), i
        while j < len(keys) and parent and _parent(keys[j], sections) == parent \
                and sections[keys[j]][0].level == sections[keys[i]][0].level:
            j += 1
        run = keys[i:j] if j > i + 1 else []
        found = [(k, m) for k in run if (m := _ENUMERATED.match(titles[k]))]
        words = {(m.group("word") or "").lower() for _, m in found}
        numbers = [int(m.group("n")) for _, m in found]
        if len(found) == len(run) and len(words) == 1 and len({sections[k][0].doc for k in run}) > 1 \
                and numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            for n, (k, m) in enumerate(found, start=numbers[0]):
                out[k] = f"{m.group('word') or ''}{n}{m.group('rest')}"
        i = max(j, i + 1)
    return out


def containers(sections: dict[str, list[Unit]], page_title: str) -> dict[str, str]:
    """Section key -> a heading to show right before it, one level above it: the heading a
    sub-section sat under in its source, when that heading holds no text of its own ("## Starting
    the system" over "### Option 1" and "### Option 2"; "## Failure scenarios" over "### 1. Process
    termination" in a source shown one level down under its title) and the page has not opened it.
    Without it the sub-sections would stand at `##`, their grouping lost. Not when the heading is a
    section of the page or its title (it would stand twice), nor when the heading above it is not
    open either (it would skip a level)."""
    return _walk(sections, page_title, None)[0]


def outline_levels(sections: dict[str, list[Unit]], before: dict[str, str] | None = None) -> list[int]:
    """Each section's heading level, as its first source had it relative to that source's top
    (## stays ##, ### stays ###), when the page shows it under the heading it sat under in that
    source; otherwise one level below the page title (##). before: `containers`, each shown one
    level above the section it stands before."""
    return _walk(sections, "", before or {})[1]


def _walk(sections: dict[str, list[Unit]], page_title: str, before: dict[str, str] | None
          ) -> tuple[dict[str, str], list[int]]:
    """The page's headings in order: the containers (found, or `before` when given) and each
    section's level, with the headings open at each level as the page goes."""
    taken = set(sections) | {normalise(page_title)}
    found: dict[str, str] = {}
    levels: list[int] = []
    open_at: dict[int, str] = {1: ""}  # level -> the heading the page has open there
    for key, units in sections.items():  # a section holds at least one unit
        u = units[0]
        level, parent = u.level, normalise(u.parent_heading)
        if before is not None:
            head = before.get(key)
        else:
            head = u.parent_heading if (level > 2 and parent and parent != normalise(open_at.get(level - 1, "\0"))
                                        and parent not in taken and (level == 3 or level - 2 in open_at)) else None
            if head:
                found[key] = head
        if head:
            open_at = {k: v for k, v in open_at.items() if k < level - 1} | {max(2, level - 1): head}
        if level > 2 and normalise(open_at.get(level - 1, "\0")) != parent:
            level = 2
        levels.append(level)
        open_at = {k: v for k, v in open_at.items() if k < level} | {level: u.section}
    return found, levels


