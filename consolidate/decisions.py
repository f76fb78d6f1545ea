"""Review decisions: OUT/review.json, what later runs keep, and re-checking an edit.

A decision is stored per page file with a fingerprint of what the page was drafted from (its
title, its chunk ids in order and the sha256 of every source document). A decision whose
fingerprint no longer matches the current plan is stale: the page is pending again, and a
later run redrafts it. A matching `accepted` or `edited` decision keeps its text: a later run
does not redraft that page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from consolidate.errors import StateError
from consolidate.fsio import read_json, write_json
from consolidate.records import Chunk, Document, Finding, PagePlan, Plan
from consolidate.state import REVIEW_FILE, fingerprint
Status = Literal["accepted", "rejected", "edited"]


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    fingerprint: str
    text: str | None = None  # the page text accepted or edited; None when rejected
    findings: tuple[dict, ...] = ()  # the checker's findings on `text` when it was saved

    @property
    def errors(self) -> int:
        return sum(f.get("severity") == "error" for f in self.findings)


def page_fingerprint(page: PagePlan, docs: dict[str, Document]) -> str:
    return fingerprint(page.title, list(page.chunk_ids), {s: docs[s].sha256 if s in docs else "" for s in page.sources})


def load_decisions(out: Path) -> dict[str, Decision]:
    path = out / REVIEW_FILE
    if not path.exists():
        return {}
    try:
        data = read_json(path)
        return {name: Decision.model_validate(d) for name, d in sorted(data.get("pages", {}).items())}
    except (ValueError, AttributeError, ValidationError) as exc:
        raise StateError(f"{path}: not a valid review file ({str(exc).splitlines()[0]}); fix it or delete it to start the review again")


def save_decisions(out: Path, decisions: dict[str, Decision]) -> None:
    write_json(out / REVIEW_FILE, {"about": "Review decisions per page; edit with `consolidate review`.",
                                   "pages": {n: d.model_dump(mode="json") for n, d in sorted(decisions.items())}})


def current(decision: Decision | None, page: PagePlan, docs: dict[str, Document]) -> Decision | None:
    """The decision if it still applies to this page as planned now, else None (stale or absent)."""
    if decision is None or decision.fingerprint != page_fingerprint(page, docs):
        return None
    return decision


def status_of(decision: Decision | None, page: PagePlan, docs: dict[str, Document]) -> str:
    d = current(decision, page, docs)
    return d.status if d else "pending"


def kept_pages(out: Path, plan: Plan, docs: list[Document]) -> dict[str, str]:
    """Pages a run keeps instead of redrafting: accepted or edited, sources unchanged."""
    decisions = load_decisions(out)
    by_path = {d.path: d for d in docs}
    kept = {}
    for p in plan.pages:
        name = p.file
        d = current(decisions.get(name), p, by_path)
        if d is not None and d.status in ("accepted", "edited") and d.text is not None:
            kept[name] = d.text
    return kept


def without(plan: Plan, kept: dict[str, str]) -> Plan:
    """The plan minus the pages kept from review (redirects unchanged)."""
    return plan.model_copy(update={"pages": tuple(p for p in plan.pages if p.file not in kept)})


def in_plan_order(plan: Plan, drafted: dict[str, str], kept: dict[str, str]) -> dict[str, str]:
    both = drafted | kept
    return {p.file: both[p.file] for p in plan.pages if p.file in both}


def kept_assets(out_pages: Path, previous: list[str], kept: dict[str, str]) -> dict[str, str]:
    """Assets a previous run copied that kept pages still use (they are not redrafted, so nothing else asks)."""
    return {rel: str(out_pages / rel) for rel in previous
            if not rel.endswith(".md") and (out_pages / rel).is_file() and any(rel in text for text in kept.values())}


def kept_details(plan: Plan, kept: dict[str, str], findings: list[Finding], claims: dict[str, int]) -> dict[str, dict]:
    """report.json page_details entries for the pages kept from review."""
    out = {}
    for p in plan.pages:
        name = p.file
        if name in kept:
            mine = [f for f in findings if f.page == name]
            out[name] = {"title": p.title, "topic": p.topic, "backend": "review (kept)", "sources": list(p.sources),
                         "claims": claims.get(name, 0), "errors": sum(f.severity == "error" for f in mine),
                         "warnings": sum(f.severity == "warning" for f in mine)}
    return out


def recheck(name: str, text: str, pages: dict[str, str], chunks: list[Chunk], texts: dict[str, list[str]],
            docs: list[Document], assets: set[str] = frozenset()) -> list[Finding]:
    """Run the real checker over an edited page (beside the other pages, for links); its findings."""
    from consolidate.checks.citations import SourceIndex
    from consolidate.checks.links import input_urls
    from consolidate.stages.check import check_pages

    found, _ = check_pages(pages | {name: text}, SourceIndex(chunks, texts), input_urls(docs, texts), assets)
    return sorted((f for f in found if f.page == name), key=lambda f: (f.line or 0, f.kind, f.message))


def decide(out: Path, name: str, status: Status, page: PagePlan, docs: dict[str, Document], text: str | None,
           findings: list[Finding] = ()) -> Decision:
    """Record one decision in OUT/review.json (atomically) and return it."""
    decisions = load_decisions(out)
    d = Decision(status=status, fingerprint=page_fingerprint(page, docs), text=text,
                 findings=tuple(f.model_dump(mode="json", exclude_none=True) for f in findings))
    decisions[name] = d
    save_decisions(out, decisions)
    return d


def forget(out: Path, name: str) -> None:
    """Drop a page's decision: it is pending again."""
    decisions = load_decisions(out)
    if decisions.pop(name, None) is not None:
        save_decisions(out, decisions)
