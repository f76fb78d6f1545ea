"""The WebSocket endpoint given for one connection at different paths.

`ws://hub.example.com:3002` (no path) in one page and `ws://host/ws/monitor/monitor-123` in
another: the pages disagree on where a client connects. The run's WebSocket URLs disagree when
two documents give URLs whose first path segments (none counts as one) have nothing in common;
the conflict has a side per document and first segment (six at most), each giving its path as
written (the URL when it has no path). A docs set about one system rarely names two WebSocket
services; when it does, the other service's URL is one more side to read, not a new conflict.
"""

from __future__ import annotations

import re
from collections import defaultdict

WS_URL = re.compile(r"\bwss?://[^\s'\"`)<>]+")


def _shape(url: str) -> tuple[str, str]:
    """(first path segment or '', the value a note shows)."""
    url = url.rstrip(".,;:")
    path = url.split("://", 1)[1].partition("/")[2]
    return path.split("/", 1)[0], ("/" + path if path else url)


def endpoint_disagreements(units) -> list[list[tuple[object, str]]]:
    """[(unit, value)] per disagreement (one at most), one side per document and path segment."""
    sides: dict[tuple[str, str], tuple] = {}
    for u in units:
        for m in WS_URL.finditer(u.text):
            segment, value = _shape(m.group(0))
            sides.setdefault((u.doc, segment), (u, value))
    shapes: dict[str, set[str]] = defaultdict(set)
    for doc, segment in sides:
        shapes[doc].add(segment)
    docs = sorted(shapes)
    if any(shapes[a].isdisjoint(shapes[b]) for i, a in enumerate(docs) for b in docs[i + 1:]):
        return [[sides[k] for k in sorted(sides)]]
    return []
