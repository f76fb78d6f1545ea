"""How one step is done, as mermaid sequence diagrams draw it.

A message of a `sequenceDiagram` whose text says an actor gets a work item (`W->>R: ZPOPMIN
jobs:pending (get highest priority job)`, `Worker->>JobBroker: Request job`, `WSHandler->>Broker:
Worker claims job via findMatchingJob()`) is a claim about how that step is done: by asking the
message's recipient, with the command or call it names. The actor is the word before the verb
when the text names one ("Worker claims job": then the recipient is only told, and the calls
alone say how), else the sender (its `participant W as Worker` name); the step is (actor, the verb's family, the item). A work queue's documents that draw one
step with mechanisms that share nothing (no recipient, no call in common) disagree on how it is
done: one conflict per step, a side per document and mechanism (six at most).

The verbs are those of taking work from a queue (get, request, claim, fetch, pop, pull, take,
poll for, dequeue, reserve): other messages (submit, update, notify) say nothing about it.
"""

from __future__ import annotations

import re
from collections import defaultdict

HEADER = re.compile(r"^\s*sequenceDiagram\b")
PARTICIPANT = re.compile(r"^\s*(?:participant|actor)\s+(\S+?)(?:\s+as\s+(.+?))?\s*$")
MESSAGE = re.compile(r"^\s*([\w-]+)\s*-{1,2}(?:>>|>|x|\))[+-]?\s*([\w-]+)\s*:\s*(.+?)\s*$")
TAKE = re.compile(r"(?:\b([A-Za-z]+)\s+)?\b(gets?|requests?|claims?|fetch(?:es)?|pops?|pulls?|takes?|polls?\s+for|dequeues?|reserves?)"
                  r"\s+(?:(?:a|an|the|next|new|one)\s+)*(?:[a-z]+\s+){0,2}?(jobs?|tasks?|work\s+items?|messages?)\b", re.I)
CALL = re.compile(r"\b[A-Za-z_]\w*\(\)|\b[A-Z]{4,}\b")
STOP = frozenset("then and it each to will can may".split())  # capitalised words that name no actor


def _stem(word: str) -> str:
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def steps(text: str) -> list[tuple[tuple[str, str], str, tuple[str, ...]]]:
    """((actor, item), recipient, calls) of each message of one sequence diagram that takes work."""
    lines = text.splitlines()[1:]
    if not any(HEADER.match(ln) for ln in lines[:3]):
        return []
    names: dict[str, str] = {}
    out = []
    for ln in lines:
        p = PARTICIPANT.match(ln)
        if p:
            names[p.group(1)] = (p.group(2) or p.group(1)).strip("\"'")
            continue
        m = MESSAGE.match(ln)
        if not m:
            continue
        take = TAKE.search(m.group(3))
        if not take:
            continue
        written = take.group(1)
        sender = names.get(m.group(1), m.group(1))
        told = bool(written and written[:1].isupper() and written.lower() not in STOP)  # "Worker claims job"
        actor = written if told else sender
        item = _stem(take.group(3).split()[0])
        calls = tuple(dict.fromkeys(CALL.findall(m.group(3))))
        # "Worker claims job via findMatchingJob()" sent to another party: the recipient is told, not asked
        recipient = "" if told else names.get(m.group(2), m.group(2))
        if recipient or calls:
            out.append(((_stem(re.sub(r"\d+$", "", actor.split()[0])), item), recipient, calls))
    return out


def step_disagreements(units) -> list[tuple[str, list[tuple[object, tuple[str, ...]]]]]:
    """(subject, [(unit, the recipient and calls of its side)]) per step drawn two ways."""
    by_step: dict[tuple, dict[tuple, tuple]] = defaultdict(dict)  # step -> (doc, how) -> (unit, values)
    for u in units:
        if u.kind == "code" and u.text.lstrip("`~ ").lower().startswith("mermaid"):
            for step, recipient, calls in steps(u.text):
                values = ((recipient,) if recipient else ()) + calls
                how = frozenset(v.lower() for v in values)
                by_step[step].setdefault((u.doc, how), (u, values))
    out = []
    for (actor, item), sides in sorted(by_step.items()):
        hows = list(sides)
        if any(a[0] != b[0] and a[1].isdisjoint(b[1]) for x, a in enumerate(hows) for b in hows[x + 1:]):
            out.append((f"how a {actor} gets a {item}", [sides[k] for k in sorted(sides, key=lambda k: (k[0], sorted(k[1])))]))
    return out
