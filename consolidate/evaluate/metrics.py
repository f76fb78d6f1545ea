"""Score one run: topic agreement, planted facts, checker support, citations, links, redundancy,
conflicts and stale pages against gold, and what the run cost."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from consolidate.evaluate import agreement as cm
from consolidate import sentences, tokens
from consolidate.checks import facts as F
from consolidate.checks.claims import MARKS, NOTE_PREFIX
from consolidate.evaluate.fixtures import Gold
from consolidate.linkmap import EXTERNAL
from consolidate.merge import residue
from consolidate.records import Chunk, Plan
from consolidate.stages.ingest import front_matter, split_lines

# findings that mean a cited span does not hold what the claim says
CITATION_KINDS = {"unsupported-fact", "bad-citation", "irrelevant-citation", "code-mismatch"}
LINK_KINDS = {"dead-link", "dead-anchor"}
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_WORDISH = re.compile(r"[^\W_]")


def _is_note(line: str) -> bool:
    return NOTE_PREFIX in line[:40]  # our "Sources disagree" notes are annotations, not content


def body(page: str) -> str:
    """A page's content: no front matter, citation marks, `Sources:` lines, source list or our notes."""
    text = _FRONT.sub("", page)
    text = text.split("\n## Sources\n", 1)[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith("[^") and not ln.lstrip().startswith("Sources: [^")
             and not _is_note(ln)]
    return MARKS.sub("", "\n".join(lines))


def note_lines(page: str) -> list[str]:
    """Our "Sources disagree" note lines of a page (left out of `body`, counted apart)."""
    return [ln for ln in page.splitlines() if _is_note(ln)]


def prose_sentences(text: str) -> list[str]:
    """The sentences of paragraphs and list items, one line at a time, list markers removed;
    code blocks, headings and table rows left out."""
    out, fence = [], False
    for ln in text.splitlines():
        if ln.lstrip().startswith("```"):
            fence = not fence
            continue
        if fence or not ln.strip() or _HEADING.match(ln) or ln.lstrip().startswith("|"):
            continue
        ln = F.statement(ln)
        out += [ln[a:b] for a, b in sentences.split(ln)]
    return out


def sentence_list(text: str) -> list[str]:
    """`prose_sentences` lowercased, punctuation and extra spaces removed (for comparing)."""
    out = [" ".join(re.sub(r"[^\w\s]", "", s.lower()).split()) for s in prose_sentences(text)]
    return [s for s in out if s]


def duplicate_rate(texts: list[str]) -> float:
    """`dup`: share of the prose sentences of a page set that repeat an earlier one in the set."""
    sents = [s for t in texts for s in sentence_list(t)]
    return round(1 - len(set(sents)) / len(sents), 4) if sents else 0.0


def words(text: str) -> int:
    """Words a reader reads: whitespace-separated tokens holding a letter or digit (markdown
    marks such as `#`, `-`, `|` alone are not words; code counts)."""
    return sum(1 for w in text.split() if _WORDISH.search(w))


def source_words(texts: list[str]) -> int:
    """Words of the input documents, front matter left out (as ingest and the line ledger find it)."""
    return sum(words("\n".join((lines := split_lines(t))[front_matter(lines, "")[1] - 1:])) for t in texts)


def residue_sentences(pages: dict[str, str]) -> list[tuple[str, str]]:
    """(reason, sentence) for every sentence of `pages` (name -> body) that merge.residue classes
    as meta or draft-residue, or that only points at the page it is on ("See [X](this-page.md)")."""
    out = []
    for name, text in pages.items():
        def page_of(target: str, name=name) -> str | None:
            if EXTERNAL.match(target):
                return None
            return posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(target))) if target else name
        for s in prose_sentences(text):
            why = residue.sentence_reason(s) or (residue.META if residue.see_self(s, name, page_of) else "")
            if why:
                out.append((why, s))
    return out


def residue_docs_kept(sources: dict[str, str], ledger: dict) -> list[str]:
    """Input documents written as instructions to a model (merge.residue) that our pages still cite."""
    lines = ledger.get("lines") or {}
    return [doc for doc, text in sources.items() if residue.document_reason(text, doc)
            and any(r.get("status") == "kept" for r in lines.get(doc, []))]


def dropped_shares(ledger: dict) -> dict[str, float]:
    """Share of the input's non-blank lines the line ledger drops, per reason (sorted)."""
    runs = [r for rs in (ledger.get("lines") or {}).values() for r in rs]
    total = sum(r.get("lines", 0) for r in runs)
    by: dict[str, int] = {}
    for r in runs:
        if r.get("status") == "dropped":
            by[r.get("reason") or "?"] = by.get(r.get("reason") or "?", 0) + r.get("lines", 0)
    return {k: round(v / total, 4) for k, v in sorted(by.items())} if total else {}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def topic_scores(chunks: list[Chunk], plan: Plan, gold: Gold) -> dict:
    page_of = {cid: p.slug for p in plan.pages for cid in p.chunk_ids}
    g = [gold.topic_of(c.doc, tuple(c.heading_path)) for c in chunks]
    p = [page_of.get(c.id, f"unplanned:{c.id}") for c in chunks]
    return {"topic_ari": round(cm.ari(g, p), 4), "topic_nmi": round(cm.nmi(g, p), 4)}


def mapping_score(redirects: dict, mapping: dict[str, str]) -> float | None:
    docs = sorted(d for d in mapping if d in redirects)
    if not docs:
        return None
    return round(cm.ari([mapping[d] for d in docs], [(redirects[d] or ["?"])[0] for d in docs]), 4)


def fact_coverage(pages_text: str, facts: list[dict]) -> tuple[float | None, list[str]]:
    hay = " ".join(pages_text.split()).lower()
    missing = [f["fact"] for f in facts if " ".join(f["fact"].split()).lower() not in hay]
    return _ratio(len(facts) - len(missing), len(facts)), missing


def mentions(conflict: dict, terms: list[str]) -> bool:
    """Whether a report.json conflict names one of `terms` as a whole word (case-insensitive) in
    its subject or its sides' values. No terms: any conflict between the documents will do."""
    if not terms:
        return True
    hay = " | ".join([str(conflict.get("subject", ""))] +
                     [str(v) for s in conflict.get("sides", []) for v in s.get("values", [])])
    return any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", hay, re.I) for t in terms)


def found_conflicts(report: dict, gold: list[dict]) -> tuple[int, list[str]]:
    """Gold conflicts that some report.json conflict covers: its sides span every gold document
    and, when the gold entry has `terms` (real-case labels), it names one of them, so a clash
    about something else between the same two documents does not count. Why that is not too
    strict: the detector's conflicts are value clashes whose sides carry the clashing values
    (ports, versions, keys) and whose subject is the key or the sentence, and the labels' terms
    are those values; prose disagreements carry no terms and need only the documents."""
    convs = [({s["doc"] for s in c.get("sides", [])}, c) for c in reported(report)]
    missed = [" vs ".join(g["docs"]) + (f" ({g['about']})" if g.get("about") else "") for g in gold
              if not any(set(g["docs"]) <= docs and mentions(c, g.get("terms", [])) for docs, c in convs)]
    return len(gold) - len(missed), missed


def conflict_scores(report: dict, gold: list[dict]) -> dict:
    """Recall against the gold conflicts, and how many conflicts we report that no gold entry
    covers (`conflicts_unlabelled`: false alarms, or disagreements the gold does not list)."""
    found, missed = found_conflicts(report, gold)
    every = {c.get("id") or repr(c): c for c in reported(report)}  # one per id, not per page
    unlabelled = [c for c in every.values()
                  if not any({s["doc"] for s in c.get("sides", [])} >= set(g["docs"]) for g in gold)]
    return {"conflicts_found": _ratio(found, len(gold)), "conflicts_missed": missed,
            "conflicts_reported": len(every), "conflicts_unlabelled": len(unlabelled)}


def reported(report: dict) -> list[dict]:
    """The disagreements a run reports: report.json `conflicts`, and each `aliases` entry (one thing
    under two names, a rename) as one with a side per document and term."""
    return report.get("conflicts", []) + [
        {"id": "alias:" + a["preferred"], "kind": "alias", "subject": a["preferred"],
         "sides": [{"doc": d, "values": [term]} for term, docs in a.get("sources", {}).items() for d in docs]}
        for a in report.get("aliases", [])]


def stale_scores(report: dict, gold: list[str]) -> dict:
    """Share of gold stale pages in report.json `stale`, and the pages flagged beyond them."""
    flagged = {s["doc"] for s in report.get("stale", [])}
    return {"stale_found": _ratio(sum(d in flagged for d in gold), len(gold)),
            "stale_extra": sorted(flagged - set(gold))}


def run_scores(report: dict, pages: dict[str, str], sources: dict[str, str], ledger: dict) -> dict:
    """Metrics every run has, gold or not. `sources`: each input document's text by its path."""
    source_texts = list(sources.values())
    claims = sum(d.get("claims", 0) for d in report.get("page_details", {}).values())
    page_findings = [f for f in report.get("findings", []) if f.get("page")]
    bad = {(f["page"], f.get("line")) for f in page_findings if f["severity"] == "error"}
    bad_cite = {(f["page"], f.get("line")) for f in page_findings if f["kind"] in CITATION_KINDS}
    named = {name: body(t) for name, t in pages.items()}
    bodies = list(named.values())
    words_in, words_out = source_words(source_texts), sum(words(b) for b in bodies)
    dropped = dropped_shares(ledger)
    meta = residue_sentences(named)
    return {
        "pages": len(pages),
        "claims": claims,
        "supported": _ratio(claims - len(bad), claims),
        "citation_precision": _ratio(claims - len(bad_cite), claims),
        "citation_recall": (ledger.get("coverage") or {}).get("coverage"),
        "unaccounted": (ledger.get("coverage") or {}).get("unaccounted"),  # input lines the line ledger could not place
        # dead links a reader of our pages would hit (checker errors); the sources' own dead links,
        # reduced to their text by the drafter, are warnings and counted apart
        "dead_links": sum(f["kind"] in LINK_KINDS and f["severity"] == "error" for f in page_findings),
        "dead_unlinked": sum(f["kind"] in LINK_KINDS and f["severity"] != "error" for f in page_findings),
        "model_pages": _ratio(sum((d.get("backend") or "extractive") != "extractive"
                                  for d in report.get("page_details", {}).values()), len(pages)),
        "dup_rate_before": duplicate_rate(source_texts),
        "dup_rate_after": duplicate_rate(bodies),
        "tokens_before": sum(tokens.count(t) for t in source_texts),
        "tokens_after": sum(tokens.count(t) for t in bodies),
        "words_in": words_in, "words_out": words_out, "ratio": _ratio(words_out, words_in),
        "note_words": sum(words(MARKS.sub("", n)) for t in pages.values() for n in note_lines(t)),
        "meta": len(meta), "meta_sentences": [f"{why}: {text}" for why, text in meta],
        "residue_docs_kept": residue_docs_kept(sources, ledger),
        "dropped": round(sum(dropped.values()), 4), "dropped_by_reason": dropped,
        "conflicts": len(report.get("conflicts", [])),
        "stale": len(report.get("stale", [])),
        "model_calls": report.get("model_calls", 0),
        "edits_asked": (report.get("model_edits") or {}).get("asked", 0),  # llm.mode = edits: groups sent to the model
        "edits_written": (report.get("model_edits") or {}).get("written", 0),  # ... and accepted by the checks
        "tokens_in": report.get("tokens_in", 0),
        "tokens_out": report.get("tokens_out", 0),
        "cache_hits": report.get("cache_hits", 0),
        "cost": report.get("cost", 0.0),
    }


def gold_scores(report: dict, pages: dict[str, str], chunks: list[Chunk], plan: Plan, redirects: dict, gold: Gold) -> dict:
    cov, missing = fact_coverage("\n".join(body(t) for t in pages.values()), gold.facts)
    return topic_scores(chunks, plan, gold) | {
        "mapping_ari": mapping_score(redirects, gold.mapping),
        "fact_coverage": cov, "facts_missing": missing,
    } | conflict_scores(report, gold.conflicts) | stale_scores(report, gold.stale)


def markdown_files(folder: Path) -> dict[str, str]:
    """Every .md file under folder by its path relative to it (a run's pages, or people's pages)."""
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*.md")) if p.is_file()}
