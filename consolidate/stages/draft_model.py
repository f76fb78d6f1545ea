"""Draft, with a model: each page written by a backend from its source chunks, every block cited.

The core is `draft_pages_with_model(plan, chunks, docs, texts, backend=..., prompt=...)`. Per page:
the prompt (prompts/draft_page.txt) carries the page plan, the chunks as delimited data with their
ids, and the conflicts the extractive merge found. The reply is a pydantic-validated structure
(sections -> blocks -> cited chunk ids); an invalid reply is asked again once with the error, then
the page fails with an error finding and is drafted extractively instead. Citations are mapped to
the lines of the chunk that hold the block (draft_sources.narrow); a citation to an id that was
not in the prompt is an error finding. A topic too large for the model's context is drafted in
parts, section by section. Replies are cached (llm/cache.py), so an unchanged rerun makes no call.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from consolidate.claims.settle import CONTEXT_DIFFERS
from consolidate.errors import UnknownComponentError
from consolidate.executors import Executor
from consolidate.fsio import write_json
from consolidate.checks.claims import parse_page
from consolidate.llm.base import DEFAULT_MODEL, Backend, Message, ModelError, Request, Result, make_backend
from consolidate.llm.choice import openai_config, resolve_backend
from consolidate.llm.cache import ResponseCache
from consolidate.llm.prompts import Prompt, load_prompt
from consolidate.llm.structured import parse_reply
from consolidate.llm.usage import Budget, PageUsage, cost, request_tokens, speeds
from consolidate.records import Chunk, Citation, Document, DraftBlock, DraftPage, DraftSection, Finding, Plan
from consolidate.settings import LLMSettings
from consolidate.stages.draft import draft_pages
from consolidate.stages.page_memo import PageMemo
from consolidate.stages.draft_sources import (SCHEMA, LinkFixer, ModelPage, PageJob, by_section, narrow, page_jobs, prompt_values,
                                              split_parts, verbatim)

EDIT_PROMPT = "fuse_statements"  # llm.mode = edits
PROMPT_OVERHEAD = 1200  # tokens of instructions, schema and plan around the sources


class CostLimit(Exception):
    """--max-cost would be exceeded by the next call."""


@dataclass
class Drafting:
    """What a model-drafting run needs besides the inputs."""

    backend: Backend
    prompt: Prompt
    reask: Prompt
    settings: LLMSettings = field(default_factory=LLMSettings)
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(None))
    reason: str = ""
    raw_dir: Path | None = None  # where the raw replies are kept (OUT/.state/model_drafts)
    budget: Budget = field(default_factory=lambda: Budget(0.0))

    @property
    def local(self) -> bool:
        return self.backend.name == "local"


@dataclass
class PageOutcome:
    page: DraftPage
    findings: list[Finding]
    usage: PageUsage
    raw: list[str] = field(default_factory=list)


def requests_for(job: PageJob, d: Drafting) -> list[Request]:
    s = d.settings
    budget = max(64, min(d.backend.context_tokens, s.context_tokens) - s.max_output_tokens - PROMPT_OVERHEAD)
    parts = [p for sec in (by_section(job.chunks) if s.mode == "sections" else [job.chunks])
             for p in split_parts(job, budget, sec)]
    schema_text = json.dumps(SCHEMA, sort_keys=True)
    out = []
    for i, part in enumerate(parts):
        msgs = d.prompt.render(**prompt_values(job, part, i, len(parts), schema_text))
        # a merged page is no longer than its sources (plus JSON framing): a bound that stops a looping model early
        reply_budget = min(s.max_output_tokens, 256 + 2 * sum(c.tokens for c in part))
        out.append(Request(messages=msgs, schema_name="merged_page", json_schema=SCHEMA, temperature=s.temperature,
                           max_tokens=reply_budget, prompt_id=d.prompt.id))
    return out


def ask(req: Request, d: Drafting, usage: PageUsage, seen: list[str], shape: type = ModelPage) -> tuple:
    """One reply validated as `shape`: from the cache, or the model with one re-ask.
    Raises ValueError / ModelError / CostLimit."""
    model = d.backend.model
    hit = d.cache.get(model, req)
    if hit is not None:
        try:
            page = parse_reply(hit.text, shape)
            usage.cache_hits += 1
            return page, hit
        except ValueError:
            pass  # a cached reply that no longer validates (schema changed) is asked again
    current, error = req, ""
    for attempt in range(2):
        worst = cost(model, request_tokens(current), current.max_tokens, d.settings, d.local)
        if not d.budget.reserve(worst):
            raise CostLimit(f"--max-cost {d.settings.max_cost:g} would be exceeded by the next call "
                            f"(spent {d.budget.spent:.4f} USD)")
        try:
            res = d.backend.complete(current)
        except BaseException:
            d.budget.settle(worst, 0.0)
            raise
        spent = cost(model, res.tokens_in, res.tokens_out, d.settings, d.local)
        d.budget.settle(worst, spent)
        usage.add(res, spent)
        seen.append(res.text)
        try:
            page = parse_reply(res.text, shape)
        except ValueError as exc:
            error = str(exc)
            if res.finish_reason == "length":
                error = f"the reply was cut off at the limit of {current.max_tokens} tokens, so {error}; write a shorter page"
            if attempt == 0:
                current = req.model_copy(update={"messages": req.messages + (
                    Message(role="assistant", content=res.text[:4000]),) + d.reask.render(error=error)})
            continue
        d.cache.put(model, req, res)
        return page, res
    raise ValueError(f"the reply failed validation twice; last error: {error}")


FOOTNOTE_MARK = re.compile(r"\[\^[^\]]*\]")


def prose_line(text: str) -> str:
    """A sentence, item or note on one line, without heading marks or footnote markers of its own
    (those would change how the page parses: a heading, a paragraph break, a citation)."""
    text = FOOTNOTE_MARK.sub("", " ".join(text.split()))
    return text.lstrip("#").strip() or text


def _to_draft(job: PageJob, replies: list[ModelPage], texts: dict[str, list[str]], links: LinkFixer,
              backend: str) -> tuple[DraftPage, list[Finding]]:
    findings: list[Finding] = []
    assets: dict[str, str] = {}
    by_id = {c.id: c for c in job.chunks}
    sections: dict[str, list[DraftBlock]] = {}
    titles: dict[str, str] = {}
    para = 0
    for reply in replies:
        for sec in reply.sections:
            key = " ".join(sec.heading.lower().split())
            titles.setdefault(key, sec.heading.strip())
            blocks = sections.setdefault(key, [])
            for b in sec.blocks:
                cites: list[Citation] = []
                unknown = [cid for cid in b.cites if cid not in by_id]
                if unknown:
                    findings.append(Finding(severity="error", kind="unknown-citation", page=job.file,
                                            message=f"{job.file}: the model cited {', '.join(sorted(set(unknown)))}, "
                                                    f"not a source id in its prompt, for {b.text[:80]!r}"))
                known = [by_id[cid] for cid in dict.fromkeys(b.cites) if cid in by_id]
                text = b.text.strip()
                if b.kind in ("sentence", "list_item", "note"):
                    text = prose_line(text)
                if b.kind in ("code", "table"):
                    text = verbatim(b.kind, text, [u for c in known for u in job.units.get(c.id, [])])
                for c in known:
                    for cc in [c] + job.aliases.get(c.id, []):
                        cites += narrow(text, cc, job.units.get(cc.id, []), texts[cc.doc])
                src = known[0].doc if known else job.chunks[0].doc
                if b.kind not in ("code",):
                    text = links(text, src, job.file, 0, findings, assets)
                if b.kind == "list_item" and not text.lstrip().startswith(("-", "*", "+")) and not text[:1].isdigit():
                    text = "- " + text
                prev = blocks[-1] if blocks else None
                if prev is None or prev.kind != b.kind or b.kind not in ("sentence", "list_item") or not cites \
                        or not prev.citations:
                    para += 1  # an uncited block stands alone, so the checker sees it uncited
                blocks.append(DraftBlock(kind=b.kind, text=text, citations=tuple(dict.fromkeys(cites)), para=para))
    p = job.plan
    page = DraftPage(slug=p.slug, section=p.section, title=p.title, topic=p.topic, sources=p.sources, backend=backend,
                     sections=tuple(DraftSection(heading=titles[k], blocks=tuple(v)) for k, v in sections.items()),
                     assets=tuple(sorted(assets.items())))
    return page, findings


def draft_page(job: PageJob, fallback: DraftPage, texts: dict[str, list[str]], links: LinkFixer,
               d: Drafting) -> PageOutcome:
    usage = PageUsage(backend=d.backend.name, reason=d.reason, model=d.backend.model)
    replies, raw = [], []  # raw: every reply text, the ones that failed validation too
    try:
        for req in requests_for(job, d):
            page, res = ask(req, d, usage, raw)
            replies.append(page)
            if res.cached:
                raw.append(res.text)
    except (ValueError, ModelError, CostLimit) as exc:
        kind, sev = ("cost-limit", "warning") if isinstance(exc, CostLimit) else ("model-draft-failed", "error")
        usage.backend, usage.reason = "extractive", f"fallback from {d.backend.name}: {exc}"
        msg = f"{job.file}: drafted extractively instead of by {d.backend.name} ({d.backend.model}): {exc}"
        _keep_raw(job, d, raw, str(exc))
        return PageOutcome(fallback, [Finding(severity=sev, kind=kind, page=job.file, message=msg)], usage, raw)
    page, findings = _to_draft(job, replies, texts, links, d.backend.name)
    if len(replies) > 1:
        usage.reason += f"; drafted in {len(replies)} parts (topic larger than the context)"
    _keep_raw(job, d, raw, "")
    return PageOutcome(page, findings, usage, raw)


def _keep_raw(job: PageJob, d: Drafting, raw: list[str], failed: str) -> None:
    if d.raw_dir is not None and raw:
        write_json(d.raw_dir / f"{job.plan.slug}.json", {"backend": d.backend.name, "model": d.backend.model,
                                                          "prompt": d.prompt.id, "failed": failed, "replies": raw})


def draft_pages_with_model(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]],
                           d: Drafting, stale: frozenset = frozenset(), drop_stale: bool = True,
                           site_root: Path | None = None, memo: PageMemo | None = None, executor: Executor | None = None,
                           ) -> tuple[list[DraftPage], list[Finding], dict[str, PageUsage]]:
    """Model drafts for every page (extractive where the model fails), findings, and usage per page file.
    The extractive drafts go through `executor`; the model's pages through llm.concurrency threads."""
    resolve = getattr(d.backend, "resolve_model", None)
    if resolve is not None:  # a server named by URL only: its model, asked once before any page starts, so
        resolve()            # every page's cache key and report name it (pages drafted in parallel saw '')
    fallback, ex_findings = draft_pages(plan, chunks, docs, texts, stale=stale, drop_stale=drop_stale, site_root=site_root,
                                        memo=memo, executor=executor)
    jobs = page_jobs(plan, chunks, docs, texts, stale if drop_stale else frozenset())
    for job, fb in zip(jobs, fallback):  # every conflict the drafter found for the page, other pages' sides too
        job.others = list(fb.conflicts)
    links = LinkFixer(docs, plan, site_root)
    with ThreadPoolExecutor(max_workers=d.settings.concurrency) as pool:
        outcomes = list(pool.map(lambda jf: draft_page(jf[0], jf[1], texts, links, d), zip(jobs, fallback)))
    # the sources' conflicts and stale passages are the same whoever drafts; whether a model page
    # says so is for the checker to find (silent-resolution), so only `stale` and `context-differs` resolutions carry over
    by_slug = {f.slug: f for f in fallback}
    for o in outcomes:
        if o.page.backend != "extractive":
            fb = by_slug[o.page.slug]
            o.page = o.page.model_copy(update={"dropped": fb.dropped, "conflicts": tuple(
                c if c.resolution in ("stale", CONTEXT_DIFFERS) else c.model_copy(update={"resolution": ""})
                for c in fb.conflicts)})
    extractive = {o.page.slug for o in outcomes if o.page.backend == "extractive"}
    # conflicts are facts about the sources and stay; link findings belong to the pages drafted extractively
    findings = [f for f in ex_findings if f.kind in ("conflict", CONTEXT_DIFFERS) or f.page[:-3] in extractive]
    for o in outcomes:
        findings += o.findings
    return [o.page for o in outcomes], findings, {o.page.file: o.usage for o in outcomes}


def extractive_usage(plan: Plan, reason: str) -> dict[str, PageUsage]:
    return {p.file: PageUsage(backend="extractive", reason=reason) for p in plan.pages}


def usage_totals(usage: dict[str, PageUsage]) -> dict:
    def total(k: str):
        return sum(getattr(u, k) for u in usage.values())

    return {"model_calls": total("model_calls"), "tokens_in": total("tokens_in"), "tokens_out": total("tokens_out"),
            "cache_hits": total("cache_hits"), "cost": round(total("cost"), 6),
            "model_seconds": round(total("seconds"), 3)} | speeds(
        total("tokens_in"), total("tokens_out"), total("seconds"), total("tokens_prompt_done"),
        total("prompt_seconds"), total("gen_seconds"))


def estimate(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]], d: Drafting) -> dict:
    """--dry-run: the requests a run would send, their tokens and cost, without calling the model."""
    tokens_in = tokens_out = calls = hits = 0
    if d.settings.mode == "edits":
        from consolidate.stages.draft_edits import Estimator

        est = Estimator(replace(d, prompt=load_prompt(EDIT_PROMPT)))
        est.prose(draft_pages(plan, chunks, docs, texts, editor=est)[0])
        calls, hits, tokens_in, tokens_out = est.calls, est.hits, est.tokens_in, est.tokens_out
    for job in page_jobs(plan, chunks, docs, texts) if d.settings.mode != "edits" else ():
        for req in requests_for(job, d):
            if d.cache.get(d.backend.model, req) is not None:
                hits += 1
                continue
            calls += 1
            tokens_in += request_tokens(req)
            tokens_out += min(req.max_tokens, sum(c.tokens for c in job.chunks))
    return {"backend": d.backend.name, "model": d.backend.model, "pages": len(plan.pages), "model_calls": calls,
            "cache_hits": hits, "tokens_in": tokens_in, "tokens_out": tokens_out,
            "cost": round(cost(d.backend.model, tokens_in, tokens_out, d.settings, d.local), 6)}


def load_drafting(backend: Backend, s: LLMSettings, reason: str, cache_dir: Path | None, raw_dir: Path | None) -> Drafting:
    return Drafting(backend=backend, prompt=load_prompt(s.prompt), reask=load_prompt("reask"), settings=s,
                    cache=ResponseCache(cache_dir if s.cache else None), reason=reason, raw_dir=raw_dir,
                    budget=Budget(s.max_cost))


LINK_KINDS = {"dead-link", "dead-anchor"}


def strict_filter(drafts: list[DraftPage], render: Callable[[DraftPage], str],
                  check: Callable[[dict[str, str]], list[Finding]]) -> tuple[list[DraftPage], list[dict]]:
    """--strict: drop the blocks of model-drafted pages that the checker finds unsupported.

    Each page is rendered once with every block on its own line, checked, and the blocks behind
    error claims (other than link errors) are dropped. Returns the pages and what was dropped."""
    out, dropped = [], []
    for d in drafts:
        if d.backend == "extractive":
            out.append(d)
            continue
        flat = [b for sec in d.sections for b in sec.blocks]
        probe = d.model_copy(update={"sections": tuple(
            sec.model_copy(update={"blocks": tuple(b.model_copy(update={"para": 10_000 + flat.index(b)})
                                                   for b in sec.blocks)}) for sec in d.sections)})
        text = render(probe)
        name = d.file
        bad_lines = {f.line: f for f in check({name: text}) if f.severity == "error" and f.line and f.kind not in LINK_KINDS}
        if not bad_lines:
            out.append(d)
            continue
        claims = parse_page(text).claims
        bad_ids: dict[int, Finding] = {}
        start = 0
        for claim in claims:
            want = " ".join(claim.text.split())
            for i in range(start, len(flat)):
                if want and want in " ".join(flat[i].text.split()):
                    if claim.line in bad_lines:
                        bad_ids.setdefault(id(flat[i]), bad_lines[claim.line])
                    start = i
                    break
        keep_secs = []
        for sec in d.sections:
            blocks = []
            for b in sec.blocks:
                f = bad_ids.get(id(b))
                if f is None:
                    blocks.append(b)
                else:
                    dropped.append({"page": name, "kind": b.kind, "text": b.text, "finding": f.kind, "message": f.message})
            if blocks:
                keep_secs.append(sec.model_copy(update={"blocks": tuple(blocks)}))
        out.append(d.model_copy(update={"sections": tuple(keep_secs)}))
    return out, dropped


@dataclass
class PlannedBackend:
    """The backend a run would use, named but not started (for --dry-run): never called."""

    name: str
    model: str
    context_tokens: int

    def complete(self, request: Request) -> Result:
        raise ModelError("--dry-run makes no model calls")


def planned_backend(s: LLMSettings) -> tuple[PlannedBackend | None, str]:
    name, reason = resolve_backend(s)
    if name == "extractive":
        return None, reason
    if name == "openai":
        base_url, _, model = openai_config(s)
        model = model or ("" if base_url else DEFAULT_MODEL)
    else:
        from consolidate.llm.local_backend import DEFAULT_PACKAGE, installed_package  # nothing is loaded

        model = s.model or s.model_package or (Path(s.model_path).stem if s.model_path
                                               else installed_package() or DEFAULT_PACKAGE)
    return PlannedBackend(name, model or "(first model the server lists)", s.context_tokens), reason


def draft_for_run(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]],
                  s: LLMSettings, cache_dir: Path, raw_dir: Path, stale: frozenset = frozenset(),
                  drop_stale: bool = True, site_root: Path | None = None, memo: PageMemo | None = None,
                  executor: Executor | None = None,
                  ) -> tuple[list[DraftPage], list[Finding], dict[str, PageUsage]]:
    """The draft stage as `consolidate run` does it: pick the backend, draft, say who drafted what and why.
    memo: per-page results of earlier runs (the extractive merge; a model's replies are cached apart,
    so with a model each page is drafted again, its replies from the cache)."""
    if s.mode not in MODES:
        raise UnknownComponentError("llm.mode", s.mode, list(MODES))
    backend, reason = make_backend(s)
    if backend is None:
        pages, findings = draft_pages(plan, chunks, docs, texts, stale=stale, drop_stale=drop_stale, site_root=site_root,
                                      memo=memo, executor=executor)
        return pages, findings, extractive_usage(plan, reason)
    d = load_drafting(backend, s, reason, cache_dir, raw_dir)
    try:
        if s.mode == "edits":
            return draft_with_edits(plan, chunks, docs, texts, d, stale, drop_stale, site_root)
        return draft_pages_with_model(plan, chunks, docs, texts, d, stale, drop_stale, site_root, memo, executor)
    finally:
        d.cache.close()


MODES = ("edits", "sections", "page")


def draft_with_edits(plan: Plan, chunks: list[Chunk], docs: list[Document], texts: dict[str, list[str]], d: Drafting,
                     stale: frozenset = frozenset(), drop_stale: bool = True, site_root: Path | None = None,
                     ) -> tuple[list[DraftPage], list[Finding], dict[str, PageUsage]]:
    """llm.mode = edits: the extractive merge, each group of restating statements fused by the model
    where the checker accepts its statement, then leads and smoothed paragraphs on the rendered
    pages (stages/draft_edits.py, prose_edits.py)."""
    from consolidate.stages.draft_edits import Editor

    resolve = getattr(d.backend, "resolve_model", None)
    if resolve is not None:
        resolve()
    editor = Editor(replace(d, prompt=load_prompt(EDIT_PROMPT)))
    pages, findings = draft_pages(plan, chunks, docs, texts, stale=stale, drop_stale=drop_stale, site_root=site_root,
                                  editor=editor)
    pages = editor.prose(pages)
    usage = extractive_usage(plan, d.reason) | editor.usage
    return pages, findings + editor.findings, usage
