"""One HTTP endpoint given at two paths.

`POST /api/jobs` in one page and `POST /api/v1/jobs` in another name one action when the paths
are the same once the prefix segments (`api`, `rest`, a version `v1`) are left out and the
parameters are written alike (`{id}`, `:id`, `<id>`, `[id]`). That is an alias: the preferred
path is the one most documents use (ties: the later document in path order, then the spelling).
Two versions of an API (`/v1/jobs` and `/v2/jobs`, both versioned) are not one endpoint, nor are
paths that differ only in how a parameter is written.
"""

from __future__ import annotations

import re
from collections import defaultdict

from consolidate.records import Alias

ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+`?(/[\w{}\[\]<>:.-]+(?:/[\w{}\[\]<>:.-]+)*)")
PREFIX = re.compile(r"^(?:api|rest|v\d+(?:\.\d+)?)$", re.I)
VERSION = re.compile(r"^v\d+(?:\.\d+)?$", re.I)
PARAM = re.compile(r"^(?:\{[^}]*\}|:\w+|<[^>]*>|\[[^\]]*\])$")


def _segments(path: str) -> list[str]:
    return ["{}" if PARAM.match(s) else s.lower() for s in path.rstrip("/.").strip("/").split("/") if s]


def route_aliases(texts: dict[str, list[str]]) -> list[Alias]:
    """texts: document -> its lines."""
    used: dict[tuple, dict[str, dict[str, None]]] = defaultdict(lambda: defaultdict(dict))  # shape -> path -> docs
    for doc in sorted(texts):
        for m in ROUTE.finditer("\n".join(texts[doc])):
            path = m.group(2).rstrip("/.")
            segs = _segments(path)
            shape = (m.group(1), tuple(s for s in segs if not PREFIX.match(s)))
            if shape[1]:
                used[shape][f"{m.group(1)} {path}"][doc] = None
    out = []
    for (method, _), paths in sorted(used.items()):
        forms: dict[tuple, str] = {}  # a path as its segments (parameters alike) -> the first spelling
        for term in sorted(paths, key=lambda t: (-len(paths[t]), t)):
            forms.setdefault(tuple(_segments(term.split(" ", 1)[1])), term)
        if len(forms) < 2:
            continue
        versions = {tuple(s for s in f if VERSION.match(s)) for f in forms}
        if len(versions - {()}) > 1:
            continue  # /v1/jobs and /v2/jobs: two versions of the API
        terms = list(forms.values())
        found: dict[str, set[str]] = defaultdict(set)  # each form's first spelling -> the documents writing the form
        for term, where in paths.items():
            found[forms[tuple(_segments(term.split(" ", 1)[1]))]].update(where)
        docs = {t: sorted(found[t]) for t in terms}
        if len({d for ds in docs.values() for d in ds}) < 2 or len({tuple(ds) for ds in docs.values()}) < 2:
            continue  # one document's own spellings, or every document writing both
        preferred = max(terms, key=lambda t: (len(docs[t]), max(docs[t]), t))
        out.append(Alias(preferred=preferred, aliases=tuple(t for t in terms if t != preferred), sources=docs))
    return out
