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
            meta = docs[main].front_matter if main in docs else {}
            update["audience"] = audience_of(main, p.title, meta)
        out.append(p.model_copy(update=update) if update else p)
    return out


def check(p: PagePlan, where: str) -> None:
    if p.section and not all(SEGMENT.fullmatch(s) and s.strip(".") for s in p.section.split("/")):
        raise UsageError(f"{where}.section {p.section!r}: {SECTION_RULE}; fix it")
    if p.audience and not SEGMENT.fullmatch(p.audience):
        raise UsageError(f"{where}.audience {p.audience!r}: one word of letters, digits, '-', '_' (e.g. admin, developer, overview); fix it")
