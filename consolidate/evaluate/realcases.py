"""Compare a run on a real case's before/ with the pages people made (after/).

Both page sets are checked the same way, standalone against before/ (`consolidate check PAGES
--sources BEFORE`). A human fact is *traceable* when its claim has no `untraceable-fact` finding;
we *keep* it when the fact is found in our pages (the checker's own fact matching). Topics,
conflicts and stale pages are scored against the case's hand-resolved label file (label_scores),
with or without after/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from consolidate.evaluate import agreement as cm
from consolidate import readback
from consolidate.checks.claims import parse_page
from consolidate.checks.facts import contains, extract, fact_keys, normalise_span
from consolidate import tokens
from consolidate.evaluate.fixtures import CaseLabels
from consolidate.evaluate.metrics import (LINK_KINDS, body, conflict_scores, duplicate_rate, markdown_files,
                                          stale_scores, words)
from consolidate.records import Chunk, Plan
from consolidate.settings import Settings

UNTRACEABLE = {"untraceable-fact", "unsupported-fact"}
SKIP_FACTS = {"product", "initial"}  # names and first words: too loose to count as a kept fact


def standalone(pages_dir: Path, before: Path) -> dict:
    findings, claims = readback.check_standalone(pages_dir, [before], Settings())
    mine = [f for f in findings if f.page]
    return {"findings": mine, "claims": sum(claims.values()),
            "dead_links": sum(f.kind in LINK_KINDS for f in mine),
            "untraceable": sum(f.kind in UNTRACEABLE for f in mine)}


def human_facts(pages: dict[str, str], findings: list) -> list:
    """Facts of the human pages' claims that the checker traced to the inputs."""
    bad = {(f.page, f.line) for f in findings if f.kind in UNTRACEABLE}
    facts = {}
    for name, text in pages.items():
        for claim in parse_page(text).claims:
            if (name, claim.line) in bad:
                continue
            for f in extract(claim.text):
                if f.kind not in SKIP_FACTS:
                    facts[(f.kind, f.value)] = f
    return [facts[k] for k in sorted(facts)]


def doc_topic_scores(groups: list[list[str]], chunks: list[Chunk], plan: Plan) -> dict:
    """Document-level ARI/NMI against the hand-resolved merge groups: documents people merged share
    a gold label, every other document is its own. A document's predicted label is the page holding
    most of its chunks (ties: the first slug), so a document split over pages counts once."""
    if not groups:
        return {"topic_ari": None, "topic_nmi": None}
    label = {d: d for d in {c.doc for c in chunks}}
    label |= {d: f"group:{i}" for i, g in enumerate(groups) for d in g}
    page_of = {cid: p.slug for p in plan.pages for cid in p.chunk_ids}
    docs = sorted(label)
    pred = {}
    for d in docs:
        votes = Counter(page_of.get(c.id, f"unplanned:{d}") for c in chunks if c.doc == d) \
            or Counter({f"unplanned:{d}": 1})  # a labelled document the run did not chunk
        pred[d] = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    g, p = [label[d] for d in docs], [pred[d] for d in docs]
    return {"topic_ari": round(cm.ari(g, p), 4), "topic_nmi": round(cm.nmi(g, p), 4)}


def label_scores(labels: CaseLabels | None, report: dict, chunks: list[Chunk], plan: Plan) -> dict:
    """A case scored against its label file: topics from the groups, conflicts and stale pages the
    same way as the fixtures. Without a label file every score is None and the row says so."""
    if labels is None:
        return {"labels": "missing: no eval/cases/<case>.json", "topic_ari": None, "topic_nmi": None,
                "conflicts_found": None, "conflicts_missed": [], "stale_found": None, "stale_extra": []}
    return {"labels": labels.path.as_posix()} | doc_topic_scores(labels.groups, chunks, plan) \
        | conflict_scores(report, labels.conflicts) | stale_scores(report, labels.stale)


def compare(case_before: Path, case_after: Path, out: Path, manifest: dict, words_in: int) -> dict:
    """Our pages beside the people's: both checked standalone against before/, the share of the
    people's traced facts that our pages keep, and the people's words over `words_in` (`hratio`,
    the inputs' words as `run_scores` counts them)."""
    ours_pages = out / "pages"
    human = standalone(case_after, case_before)
    ours = standalone(ours_pages, case_before)
    theirs = markdown_files(case_after)
    facts = human_facts(theirs, human["findings"])
    hay = normalise_span("\n".join(body(t) for t in markdown_files(ours_pages).values()))
    kept = [f for f in facts if contains(hay, f)]
    given = _hard_facts(markdown_files(case_before).values())
    return {
        "human_pages": len(theirs), "human_claims": human["claims"],
        "human_tokens": sum(tokens.count(body(t)) for t in theirs.values()),
        "human_words": (hw := sum(words(body(t)) for t in theirs.values())),
        "hratio": round(hw / words_in, 4) if words_in else None,
        "human_dup_rate": duplicate_rate([body(t) for t in theirs.values()]),
        "human_traced_facts": len(facts),
        "human_facts_kept": round(len(kept) / len(facts), 4) if facts else None,
        # how much of what the inputs state the people's pages still state: a ratio far below 1
        # with this far below 1 is a merge that dropped facts, which ours may not do silently
        "human_input_facts": round(len(given & _hard_facts(theirs.values())) / len(given), 4) if given else None,
        "human_dead_links": human["dead_links"], "human_untraceable": human["untraceable"],
        "our_dead_links_standalone": ours["dead_links"], "our_untraceable": ours["untraceable"],
        "human_titles": [_title(t, n) for n, t in theirs.items()],
        "manifest_notes": manifest.get("notes", ""),
    }


def _hard_facts(texts) -> set[str]:
    """The distinct hard facts (checks/facts.py, case kept where the checker keeps it) of pages' bodies."""
    return {k for t in texts for k in fact_keys(body(t))[1]}


def _title(text: str, name: str) -> str:
    m = re.search(r"^title:\s*(.+)$", text[:2000], re.M) or re.search(r"^#\s+(.+)$", text, re.M)
    return f"{name}: {m.group(1).strip().strip(chr(34))}" if m else name
