"""Section and audience of each planned page: where it lives in the site and who it is for.

A page's section is the folder of its main source (the one holding most of it), so the output
keeps the tree's folder structure; its audience is read from the sources' front matter
(`audience`), else from the folder names of that path (admin/ops, developer/api, overview),
else from its title's words, else the tree's own top folder. Both are plan.json fields: a person
edits them there, and an empty one is inferred again.
"""

from __future__ import annotations

import posixpath
import re

from consolidate.errors import UsageError
from consolidate.records import Document, PagePlan

SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SECTION_RULE = "a section is a folder path of names made of letters, digits, '-', '_' or '.' separated by '/' (no '..', no leading '/')"
AUDIENCES = {  # folder or title word -> audience
    "admin": ("admin", "administration", "administrator", "ops", "operations", "operator", "operators", "runbook",
              "runbooks", "oncall", "on-call", "support", "deploy", "deployment", "deploying", "sre", "handbook"),
    "developer": ("developer", "developers", "dev", "api", "apis", "reference", "sdk", "architecture", "internals",
                  "contributing", "cli", "client", "extending", "develop"),
    "overview": ("overview", "leadership", "about", "intro", "introduction", "getting-started", "start", "quickstart",
                 "changelog", "faq", "community", "migration"),
}
_WORD = re.compile(r"[a-z][a-z-]*")
# folder names that state an audience outright: a topic whose sources sit under two of them is split
EXPLICIT = {"admin": ("admin", "administration", "administrators", "operator", "operators", "ops", "operations"),
            "developer": ("developer", "developers", "dev", "development"),
            "leadership": ("leadership", "management", "executive", "executives")}


def explicit_audience(doc: Document) -> str | None:
    """The audience a document states (front matter `audience`) or its folders name outright; else None."""
    given = doc.front_matter.get("audience")
    if isinstance(given, str) and given.strip():
        return given.strip().lower()
    for seg in reversed([s.lower() for s in doc.path.split("/")[:-1]]):
        for name, words in EXPLICIT.items():
            if seg in words:
                return name
    return None


def split_by_audience(chunk_ids: tuple[str, ...], by_id: dict, docs: dict[str, Document]) -> list[tuple[str, ...]]:
    """A topic's chunks, one group per audience its sources state (a source that states none joins
    the largest group), so admin and developer content never share a page. One group when the
    sources state at most one audience."""
    weight: dict[str, int] = {}
    of: dict[str, str | None] = {}
    for cid in chunk_ids:
        c = by_id[cid]
        a = of.setdefault(c.doc, explicit_audience(docs[c.doc]) if c.doc in docs else None)
        if a is not None:
            weight[a] = weight.get(a, 0) + c.tokens
    if len(weight) < 2:
        return [tuple(chunk_ids)]
    largest = min(weight, key=lambda a: (-weight[a], a))
    groups: dict[str, list[str]] = {}
    for cid in chunk_ids:
        groups.setdefault(of[by_id[cid].doc] or largest, []).append(cid)
    return [tuple(g) for _, g in sorted(groups.items(), key=lambda kv: (-weight[kv[0]], kv[0]))]


def audience_of(path: str, title: str, meta: dict) -> str:
    given = meta.get("audience")
    if isinstance(given, str) and given.strip():
        return given.strip().lower()
    folders = [s.lower() for s in path.split("/")[:-1]]
    for seg in reversed(folders):  # the nearest folder decides
        for name, words in AUDIENCES.items():
            if seg in words:
                return name
    words = set(_WORD.findall(title.lower()))
    for name, keys in AUDIENCES.items():
        if words & set(keys):
            return name
    return folders[0] if folders else "overview"


def infer(pages: list[PagePlan], docs: dict[str, Document]) -> list[PagePlan]:
    """Fill in the section and audience of pages that have none (an edited plan keeps its own)."""
    out = []
    for p in pages:
        main = p.sources[0] if p.sources else ""
        update = {}
        if not p.section and main:
            update["section"] = posixpath.dirname(main)
        if not p.audience:
            doc = docs.get(main)
            update["audience"] = (doc and explicit_audience(doc)) or audience_of(main, p.title, doc.front_matter if doc else {})
        out.append(p.model_copy(update=update) if update else p)
    return out


def check(p: PagePlan, where: str) -> None:
    if p.section and not all(SEGMENT.fullmatch(s) and s.strip(".") for s in p.section.split("/")):
        raise UsageError(f"{where}.section {p.section!r}: {SECTION_RULE}; fix it")
    if p.audience and not SEGMENT.fullmatch(p.audience):
        raise UsageError(f"{where}.audience {p.audience!r}: one word of letters, digits, '-', '_' (e.g. admin, developer, overview); fix it")
