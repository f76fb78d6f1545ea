"""One thing under several names.

- Identifiers whose words are the same in another order: `voter_import` and `import_voters`
  (snake_case or kebab-case, two to four words; a plural `s` does not count). Writing the same
  identifier with `-` for `_`, or in the plural (`job_type` / `job_types`), is not an alias.
- A recorded rename: "Rename: emp-job-queue → emp-ai-backend", "renamed X to Y". The new name is
  preferred; documents still using the old one are listed.
- One HTTP endpoint at two paths (`POST /api/jobs` / `POST /api/v1/jobs`): claims/routes.py.

The preferred term is the one most documents use (ties: the later document in path order, then the
spelling); a rename's new name always. Deterministic: documents are read in path order.
"""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.claims.routes import route_aliases
from consolidate.records import Alias

IDENT = re.compile(r"(?<![\w./:-])([a-z][a-z0-9]*(?:[_-][a-z][a-z0-9]*){1,3})(?![\w/-]|\.\w)")
# "Rename: old → new" (an arrow), or "renamed `old` to `new`" (both names as code): "Rename
# project to better reflect ..." names nothing
RENAME = re.compile(r"\brenam(?:e|ed|ing)\b[^\n`]{0,20}?:?\s*(?:([\w.-]{3,60})\s*(?:→|->|=>)\s*([\w.-]{3,60})"
                    r"|`([\w.-]{3,60})`\s*(?:→|->|=>|\bto\b)\s*`([\w.-]{3,60})`)", re.I)


def _stems(term: str) -> tuple[str, ...]:
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in re.split(r"[_-]", term))


def renames(texts: dict[str, list[str]]) -> list[tuple[str, str, str, int]]:
    """(old, new, document, line) of each rename the documents record."""
    out = []
    for doc in sorted(texts):
        for no, ln in enumerate(texts[doc], start=1):
            for m in RENAME.finditer(ln):
                old, new = (m.group(1) or m.group(3)).rstrip("."), (m.group(2) or m.group(4)).rstrip(".")
                if old.lower() != new.lower():
                    out.append((old, new, doc, no))
    return out


def find_aliases(texts: dict[str, list[str]]) -> list[Alias]:
    """texts: document -> its lines."""
    used: dict[str, dict[str, None]] = defaultdict(dict)  # term (with `_`) -> documents, in order
    for doc in sorted(texts):
        for term in set(IDENT.findall("\n".join(texts[doc]))):
            used[term.replace("-", "_")][doc] = None
    by_words: dict[tuple, list[str]] = defaultdict(list)
    for term in sorted(used):
        if "_" in term:
            by_words[tuple(sorted(_stems(term)))].append(term)
    out = []
    for terms in by_words.values():
        if len({_stems(t) for t in terms}) < 2:
            continue  # `job_type` and `job_types` are two names (one and many), not one thing's two
        docs = {t: list(used[t]) for t in terms}
        if len({d for ds in docs.values() for d in ds}) < 2:
            continue  # one document's own spellings
        preferred = max(terms, key=lambda t: (len(docs[t]), max(docs[t]), t))
        out.append(Alias(preferred=preferred, aliases=tuple(t for t in terms if t != preferred), sources=docs))
    recorded: dict[tuple[str, str], list[str]] = {}  # (old, new) -> the documents recording it
    for old, new, doc, _ in renames(texts):
        recorded.setdefault((old, new), []).append(doc)
    for (old, new), where in recorded.items():
        rx = re.compile(rf"(?<![\w.-]){re.escape(old)}(?![\w-])")
        still = [d for d in sorted(texts) if d not in where and any(rx.search(ln) for ln in texts[d])]
        if still:
            out.append(Alias(preferred=new, aliases=(old,), sources={new: sorted(set(where)), old: still}))
    return sorted(out + route_aliases(texts), key=lambda a: a.preferred)


def to_preferred(text: str, aliases) -> str:
    """`text` with each alias of the table (records.Alias) written as its preferred term, whole
    names only (`voter_imports` is left alone)."""
    for a in aliases:
        for old in a.aliases:
            text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", a.preferred, text)
    return text


def heading_to_preferred(heading: str, aliases) -> str:
    """A section heading in the preferred terms: code spans (quoted names) are left as written,
    and so is a heading naming both terms ("Rename: emp-job-queue → emp-ai-backend" is about the
    names themselves)."""
    parts = re.split(r"(`+[^`]*?`+)", heading)
    for a in aliases:
        if a.preferred not in heading:
            parts = [p if i % 2 else to_preferred(p, [a]) for i, p in enumerate(parts)]
    return "".join(parts)
