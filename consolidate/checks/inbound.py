"""Links from pages outside the merge set that point at retired input pages, with their rewrite."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from consolidate.linkmap import EXTERNAL, path_candidates
from consolidate.records import Document, Finding


def list_inbound(others: list[Document], inputs: list[Document], redirects: dict[str, list[str]]) -> list[Finding]:
    by_file = {os.path.normpath(d.file): d.path for d in inputs if d.file}
    out = []
    for o in others:
        if not o.file or os.path.normpath(o.file) in by_file:
            continue  # an input page itself: it is retired, not rewritten
        base = Path(o.file).parent
        for link in o.links:
            target = link.target.strip()
            path, _, frag = target.partition("#")
            if not path or EXTERNAL.match(target) or path.startswith("/"):
                continue
            path = unquote(path.split("?", 1)[0])
            hit = next((by_file[k] for c in path_candidates(path) if (k := os.path.normpath(base / c)) in by_file), None)
            if hit is None:
                continue
            dest = (redirects.get(hit) or ["(no page)"])[0]
            out.append(Finding(severity="warning", kind="inbound-link", page=o.path, line=link.line,
                               message=f"{o.path}:{link.line}: links to retired page {hit}; rewrite {target!r} to "
                                       f"{dest!r}" + (f" (anchor #{frag} may have moved)" if frag else "")))
    return out
