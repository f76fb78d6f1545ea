"""Conflicts between sources of one topic.

- value: two statements that say the same thing with different facts (found by the drafter's
  near-duplicate pass); the same setting with different values (`key = value`, `KEY=value`,
  `key: value` in code or prose, "set X to N", "X defaults to N"); the same product with a
  different minimum version ("PostgreSQL 14 or later" vs "PostgreSQL 15 or later").
- negation: a statement that something does not exist ("has no background worker", "there is
  no dead-letter queue") while other sources describe it; a statement another document negates
  (claims/polarity.py).
- list: two lists for the same step with different members (claims/lists.py).
- value: one port given for two different things (claims/ports.py); one WebSocket connection
  at different paths (claims/endpoints.py).
- list: one payload given with different keys (claims/payloads.py).
- value: two components joined by different protocols in two documents' diagrams (claims/diagrams.py);
  one step of a work queue (a worker gets a job) drawn with different mechanisms (claims/sequences.py).
Bold labels, command flags and metric/target table rows are read as settings too
(claims/extract.py). The conflicts of one disagreement are joined under one id, and sides in
different marked contexts are read apart (claims/settle.py).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from functools import lru_cache

from consolidate.checks import facts as F
from consolidate.claims.clauses import (clauses, key as clause_key, masked as clause_masked, may_hold, said,
                                        subject as clause_subject, values as clause_values)
from consolidate.claims.context import unit_context
from consolidate.claims.diagrams import protocol_disagreements
from consolidate.claims.endpoints import endpoint_disagreements
from consolidate.claims.extract import claims_of
from consolidate.claims.lists import list_disagreements
from consolidate.claims.payloads import payload_disagreements
from consolidate.claims.polarity import polarity_groups
from consolidate.claims.ports import port_disagreements
from consolidate.claims.sequences import step_disagreements
from consolidate.claims.settle import CONTEXT_DIFFERS, MAX_SIDES as SETTLE_MAX_SIDES, join_pairs, settle
from consolidate.dedupe import UnionFind, shingles, similar_pairs
from consolidate.records import Conflict, ConflictSide, Finding
from consolidate.units import Unit

MAX_SIDES = SETTLE_MAX_SIDES
SETTING_LINE = re.compile(r"^\s*(?:export\s+|-\s+)?([A-Za-z_][\w.-]*)\s*(?:=|:)\s*[\"']?([\w.:/-]+?)[\"']?\s*,?\s*(?:#.*)?$")
SETTING_PROSE = re.compile(r"\bset\s+`?([A-Za-z_][\w.-]*)`?\s+to\s+`?([\w.:/-]+?)`?(?=[\s.,;)]|$)|"
                           r"`?([A-Za-z_][\w.-]*)`?\s+(?:defaults\s+to|(?:is\s+|was\s+)?set\s+to)\s+`?([\w.:/-]+?)`?(?=[\s.,;)]|$)",
                           re.I)
FLAG_KEY = re.compile(r"\s--?[A-Za-z]")  # a key claims/extract.flags made: "tidectl deploy --version"
MIN_VERSION = re.compile(r"\b([A-Z][A-Za-z]+(?:\.js)?)\s+v?(\d+(?:\.\d+)*)\+?\s+(?:or\s+(?:later|newer|higher|above)|and\s+(?:later|up|above))"
                         r"|\brequires\s+([A-Z][A-Za-z]+(?:\.js)?)\s+v?(\d+(?:\.\d+)*)\b")
RATE = re.compile(r"(?<![\w.,])(\d[\d,.]*)\s+((?:[a-z]+\s+){1,2}per\s+(?:second|minute|hour|day|week|month|client|user|request))\b", re.I)
# "has no background worker", "there's no ...", "doesn't have a ...", and a bold label that starts a
# line or list item ("1. **No Background Worker**: ..."), as verification reports write their findings
NO_THING = re.compile(r"\b(?:has no|have no|there(?: is|'s|’s| are) no|no separate|(?:does not|doesn't|doesn’t) have an?)"
                      r"\s+([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)"
                      r"|^[ \t]*(?:[-*+]|\d{1,9}[.)])?[ \t]*\*\*no\s+([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)\*\*", re.I | re.M)
DATA_KEY = re.compile(r"(?:^|[_.-])(?:id|at|time|timestamp|date|name|email|created|updated|count|total)$|[a-z](?:Id|At|Time|Name|Count)$", re.I)
DATA_LANGS = ("json", "js", "javascript", "ts", "typescript", "jsx", "tsx", "python", "py", "go", "sql", "rust", "java", "graphql")
GENERIC_KEYS = frozenset("name id type kind description title image label value key path url file version tags tag "
                         "date owner author slug sidebar_position layout status summary example default".split())
STOP_TAIL = frozenset("and or but the a an is are was were to of in on for with during before after until when while "
                      "if yet at from by as".split())
CONDITION = re.compile(r"\b(?:if|when|whenever|unless|until|whether|once)\b", re.I)  # before "there are no X" in its sentence
# "there are no workers available" is an error state, not a claim that a thing does not exist
STATE_TAIL = frozenset("available found left running needed required configured connected registered online ready "
                       "pending active more longer".split())


def _side(u: Unit, values=(), stale=frozenset()) -> ConflictSide:
    return ConflictSide(doc=u.doc, start=u.start, end=u.end, chunk=u.chunk, text=" ".join(u.text.split())[:300],
                        values=tuple(values), stale=u.doc in stale, context=unit_context(u))


def _conflict(kind: str, subject: str, sides: list[ConflictSide]) -> Conflict:
    sides = sorted(sides, key=lambda s: (s.stale, s.doc, s.start))[:MAX_SIDES]
    # the id names the sides, not the subject, so the same pair found twice is one conflict
    key = "|".join([kind] + sorted(f"{s.doc}:{s.start}" for s in sides) + ([subject] if kind != "value" or
                                                                          len(sides) > 2 else []))
    live = {tuple(s.values) for s in sides if not s.stale}
    resolution = "stale" if any(s.stale for s in sides) and len(live) <= 1 else ""
    return Conflict(id="k" + hashlib.sha1(key.encode()).hexdigest()[:8], kind=kind, subject=subject,
                    sides=tuple(sides), resolution=resolution)


def _settings(u: Unit) -> tuple[tuple[str, str], ...]:
    return _settings_in(u.kind, u.text)


@lru_cache(maxsize=1 << 17)
def _settings_in(kind: str, text: str) -> tuple[tuple[str, str], ...]:
    """The (key, value) settings a unit of this kind and text gives (cached: the page's and the
    plan's conflict passes read the same statements)."""
    out = []
    if kind in ("code", "table", "html"):
        fence = text.lstrip().split("\n", 1)[0].lstrip("`~ ").lower()
        if kind == "code" and fence.startswith(DATA_LANGS):
            return ()  # example payloads and programs, not settings
        for ln in text.splitlines():
            m = SETTING_LINE.match(ln)
            if m:
                out.append((m.group(1), m.group(2)))
    else:
        for m in SETTING_PROSE.finditer(text):
            out.append((m.group(1) or m.group(3), m.group(2) or m.group(4)))
    for m in MIN_VERSION.finditer(text):
        out.append(((m.group(1) or m.group(3)) + " minimum version", m.group(2) or m.group(4)))
    if kind not in ("code", "table", "html"):
        for m in RATE.finditer(text):  # "600 requests per minute" vs "300 requests per minute"
            out.append((" ".join(m.group(2).lower().split()), m.group(1)))
    out = [(k, v) for k, v in out if k.lower() not in GENERIC_KEYS and not DATA_KEY.search(k)]
    return tuple((k, v) for k, v in out + claims_of(kind, text) if v and not v.endswith(":") and len(v) <= 40)


def _norm_key(k: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", k.lower().replace("_", "").replace("-", ""))


def find_conflicts(units: list[Unit], pairs: list[tuple[Unit, Unit]] = (), stale: frozenset = frozenset(),
                   facts_of=None, similar: bool = False) -> list[Conflict]:
    """pairs: (kept, other) statements the drafter found saying the same thing with different facts;
    similar: also find such pairs among `units` (across documents), for conflicts between pages."""
    out: list[Conflict] = []
    for kept, other in pairs:
        subject = F.plain(kept.text, 8)
        vals = facts_of or (lambda u: ())
        out.append(_conflict("value", subject, [_side(kept, vals(kept), stale), _side(other, vals(other), stale)]))
    by_key: dict[str, dict[str, list[tuple[Unit, str]]]] = defaultdict(lambda: defaultdict(list))
    shown: dict[str, str] = {}
    for u in units:
        for k, v in _settings(u):
            nk = _norm_key(k)
            shown.setdefault(nk, k)
            by_key[nk][v.strip("\"'").lower()].append((u, v.strip("\"'")))
    for nk in sorted(by_key):
        values = by_key[nk]
        docs = {u.doc for us in values.values() for u, _ in us}
        if len(values) < 2 or len(docs) < 2:
            continue
        if FLAG_KEY.search(shown[nk]) and all(F.VERSION.fullmatch(v) for v in values):
            continue  # the release a command acts on (deploy 2.4.1, roll back to 2.4.0) changes with every release
        # a side per value, each from a document no other side is from where one gives it (the
        # rarest values choose first), so the conflict spans every document it can
        sides, used = [], set()
        for _, us in sorted(values.items(), key=lambda kv: (len({u.doc for u, _ in kv[1]}), kv[0])):
            u, v = next(((u, v) for u, v in us if u.doc not in used), us[0])
            used.add(u.doc)
            sides.append(_side(u, (v,), stale))
        out.append(_conflict("value", shown[nk], sides))
    out += _negations(units, stale) + _polarity(units, stale) + _lists(units, stale) + _ports(units, stale) + _endpoints(units, stale)
    out += _payloads(units, stale) + _protocols(units, stale) + _steps(units, stale)
    if similar:
        out += similar_value_pairs(units, stale)
    paired = len(pairs)  # the drafter's own pairs stay as they are: it shows them side by side
    return _unique(out[:paired]) + settle(_unique(out[paired:]), _conflict)


def join_with_pairs(pairs: list[Conflict], found: list[Conflict]) -> tuple[list[Conflict], dict[str, Conflict]]:
    """The drafter's page pairs joined with the plan's conflicts of the same disagreement (claims/settle.py)."""
    return join_pairs(pairs, found, _conflict)


def _unique(conflicts: list[Conflict]) -> list[Conflict]:
    seen, unique = set(), []
    for c in conflicts:
        if c.id not in seen:
            seen.add(c.id)
            unique.append(c)
    return unique


def _polarity(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """A statement one document makes and another negates: its note reads "whether ...: yes vs no"."""
    out = []
    for subject, yes, no in polarity_groups(units):
        sides = [_side(u, ("yes",), stale) for u in yes[:MAX_SIDES // 2]] + [_side(u, ("no",), stale) for u in no[:MAX_SIDES // 2]]
        out.append(_conflict("negation", "whether " + subject[:1].lower() + subject[1:], sides))
    return out


def _ports(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """One port given for two things (claims/ports.py): each side gives the role and the port as written."""
    return [_conflict("value", "what the port is for", [_side(u, (role, written), stale) for u, role, written in sides[:MAX_SIDES]])
            for _, sides in port_disagreements(units)]


def _endpoints(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """One WebSocket connection at different paths (claims/endpoints.py)."""
    return [_conflict("value", "WebSocket endpoint", [_side(u, (value,), stale) for u, value in sides[:MAX_SIDES]])
            for sides in endpoint_disagreements(units)]


def _payloads(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """One payload with different keys (claims/payloads.py): each side gives the keys it has that another lacks."""
    return [_conflict("list", subject, [_side(u, keys[:4], stale) for u, keys in sides[:MAX_SIDES]])
            for subject, sides in payload_disagreements(units)]


def _protocols(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """Two diagrams joining two components by different protocols (claims/diagrams.py)."""
    return [_conflict("value", subject, [_side(u, labels[:4], stale) for u, labels in sides[:MAX_SIDES]])
            for subject, sides in protocol_disagreements(units)]


def _steps(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """One step drawn with different mechanisms (claims/sequences.py): each side gives whom it asks and the calls it names."""
    return [_conflict("value", subject, [_side(u, values, stale) for u, values in sides[:MAX_SIDES]])
            for subject, sides in step_disagreements(units)]


def _lists(units: list[Unit], stale: frozenset) -> list[Conflict]:
    """Two lists for one step: each side cites its list and gives the entries the other lacks."""
    out = []
    for subject, pair in list_disagreements(units):
        sides = []
        for us, extra in pair:
            side = _side(us[0], tuple(extra[:4]) or ("none of these",), stale)
            sides.append(side.model_copy(update={"end": max(u.end for u in us),
                                                 "text": " ".join(" ".join(u.text.split()) for u in us)[:300]}))
        # the heading's words, lower-cased and without numbers or asides: a subject states no facts
        words = re.sub(r"\([^)]*\)|[^\w\s-]|\d", " ", F.plain(subject, 8)).lower().split()
        out.append(_conflict("list", " ".join(words) or "list members", sides))
    return out


def similar_value_pairs(units: list[Unit], stale: frozenset = frozenset(), min_sim: float = 0.85) -> list[Conflict]:
    """Statements from different documents that read the same once their facts are masked, with
    different facts; and clauses of statements that do (claims/clauses.py: "If the failure rate
    goes above 2% for more than five minutes" inside two otherwise different sentences).

    Exact and linear in practice: the pairs come from dedupe.similar_pairs (prefix filtering),
    the index the near-duplicate chunk groups use too."""
    items = []  # (unit, masked shingles, facts, the clause compared or "" for the whole statement)
    for u in units:
        if u.kind not in ("sentence", "list_item"):
            continue
        # the drafter has worked these out for most statements already (Unit.facts, Unit.masked)
        facts = getattr(u, "facts", None) or F.fact_key(u.text)
        masked = getattr(u, "masked", None) or shingles(F.mask(u.text))
        if facts and len(masked) >= 3:
            items.append((u, masked, facts, ""))
        for c in clauses(u.text) if may_hold(u.text) else ():
            if said(c) and len(sh := shingles(clause_masked(c))) >= 3:
                items.append((u, sh, clause_key(c), c))
    linked = UnionFind(range(len(items)))  # statements joined by a disagreement; a group's root is its first
    def differ(j: int, i: int) -> bool:  # other documents, other facts, a clause with a clause
        return (items[i][0].doc != items[j][0].doc and items[i][2] != items[j][2]
                and bool(items[i][3]) == bool(items[j][3]))

    for j, i, _ in similar_pairs([masked for _, masked, _, _ in items], min_sim, differ):
        linked.union(i, j)
    # one conflict per group of statements (a sentence in six versions of a page is one
    # disagreement, not fifteen pairs), a side per distinct set of facts, first statement first
    out = []
    for idx in linked.groups():  # in order of their first statement
        by_facts: dict[tuple, int] = {}
        for i in idx:
            by_facts.setdefault(items[i][2], i)
        sides = sorted((_side(items[i][0], clause_values(items[i][3]) if items[i][3] else _values(items[i][0]), stale)
                        for i in by_facts.values()), key=lambda s: (s.stale, s.doc, s.start))[:MAX_SIDES]  # as _conflict keeps them
        named = next((s for s in sides if not s.stale), sides[0])  # the note names a side it cites
        clause = next((items[i][3] for i in idx if (items[i][0].doc, items[i][0].start) == (named.doc, named.start)), "")
        out.append(_conflict("value", clause_subject(clause) if clause else F.plain(named.text, 8), sides))
    return out


def _values(u: Unit) -> tuple[str, ...]:
    """The facts a statement gives, as written (names are not values)."""
    return tuple(f.value for f in F.extract(F.statement(u.text)) if f.kind not in ("product", "initial"))


_WORD = re.compile(r"[a-z0-9]+")


def _negations(units: list[Unit], stale: frozenset) -> list[Conflict]:
    out = []
    prose = [u for u in units if u.kind in ("sentence", "list_item", "quote")]
    having: dict[str, list[int]] = defaultdict(list)  # word -> statements holding it, built on first use
    no_thing: dict[int, bool] = {}  # statement -> whether it says "no X" itself, read on first use

    def says_no(i: int) -> bool:
        if i not in no_thing:
            no_thing[i] = NO_THING.search(prose[i].text) is not None
        return no_thing[i]

    for u in prose:
        for m in NO_THING.finditer(u.text):
            written = (m.group(1) or m.group(2)).split()
            while written and written[-1].lower() in STOP_TAIL:
                written.pop()
            words = [w.lower() for w in written]
            if len(words) < 2 or words[-1] in STATE_TAIL:
                continue  # "drafts have no number": too generic to hold against other pages
            if CONDITION.search(u.text[:m.start()].rsplit(".", 1)[-1]):
                continue  # "If the session is closed and there are no active PSSessions, ...": a case, not a claim
            phrase = " ".join(words)
            # the whole phrase ("service" alone is too common), or a name capitalised in running text
            # ("no separate Redis dependency" against pages that require Redis)
            names = [re.escape(w) for w in written if m.group(1) and w[:1].isupper() and w.lower() not in ("no", "separate")]
            rx = re.compile(rf"(?i:\b{re.escape(phrase)}s?\b)" + "".join(rf"|\b{n}\b" for n in names))
            if not having:
                for i, o in enumerate(prose):
                    for w in set(_WORD.findall(o.text.lower())):
                        having[w].append(i)
            # only statements holding the phrase's last word or one of its names can match
            last = (_WORD.findall(phrase) or [""])[-1]
            keys = {last, last + "s"} | {t for w in written if m.group(1) and w[:1].isupper() for t in _WORD.findall(w.lower())}
            others: dict[str, Unit] = {}  # one statement per document that describes the thing
            for i in sorted({i for k in keys for i in having.get(k, ())}):
                o = prose[i]
                if o.doc != u.doc and o.doc not in others and rx.search(o.text) and not says_no(i):
                    others[o.doc] = o
            if others:
                sides = [_side(u, ("no " + phrase,), stale)] + [_side(others[d], (phrase,), stale)
                                                                 for d in sorted(others)[:MAX_SIDES - 1]]
                out.append(_conflict("negation", " ".join(written) if m.group(1) else phrase, sides))
    return out


def check_resolutions(page: str, parsed, conflicts: list[Conflict]) -> list:
    """A page that keeps one side of a conflict and drops another without a note citing both."""
    if not conflicts:
        return []
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)  # doc -> cited line spans, all claims
    notes: list[dict[str, list[tuple[int, int]]]] = []  # the same, per disagreement note
    for c in parsed.claims:
        refs = [parsed.refs[label] for label in c.labels if label in parsed.refs]
        for r in refs:
            spans[r.doc].append((r.start, r.end))
        if c.kind == "note":
            mine = defaultdict(list)
            for r in refs:
                mine[r.doc].append((r.start, r.end))
            notes.append(mine)

    def cited(side: ConflictSide, where: dict[str, list[tuple[int, int]]]) -> bool:
        return any(a <= side.end and side.start <= b for a, b in where.get(side.doc, ()))

    out = []
    for conflict in conflicts:
        if conflict.resolution in ("stale", CONTEXT_DIFFERS):
            continue
        live = [s for s in conflict.sides if not s.stale]
        kept = [s for s in live if cited(s, spans)]
        if not kept or len(kept) == len(live):
            continue
        if any(sum(cited(s, n) for s in live) >= 2 for n in notes):
            continue
        lost = [s for s in live if s not in kept]
        out.append(Finding(severity="error", kind="silent-resolution", page=page, line=None,
                           message=f"{page}: sources disagree on {conflict.subject!r} ({conflict.id}) but the page keeps only "
                                   + ", ".join(f"{s.doc}:{s.start} ({', '.join(s.values)})" for s in kept)
                                   + " and drops " + ", ".join(f"{s.doc}:{s.start} ({', '.join(s.values)})" for s in lost)
                                   + " without saying so; keep both sides with a note, or say which is current"))
    return out
