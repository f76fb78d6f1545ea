"""How two components talk, as mermaid flowcharts draw it.

An edge of a `graph`/`flowchart` diagram whose label names a protocol (`Client -.->|WebSocket| Hub`,
`Client1 -->|HTTP REST| API`) is a claim that the two components talk by it. Protocols come in
families (HTTP and REST are one; WebSocket, server-sent events, gRPC, MQTT, AMQP are each their
own); TCP and other transport words name no family, WebSocket and HTTP both running over it.

A node is known by the words of its label (or its id when it has none) and, where no node of the
other diagram carries one of those, by the titles of the subgraphs around it (`API[REST API
Server]` inside `subgraph "Hub Service"` is the hub's). Two diagrams of different documents
disagree when edges joining the same two components (either way round) name protocols with no
family in common: every edge of one diagram between them against every edge of the other.
"""

from __future__ import annotations

import re
from collections import defaultdict

FAMILIES = {"websocket": "websocket", "websockets": "websocket", "ws": "websocket", "wss": "websocket",
            "http": "http", "https": "http", "rest": "http", "sse": "sse", "grpc": "grpc", "mqtt": "mqtt",
            "amqp": "amqp"}
GENERIC = frozenset("service services server app apps application applications instance instances manager the "
                    "a an of and pool layer".split())
HEADER = re.compile(r"^\s*(?:graph|flowchart)\b", re.I)
SUBGRAPH = re.compile(r"^\s*subgraph\s+(.*?)\s*$")
SHAPE = re.compile(r"\b([A-Za-z_]\w*)\s*(?:\[\(|\(\(|\[\[|\{\{|\[|\(|\{)\s*\"?([^\]\)\}\"]*)\"?\s*(?:\)\]|\)\)|\]\]|\}\}|\]|\)|\})")
EDGE = re.compile(r"\b([A-Za-z_]\w*)\s*(?:<?[-.=]{2,}>?\s*\|([^|]*)\||<?--\s+([^->|][^>|]*?)\s+-->|<?[-.=]{2,}[>ox]?)\s*([A-Za-z_]\w*)")
WORD = re.compile(r"[a-z][a-z0-9]*")


def _words(text: str, ident: bool = False) -> frozenset[str]:
    """Content words of a label; of an id (`JobQueue`, `Client1`), its camel-case parts."""
    if ident:
        text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return frozenset(w.rstrip("0123456789") for w in WORD.findall(text.lower())) - GENERIC - {""}


def families(label: str) -> frozenset[str]:
    """The protocol families a label names (a path such as `/ws/client/` names none)."""
    words = WORD.findall(" ".join(t for t in label.lower().split() if not t.startswith("/") and "://" not in t))
    return frozenset(FAMILIES[w] for w in words if w in FAMILIES)


def edges(text: str) -> list[tuple[frozenset, frozenset, frozenset, frozenset, str]]:
    """(own words of one end, its subgraph words, the same of the other end, protocol families
    with the label as written) of each protocol-labelled edge of one flowchart block, as
    (a_own, a_group, b_own, b_group, label) with families read from the label."""
    lines = re.sub(r"<br\s*/?>", " ", text, flags=re.I).splitlines()[1:]
    body = [ln.split("%%", 1)[0] for ln in lines]
    if not body or not any(HEADER.match(ln) for ln in body[:3]):
        return []
    own: dict[str, frozenset] = {}
    group: dict[str, frozenset] = defaultdict(frozenset)
    titles: list[frozenset] = []
    found = []
    for ln in body:
        s = SUBGRAPH.match(ln)
        if s:
            title = s.group(1)
            m = re.search(r"\[(.*?)\]", title)
            titles.append(_words((m.group(1) if m else title).strip("\"'")))
            continue
        if re.match(r"^\s*end\s*$", ln):
            titles = titles[:-1]
            continue
        for m in SHAPE.finditer(ln):
            own.setdefault(m.group(1), _words(m.group(2)) or _words(m.group(1), True))
            group[m.group(1)] = group[m.group(1)].union(*titles) if titles else group[m.group(1)]
        flat = SHAPE.sub(lambda m: m.group(1), ln)
        for m in EDGE.finditer(flat):
            label = (m.group(2) or m.group(3) or "").strip()
            if families(label):
                found.append((m.group(1), m.group(4), label))
            for node in (m.group(1), m.group(4)):
                if titles:
                    group[node] = group[node].union(*titles)
    return [(own.get(a) or _words(a, True), group[a], own.get(b) or _words(b, True), group[b], label) for a, b, label in found]


def _meets(x_own, x_group, y_own, y_group, x_names: frozenset, y_names: frozenset) -> frozenset:
    """The words naming both ends, x of one diagram (its nodes' own words: x_names) and y of the
    other: own words; subgraph words where the other diagram's nodes carry none of an end's own."""
    shared = x_own & y_own
    if shared:
        return shared
    a = x_own if x_own & y_names else x_own | x_group
    b = y_own if y_own & x_names else y_own | y_group
    return a & b


def protocol_disagreements(units) -> list[tuple[str, list[tuple[object, tuple[str, ...]]]]]:
    """(subject, [(unit, the edge labels it gives)]) per pair of components drawn joined by
    protocols of no common family: one conflict per pair of components, a side per document
    and set of labels. A diagram written in several documents (a page copied into
    versions) is compared once."""
    copies: dict[tuple, list] = defaultdict(list)  # a diagram's edges -> the units drawing it
    for u in units:
        if u.kind == "code" and u.text.lstrip("`~ ").lower().startswith("mermaid"):
            es = edges(u.text)
            if es:
                copies[tuple(es)].append(u)
    diagrams = [(us, list(es), frozenset().union(*(e[0] | e[2] for e in es))) for es, us in copies.items()]
    found: dict[tuple, dict[tuple, object]] = defaultdict(dict)  # components -> (doc, labels) -> unit
    for i, (us, es, names) in enumerate(diagrams):
        for vs, fs, other in diagrams[i + 1:]:
            u, v = next(((u, v) for u in us for v in vs if u.doc != v.doc), (None, None))
            if u is None:
                continue
            for (x, y), (l1, l2) in _apart(es, fs, names, other).items():
                found[(x, y)].setdefault((u.doc, l1), u)
                found[(x, y)].setdefault((v.doc, l2), v)
    return [(f"protocol between {x} and {y}", [(found[(x, y)][k], k[1]) for k in sorted(found[(x, y)])])
            for x, y in sorted(found)]


def _apart(es, fs, names, other) -> dict[tuple[str, str], tuple[tuple, tuple]]:
    """(component words) -> (labels of es, labels of fs) where two diagrams join the same two
    components by protocols of no common family."""
    pairs: dict[tuple, tuple[set, set, list, list]] = {}
    for a_own, a_group, b_own, b_group, label in es:
        for c_own, c_group, d_own, d_group, label2 in fs:
            for p, q in (((c_own, c_group), (d_own, d_group)), ((d_own, d_group), (c_own, c_group))):
                one = _meets(a_own, a_group, *p, names, other)
                two = _meets(b_own, b_group, *q, names, other)
                if one and two and one != two:
                    sides = pairs.setdefault(tuple(sorted((min(one), min(two)))), (set(), set(), [], []))
                    sides[0].update(families(label))
                    sides[1].update(families(label2))
                    sides[2].append(label)
                    sides[3].append(label2)
                    break
    return {k: (tuple(dict.fromkeys(l1)), tuple(dict.fromkeys(l2))) for k, (f1, f2, l1, l2) in pairs.items() if not f1 & f2}
