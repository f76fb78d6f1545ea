"""One port given for two different things.

A port's role is read only where a source names it outright: an environment variable
(`WORKER_BASE_A1111_PORT=3001`: `worker base a1111`), a `docker run -p 3001:3001 ... IMAGE`
line (the image: `emp-job-queue:hub`), or a row of a table with a Port column (the row's next
named cell: `Automatic1111`). Two roles of one port in different documents that share no word
(`port`, `service`, `server`, `default` aside) disagree on what the port is for.
"""

from __future__ import annotations

import re
from collections import defaultdict

ENV_PORT = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*?)_?PORT\s*[=:]\s*[\"']?(\d{2,5})\b")
DOCKER = re.compile(r"\bdocker\s+run\b(.*)$")
PUBLISH = re.compile(r"\s-p\s+(\d{2,5}):\d{2,5}")
PORT_CELL = re.compile(r"^(\d{2,5})(?:-\d{2,5})?$")
GENERIC = frozenset("port ports service server default the a".split())
_CELL = re.compile(r"\s*\|\s*")


def _words(role: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z][a-z0-9]*|\d+[a-z][a-z0-9]*", role.lower()) if w not in GENERIC)


def roles(kind: str, text: str) -> list[tuple[str, str, str]]:
    """(port, role as written, port as written) of one unit."""
    out = []
    if kind == "code":
        for ln in text.splitlines()[1:]:
            m = ENV_PORT.match(ln)
            if m and m.group(1):
                out.append((m.group(2), m.group(1) + "_PORT", m.group(2)))
            d = DOCKER.search(ln)
            if d:
                image = next((w for w in reversed(d.group(1).split()) if not w.startswith("-") and ":" in w
                              and not re.fullmatch(r"[\d:]+", w)), "")
                for p in PUBLISH.finditer(d.group(1)):
                    if image:
                        out.append((p.group(1), image, p.group(1)))
    elif kind == "table":
        rows = [_CELL.split(ln.strip().strip("|")) for ln in text.splitlines() if ln.strip().startswith("|")]
        head = [h.strip("* ").lower() for h in rows[0]] if rows else []
        if "port" in head:
            at = head.index("port")
            for r in rows[2:]:
                cell = r[at].strip("` ") if at < len(r) else ""
                m = PORT_CELL.match(cell)
                name = next((c.strip("*` ") for i, c in enumerate(r) if i != at and re.search(r"[A-Za-z]", c)), "")
                if m and name and len(name) <= 40:
                    out.append((m.group(1), name, cell))
    return out


def port_disagreements(units) -> list[tuple[str, list[tuple[object, str, str]]]]:
    """(port, [(unit, role, port as written)]): one entry per document, first first, where two
    documents give the port roles that share no word."""
    by_port: dict[str, dict[str, tuple]] = defaultdict(dict)
    for u in units:
        if u.kind in ("code", "table"):
            for port, role, written in roles(u.kind, u.text):
                by_port[port].setdefault(u.doc, (u, role, written))
    out = []
    for port in sorted(by_port, key=int):
        sides = [by_port[port][d] for d in sorted(by_port[port])]
        words = [_words(r) for _, r, _ in sides]
        if any(not (words[i] & words[j]) for i in range(len(sides)) for j in range(i + 1, len(sides))):
            out.append((port, sides))
    return out
