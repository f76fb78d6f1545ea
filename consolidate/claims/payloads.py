"""One payload given with different keys.

The object literals of JSON, JavaScript/TypeScript and Python code blocks, and those written
inside mermaid diagrams (a message `{"type": "job_accepted", ...}` or a node label with `<br/>`
for line breaks), are read for their top-level keys. Two documents disagree on a payload when:

- named: objects whose `type` (or `event`, `event_type`, `message_type`) is the same string give
  one field under two names: each has a key the other lacks, and the two end in the same word
  (`{type, job_id}` vs `{type, subscription_id}`, `max_jobs` vs `max_concurrent_jobs`). Keys
  with no such counterpart are optional fields one example shows and another leaves out (a
  progress update's `current_step`, a status change's `previous_status`): no disagreement, nor
  are the envelope keys (`timestamp`, `id`);
- unnamed: two objects under headings that share a content word, sharing at least three key
  paths (nested keys count: `auth.type`) that make 60% of the smaller, give one field under two
  names, one the other with a prefix (`webhook_url` vs `url`, `webhookUrl` vs `url`). Extra keys
  alone are not a disagreement: an example may show fewer fields.

A side per document (its first block giving the payload, all its objects of that name), whose
values are its names of the disputed fields.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from consolidate.checks.support import content_words
from consolidate.claims.lists import MIN_SHARED, SHARE, sharing

LANGS = ("json", "jsonc", "json5", "js", "javascript", "ts", "typescript", "jsx", "tsx", "python", "py", "mermaid")
NAME_KEYS = ("type", "event", "event_type", "message_type", "eventType", "messageType")
KEY = re.compile(r"""\s*(?:"([^"\n]{1,60})"|'([^'\n]{1,60})'|([A-Za-z_$][\w$]{0,60}))\s*:(?!:)""")
STRING = re.compile(r"""\s*(?:"([^"\n]{1,80})"|'([^'\n]{1,80})')""")
SIGNIFICANT = re.compile(r"[\"'`{}\[\]()\n,;/#]")  # what the scanner acts on; the rest is skipped in one step
BLANK = re.compile(r"[ \t\r]*")
MERMAID_LABEL = re.compile(r'\["|"\]|<br\s*/?>', re.I)
# a message's envelope: examples add or leave out these freely, so they are no disagreement
ENVELOPE = frozenset("timestamp ts time created_at sent_at id".split())


@dataclass
class Obj:
    keys: tuple[str, ...]  # top-level, in order
    paths: frozenset[str]  # every key path (`auth.type`)
    name: str  # the value of its `type` key, or ''


def objects(text: str) -> list[Obj]:
    """The outermost object literals of one code block (its fence line first)."""
    fence, _, body = text.partition("\n")
    lang = fence.lstrip("`~ ").split(" ")[0].lower()
    if lang not in LANGS:
        return []
    if lang == "mermaid":
        body = MERMAID_LABEL.sub("\n", body)
    out: list[Obj] = []
    stack: list[list] = []  # [open char, keys, paths, name, path prefix, expecting a key, last key]
    i, n = 0, len(body)
    while i < n:
        top = stack[-1] if stack else None
        if top and top[0] == "{" and top[5]:
            m = KEY.match(body, i)
            if m:
                key = m.group(1) or m.group(2) or m.group(3)
                top[1].append(key)
                top[2].add(top[4] + key)
                v = STRING.match(body, m.end())
                if key in NAME_KEYS and v and not top[3]:
                    top[3] = v.group(1) or v.group(2)
                top[5], top[6] = False, key
                i = m.end()
                continue
            i = BLANK.match(body, i).end()
            if i < n and body[i] not in ",;{}[]()\n/#":
                top[5] = False  # a value, a spread (`...rest`): no key here
        sig = SIGNIFICANT.search(body, i)
        if not sig:
            break
        i, ch = sig.start(), sig.group(0)
        if ch in "\"'`":
            end = body.find(ch, i + 1)
            nl = body.find("\n", i + 1)
            i = (end if end != -1 and (ch == "`" or nl == -1 or end < nl) else (nl if nl != -1 else n)) + 1
            continue
        if ch == "/" and body.startswith("//", i) or ch == "#" and lang in ("python", "py"):
            nl = body.find("\n", i)
            i = nl if nl != -1 else n
            continue
        if ch == "{":
            prefix = top[4] + top[6] + "." if top and top[0] == "{" and top[6] else ""
            stack.append(["{", [], set(), "", prefix, True, ""])
        elif ch in "[(":
            stack.append([ch, None, None, "", "", False, ""])
        elif ch in "}])":
            if stack:
                done = stack.pop()
                if done[0] == "{":
                    outer = next((f for f in reversed(stack) if f[0] == "{"), None)
                    if outer is None:
                        if done[1]:
                            out.append(Obj(tuple(dict.fromkeys(done[1])), frozenset(done[2]), done[3]))
                    else:
                        outer[2].update(done[2])
        elif ch in ",;\n" and top and top[0] == "{":
            top[5] = True
        i += 1
    return out


def _renamed(a: set[str], b: set[str]) -> list[tuple[str, str]]:
    """(key of a, key of b) pairs naming one field, one with a prefix: webhook_url / url."""
    out = []
    for x in sorted(a):
        for y in sorted(b):
            long, short = (x, y) if len(x) > len(y) else (y, x)
            if len(short) >= 2 and (long.lower().endswith("_" + short.lower()) or long.endswith(short[:1].upper() + short[1:])):
                out.append((x, y))
    return out


def _head(key: str) -> str:
    """A key's last word: `max_concurrent_jobs` -> `jobs`, `subscriptionId` -> `id`."""
    return ([w for w in re.split(r"[_\-.]|(?<=[a-z])(?=[A-Z])", key) if w] or [key])[-1].lower()


def _alternatives(a: set[str], b: set[str]) -> list[tuple[str, str]]:
    """(key of a, key of b) pairs that read as one field named two ways: keys only one side has
    that end in the same word (`job_id` / `subscription_id`, `max_jobs` / `max_concurrent_jobs`,
    `status` / `new_status`). Keys with no counterpart are fields an example left out, and keys
    sharing only a modifier (`estimated_processing_time` / `estimated_completion`) name two
    things: neither is a disagreement."""
    return [(x, y) for x in sorted(a) for y in sorted(b) if _head(x) == _head(y)]


def _heading_words(u) -> frozenset[str]:
    return frozenset(content_words(f"{u.section} {u.parent_heading}"))


def payload_disagreements(units) -> list[tuple[str, list[tuple[object, tuple[str, ...]]]]]:
    """(subject, [(unit, its names of the disputed fields)]) per disagreement. The same object
    written in many documents (a page copied into several versions) is compared once: one
    conflict per pair of variants, not per pair of documents."""
    found: list[tuple[object, Obj]] = []
    for u in units:
        if u.kind == "code":
            found += [(u, o) for o in objects(u.text)]
    return _named(found) + _unnamed(found)


def _named(found) -> list:
    named: dict[str, dict[str, tuple]] = defaultdict(dict)  # name -> doc -> (unit, keys of all its objects)
    for u, o in found:
        if o.name:
            unit, keys = named[o.name].get(u.doc, (u, set()))
            if unit is u:  # a side cites one block: the document's first giving the payload
                named[o.name][u.doc] = (u, keys | (set(o.keys) - set(NAME_KEYS) - ENVELOPE))
    out = []
    for name in sorted(named):
        variants: dict[frozenset, object] = {}  # key set -> the first document's block giving it
        for doc in sorted(named[name]):
            unit, keys = named[name][doc]
            variants.setdefault(frozenset(keys), unit)
        sets = list(variants)
        given: dict[frozenset, set[str]] = defaultdict(set)  # variant -> its keys in a pair of alternatives
        for x, a in enumerate(sets):
            for b in sets[x + 1:]:
                for ka, kb in _alternatives(a - b, b - a):
                    given[a].add(ka)
                    given[b].add(kb)
        if given:
            out.append((f"keys of the {name} payload", [(variants[k], tuple(sorted(given[k]))) for k in sets if k in given]))
    return out


def _unnamed(found) -> list:
    groups: dict[tuple, list] = defaultdict(list)  # (paths, keys) -> the units writing that object
    for u, o in found:
        if not o.name and len(o.paths) >= MIN_SHARED:
            groups[(o.paths, o.keys)].append(u)
    variants = list(groups)
    out = []
    for i, j in sharing([paths for paths, _ in variants]):
        keys, other_keys = variants[i][1], variants[j][1]
        pairs = _renamed(set(keys) - set(other_keys), set(other_keys) - set(keys))
        meet = next(((u, v, _heading_words(u) & _heading_words(v)) for u in groups[variants[i]]
                     for v in groups[variants[j]] if u.doc != v.doc and _heading_words(u) & _heading_words(v)), None)
        if pairs and meet:
            u, v, words = meet
            out.append((f"keys of the {' '.join(sorted(words))} payload",
                        [(u, tuple(a for a, _ in pairs)), (v, tuple(b for _, b in pairs))]))
    return out
