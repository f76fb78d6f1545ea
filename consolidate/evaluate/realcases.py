"""Compare a run on a real case's before/ with the pages people made (after/).

Both page sets are checked the same way, standalone against before/ (`consolidate check PAGES
--sources BEFORE`). A human fact is *traceable* when its claim has no `untraceable-fact` finding;
we *keep* it when the fact is found in our pages (the checker's own fact matching)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from consolidate import metrics as cm
from consolidate import pipeline
from consolidate.checks.claims import parse_page
from consolidate.checks.facts import contains, extract, normalise_span
from consolidate import tokens
from consolidate.evaluate.metrics import LINK_KINDS, body, duplicate_rate
from consolidate.records import Chunk, Plan
from consolidate.settings import Settings

UNTRACEABLE = {"untraceable-fact", "unsupported-fact"}
SKIP_FACTS = {"product", "initial"}  # names and first words: too loose to count as a kept fact


def _md(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*.md")) if p.is_file()}


def standalone(pages_dir: Path, before: Path) -> dict:
    findings, claims = pipeline.check_standalone(pages_dir, [before], Settings())
    mine = [f for f in findings if f.page]
    return {"findings": mine, "claims": sum(claims.values()),
            "dead_links": sum(f.kind in LINK_KINDS for f in mine),
            "untraceable": sum(f.kind in UNTRACEABLE for f in mine)}


def human_facts(after: Path, findings: list) -> list:
    """Facts of the human pages' claims that the checker traced to the inputs."""
    bad = {(f.page, f.line) for f in findings if f.kind in UNTRACEABLE}
    facts = {}
    for name, text in _md(after).items():
        for claim in parse_page(text).claims:
            if (name, claim.line) in bad:
                continue
            for f in extract(claim.text):
                if f.kind not in SKIP_FACTS:
                    facts[(f.kind, f.value)] = f
    return [facts[k] for k in sorted(facts)]


def _expand(spec: str) -> list[str]:
    m = re.search(r"\{([^}]*)\}", spec)
    if not m:
        return [spec.strip()]
    return [x for alt in m.group(1).split(",") for x in _expand(spec[: m.start()] + alt + spec[m.end():])]


def doc_topic_scores(manifest: dict, chunks: list[Chunk], plan: Plan) -> dict:
    """Document-level ARI/NMI against MANIFEST merge_groups (merged documents share a label)."""
    groups = [g for g in manifest.get("merge_groups", []) if "->" in g]
    if not groups:
        return {"topic_ari": None, "topic_nmi": None}
    docs = sorted({c.doc for c in chunks})
    label = {d: d for d in docs}
    for g in groups:
        left, right = g.split("->", 1)
        for part in left.split("+"):
            for p in _expand(part):
                for d in docs:
                    if p and (d == p or d.endswith("/" + p)):
                        label[d] = right.strip()
    page_of = {cid: p.slug for p in plan.pages for cid in p.chunk_ids}
    pred = {}
    for d in docs:
        votes = Counter(page_of.get(c.id, "") for c in chunks if c.doc == d)
        pred[d] = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    g, p = [label[d] for d in docs], [pred[d] for d in docs]
    return {"topic_ari": round(cm.ari(g, p), 4), "topic_nmi": round(cm.nmi(g, p), 4)}


def compare(case_before: Path, case_after: Path, out: Path, manifest: dict, chunks: list[Chunk], plan: Plan) -> dict:
    ours_pages = out / "pages"
    human = standalone(case_after, case_before)
    ours = standalone(ours_pages, case_before)
    facts = human_facts(case_after, human["findings"])
    hay = normalise_span("\n".join(body(t) for t in _md(ours_pages).values()))
    kept = [f for f in facts if contains(hay, f)]
    theirs = _md(case_after)
    return doc_topic_scores(manifest, chunks, plan) | {
        "human_pages": len(theirs), "human_claims": human["claims"],
        "human_tokens": sum(tokens.count(body(t)) for t in theirs.values()),
        "human_dup_rate": duplicate_rate([body(t) for t in theirs.values()]),
        "human_traced_facts": len(facts),
        "human_facts_kept": round(len(kept) / len(facts), 4) if facts else None,
        "human_dead_links": human["dead_links"], "human_untraceable": human["untraceable"],
        "our_dead_links_standalone": ours["dead_links"], "our_untraceable": ours["untraceable"],
        "human_titles": [_title(t, n) for n, t in theirs.items()],
        "manifest_notes": manifest.get("notes", ""),
    }


def _title(text: str, name: str) -> str:
    m = re.search(r"^title:\s*(.+)$", text[:2000], re.M) or re.search(r"^#\s+(.+)$", text, re.M)
    return f"{name}: {m.group(1).strip().strip(chr(34))}" if m else name
