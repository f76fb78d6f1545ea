"""The stage runner: ingest -> chunk -> embed -> cluster -> plan -> draft -> check -> write.

Each stage is a pure core function in consolidate/stages; this module does the I/O around them.
Stage results are saved under OUT/.state with a fingerprint of their inputs and settings; a
rerun reuses every stage whose fingerprint is unchanged (a killed run resumes), and embeddings
are cached by model id and text hash.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from consolidate import __version__
from consolidate.checks.citations import SourceIndex
from consolidate.checks.inbound import list_inbound
from consolidate.checks.ledger import make_ledger
from consolidate.checks.links import input_urls
from consolidate.checks.stale import find_stale
from consolidate.claims.aliases import find_aliases
from consolidate.claims.verdicts import verdicts_for_run
from consolidate.merge.residue import residue_documents
from consolidate.checks.tree import check_tree
from consolidate.linkmap import site_root_dir
from consolidate.markdown.slugs import STYLES
from consolidate.embedders import embed_cached, make_embedder
from consolidate.errors import UsageError
from consolidate.executors import make_executor
from consolidate.fsio import confined, read_json, write_json
from consolidate.records import Chunk, Conflict, Document, DraftPage, Finding, Plan, Topic
from consolidate.render import render_page
from consolidate.review import review_files
from consolidate.settings import Settings
from consolidate.state import OutputDir, fingerprint, load_texts
from consolidate.stages.check import check_pages
from consolidate.stages.chunk import chunk_documents
from consolidate.stages.cluster import cluster_chunks, cut_settings
from consolidate.stages.draft_model import (draft_for_run, estimate, load_drafting, planned_backend, strict_filter,
                                            usage_totals)
from consolidate.stages.ingest import ingest
from consolidate.stages.plan import load_plan, plan_pages, plan_to_json
from consolidate.stages.split import expand_plan, lists_parts, part_details, split_pages, splits_json
from consolidate.stages.write import write_outputs, write_pages, write_review
from consolidate.web import decisions as review_decisions

STAGES = ["ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"]
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def generated_date() -> str:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else today's UTC date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


@dataclass
class RunResult:
    out: Path
    docs: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    plan: Plan | None = None
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    stale: list[dict] | None = None  # found once docs are read; None when resumed from saved state
    residue: frozenset | None = None  # documents written as instructions to a model; likewise
    skipped: list[dict] = field(default_factory=list)  # files under the roots not read: {path, reason, file}
    report: dict = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)


class _Timer:
    def __init__(self, result: RunResult, name: str):
        self.result, self.name = result, name

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        self.result.timings[self.name] = round(self.result.timings.get(self.name, 0.0) + time.perf_counter() - self.t, 4)


def _noop(stage: str, done: int, total: int) -> None:
    pass


def prepare(roots: list[Path], out: Path, settings: Settings, progress: Progress = _noop,
            stop_after: str = "write", plan_file: Path | None = None) -> tuple[RunResult, dict]:
    """ingest .. plan. Returns the result so far and the source texts. Writes only inside out."""
    with confined(out):
        return _prepare(roots, out, settings, progress, plan_file)


def _prepare(roots: list[Path], out: Path, settings: Settings, progress: Progress,
             plan_file: Path | None) -> tuple[RunResult, dict]:
    od = OutputDir(out)
    site_root(settings)  # a wrong --site-root stops the run before it does any work
    for r in roots:
        if r.resolve() == out.resolve():
            raise UsageError(f"{out}: the output folder cannot be an input root; choose another --out")
    od.claim()
    executor = make_executor(settings.run.executor)  # a missing Ray stops the run here, before any work
    res = RunResult(out)
    with _Timer(res, "ingest"):
        docs, texts, fs = ingest(roots, max_bytes=settings.ingest.max_file_bytes, exclude=[out], skipped=res.skipped,
                                 follow_into=settings.ingest.follow_links_into)
        res.docs, res.findings = docs, fs
        progress("ingest", len(docs), len(docs))
        fp_ingest = fingerprint([(d.path, d.sha256) for d in docs], settings.ingest.model_dump(), __version__)
        od.save_documents(fp_ingest, docs)
        od.save_skipped(fp_ingest, res.skipped)
        od.save_stage("ingest_findings", fp_ingest, [f.model_dump(mode="json") for f in fs])  # `draft` reports them too
    with _Timer(res, "chunk"):
        fp_chunk = fingerprint(fp_ingest, settings.chunk.model_dump())
        saved = od.load_stage("chunks", fp_chunk)
        if saved is not None:
            res.chunks = [Chunk.model_validate(c) for c in saved["chunks"]]
            res.findings += [Finding.model_validate(f) for f in saved["findings"]]
            res.reused.append("chunk")
        else:
            res.chunks, cf = chunk_documents(docs, texts, max_tokens=settings.chunk.max_tokens, encoding=settings.chunk.encoding)
            res.findings += cf
            od.save_stage("chunks", fp_chunk, {"chunks": [c.model_dump(mode="json") for c in res.chunks],
                                               "findings": [f.model_dump(mode="json") for f in cf]})
        progress("chunk", len(res.chunks), len(res.chunks))
    embedder = make_embedder(settings.embed.kind)
    fp_cluster = fingerprint(fp_chunk, embedder.model_id, settings.cluster.model_dump())
    saved = od.load_stage("topics", fp_cluster)
    if saved is not None:
        res.topics = [Topic.model_validate(t) for t in saved]
        res.reused += ["embed", "cluster"]
        res.timings.setdefault("embed", 0.0)
        res.timings.setdefault("cluster", 0.0)
    else:
        with _Timer(res, "embed"):
            total = len(res.chunks)
            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                progress("embed", done[0], total)

            vectors, hits = embed_cached(embedder, [c.text for c in res.chunks],
                                         od.cache / "embeddings" if settings.embed.cache else None, progress=tick,
                                         executor=executor)
            res.report["embedding_cache_hits"] = hits
        with _Timer(res, "cluster"):
            c = settings.cluster
            threshold, centre_docs = cut_settings(settings.embed.kind, c.threshold, c.centre_docs)
            res.topics = cluster_chunks(res.chunks, vectors, threshold=threshold, doc_weight=c.doc_weight,
                                        min_size=c.min_size, max_direct=c.max_direct, dup_threshold=c.duplicate_threshold,
                                        centre_docs=centre_docs)
            od.save_stage("topics", fp_cluster, [t.model_dump(mode="json") for t in res.topics])
            progress("cluster", len(res.topics), len(res.topics))
    res.report["embedder"] = embedder.model_id
    with _Timer(res, "plan"):
        res.residue = residue_documents((d.path, texts[d.path]) for d in docs)
        res.stale = find_stale(docs, texts, res.residue)
        if plan_file is not None:
            res.plan, pf = read_plan_file(plan_file, res.chunks, docs)
            res.findings += pf
        else:
            res.plan = plan_pages(res.topics, res.chunks, docs, frozenset(s["doc"] for s in res.stale), res.residue)
        if not res.plan.aliases:  # an edited plan keeps the aliases (and preferred terms) it gives
            res.plan = res.plan.model_copy(update={"aliases": tuple(find_aliases(texts))})
        write_json(out / "plan.json", plan_to_json(res.plan))
    return res, texts


def read_plan_file(path: Path, chunks: list[Chunk], docs: list[Document]) -> tuple[Plan, list[Finding]]:
    try:
        data = read_json(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: plan file not found; pass a plan.json that `consolidate plan` or `run` wrote")
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc}); fix the file")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan file ({exc.strerror}); pass a readable plan.json")
    return load_plan(data, str(path), chunks, docs)


def finish(res: RunResult, texts: dict[str, list[str]], progress: Progress = _noop,
           settings: Settings | None = None) -> RunResult:
    """draft -> check -> write, from a result that has docs, chunks, topics and a plan. Writes only inside res.out."""
    with confined(res.out):
        return _finish(res, texts, progress, settings)


def _finish(res: RunResult, texts: dict[str, list[str]], progress: Progress, settings: Settings | None) -> RunResult:
    od = OutputDir(res.out)
    settings = settings or Settings()
    llm = settings.llm
    executor = make_executor(settings.run.executor)
    kept = review_decisions.kept_pages(res.out, res.plan, res.docs)  # accepted/edited in review, sources unchanged
    whole = {n: t for n, t in kept.items() if not lists_parts(t)}  # a page split for size is redrafted for its parts
    with _Timer(res, "draft"):
        if res.residue is None:
            res.residue = residue_documents((d.path, texts[d.path]) for d in res.docs)
        residue = res.residue
        if res.stale is None:
            res.stale = find_stale(res.docs, texts, residue)
        for s in res.stale:
            res.findings.append(Finding(severity="warning", kind="stale-source", page="", line=s["line"],
                                        message=f"{s['doc']}:{s['line']}: stale or point-in-time source ({'; '.join(s['reasons'])})"
                                                + ("; its text is left out of merged pages" if settings.draft.drop_stale else "")))
        stale = frozenset(s["doc"] for s in res.stale)
        for a in res.plan.aliases:
            res.findings.append(Finding(severity="warning", kind="alias", page="", line=None,
                                        message=f"one thing under several names: use {a.preferred!r} for "
                                                + ", ".join(repr(t) for t in a.aliases) + " ("
                                                + "; ".join(f"{t}: {', '.join(ds)}" for t, ds in a.sources.items()) + ")"))
        for doc in sorted(residue):
            res.findings.append(Finding(severity="warning", kind="draft-residue", page="", line=1,
                                        message=f"{doc}: written as instructions to a model, not documentation; "
                                                "left out of merged pages (its lines are dropped as draft-residue)"))
        drafts, dfs, usage = draft_for_run(review_decisions.without(res.plan, whole), res.chunks, res.docs, texts, llm,
                                           od.cache / "llm", od.state / "model_drafts", stale, settings.draft.drop_stale,
                                           site_root(settings), executor)
        drafts, splits, sf = split_pages(drafts, settings.draft.max_page_words, {p.slug for p in res.plan.pages})
        res.findings += dfs + sf
        verdicts, vf = verdicts_for_run([c for d in drafts for c in d.conflicts], llm, od.cache / "llm")
        res.findings += vf
        res.report["verdicts"] = verdicts  # with a model configured: its verdicts on unsure conflicts
        historical = {p.slug for p in res.plan.pages if p.historical}  # every source stale: not current docs
        drafts = [d.model_copy(update={"historical": True}) if d.slug in historical or d.part_of[:-3] in historical else d for d in drafts]
        order = expand_plan(res.plan, splits)  # each split page's parts right after it
        kept |= review_decisions.kept_pages(res.out, order.model_copy(update={"pages": tuple(
            p for s in splits for p in s.parts)}), res.docs)
        progress("draft", len(drafts), len(drafts))
    generated = generated_date()

    def render(d: DraftPage) -> str:
        return render_page(d, generated, f"consolidate {__version__} ({d.backend})")

    pages = {f"{d.slug}.md": render(d) for d in drafts}
    pages = review_decisions.in_plan_order(order, pages, kept)
    assets = {rel: src for d in drafts for rel, src in d.assets}
    assets |= review_decisions.kept_assets(od.pages, od.load_stage("written", "pages") or [], kept)
    dropped: list[dict] = []
    with _Timer(res, "check"):
        index = SourceIndex(res.chunks, texts)
        urls = input_urls(res.docs, texts)

        def check(p: dict[str, str]):
            return check_pages(p, index, urls, set(assets), conflicts={f"{d.slug}.md": list(d.conflicts) for d in drafts},
                               site_root=site_root(settings), executor=executor)

        if llm.strict:  # drop model sentences the checker does not support, then check what is left
            drafts, dropped = strict_filter(drafts, render, lambda p: check(p)[0])
            pages = review_decisions.in_plan_order(order, {f"{d.slug}.md": render(d) for d in drafts}, kept)
            res.findings += [Finding(severity="warning", kind="unsupported-removed", page=x["page"],
                                     message=f"--strict dropped {x['text'][:80]!r}: {x['message']}") for x in dropped]
        cf, claims = check(pages)
        res.findings += cf
        ledger, lf = make_ledger(res.plan, res.chunks, res.docs, texts, drafts, pages, residue,
                                 {s.page: [f"{p.slug}.md" for p in s.parts] for s in splits})
        res.findings += lf
        progress("check", len(pages), len(pages))
    with _Timer(res, "write"):
        od.remove_stale_temps()  # a run killed while writing left them
        prev = od.load_stage("written", "pages") or []
        written = write_pages(od.pages, pages, assets, prev)
        od.save_stage("written", "pages", written)
        write_json(od.state / "findings.json", [f.model_dump(mode="json") for f in res.findings])
        write_json(res.out / "ledger.json", ledger)
        review = review_files(list(pages.items()), texts, [f.model_dump(mode="json") for f in res.findings])
        write_outputs(res.out, res.plan, review, splits_json(splits))
    res.report = build_report(res, drafts, claims, generated, ledger) | {"embedder": res.report.get("embedder", ""),
                                                                          "skipped": not_used(res.skipped, assets),
                                                                          "verdicts": res.report.get("verdicts", {})}
    res.report |= usage_totals(usage) | {"strict_dropped": dropped, "split": [s.as_json() for s in splits]}
    for name, u in usage.items():
        res.report["page_details"].get(name, {}).update(u.as_dict())
    part_details(res.report["page_details"], splits)
    if kept:
        res.report["page_details"] |= review_decisions.kept_details(order, kept, res.findings, claims)
        res.report["pages"] += len(set(kept) - {f"{d.slug}.md" for d in drafts})
    write_json(res.out / "report.json", res.report)  # last, so it carries every stage's time
    return res


def not_used(skipped: list[dict], assets: dict[str, str]) -> list[dict]:
    """The files not read that no page uses as an asset: {path, reason} (report.json `skipped`)."""
    used = {str(Path(a).resolve()) for a in assets.values()}
    return [{"path": e["path"], "reason": e["reason"]} for e in skipped if str(Path(e["file"]).resolve()) not in used]


def estimate_run(res: RunResult, texts: dict[str, list[str]], settings: Settings) -> dict:
    """--dry-run: what drafting would cost, from a prepared result; no model is called or loaded."""
    backend, reason = planned_backend(settings.llm)
    if backend is None:
        return {"backend": "extractive", "model": "", "pages": len(res.plan.pages), "model_calls": 0, "cache_hits": 0,
                "tokens_in": 0, "tokens_out": 0, "cost": 0.0, "reason": reason}
    d = load_drafting(backend, settings.llm, reason, OutputDir(res.out).cache / "llm", None)
    try:
        return estimate(res.plan, res.chunks, res.docs, texts, d) | {"reason": reason}
    finally:
        d.cache.close()


def build_report(res: RunResult, drafts: list[DraftPage], claims: dict[str, int], generated: str,
                 ledger: dict | None = None) -> dict:
    findings = sorted(res.findings, key=lambda f: (f.severity != "error", f.page, f.line or 0, f.kind, f.message))
    per_page = {}
    for d in drafts:
        name = f"{d.slug}.md"
        mine = [f for f in findings if f.page == name]
        per_page[name] = {"title": d.title, "topic": d.topic, "backend": d.backend, "sources": list(d.sources),
                          "claims": claims.get(name, 0), "errors": sum(f.severity == "error" for f in mine),
                          "coverage": ((ledger or {}).get("pages", {}).get(name) or {}).get("coverage"),
                          "warnings": sum(f.severity == "warning" for f in mine)}
    silent: dict[str, list[str]] = {}  # silent-resolution messages by page (they name the conflict id)
    for f in findings:
        if f.kind == "silent-resolution":
            silent.setdefault(f.page, []).append(f.message)
    return {
        "tool": f"consolidate {__version__}",
        "generated": generated,
        "documents": len(res.docs),
        "chunks": len(res.chunks),
        "topics": len(res.topics),
        "pages": len(drafts),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "findings": [f.model_dump(mode="json", exclude_none=True) for f in findings],
        "page_details": per_page,
        "topic_details": [{"id": t.id, "label": t.label, "chunks": len(t.chunk_ids), "documents": list(t.documents),
                           "duplicate_groups": [list(g) for g in t.duplicate_groups], "attached_chunks": len(t.attached)}
                          for t in res.topics],
        "coverage": (ledger or {}).get("coverage", {}),
        "conflicts": [dict(c.model_dump(mode="json"), page=f"{d.slug}.md", topic=d.topic,
                           silently_resolved=any(c.id in m for m in silent.get(f"{d.slug}.md", ())))
                      for d in drafts for c in d.conflicts],
        "stale": res.stale,
        "historical_pages": [f"{p.slug}.md" for p in res.plan.pages if p.historical] if res.plan else [],
        "aliases": [a.model_dump(mode="json") for a in res.plan.aliases] if res.plan else [],
        "reused_stages": res.reused,
        "timings": res.timings,
    }


def run(roots: list[Path], out: Path, settings: Settings, progress: Progress = _noop, plan_file: Path | None = None) -> RunResult:
    res, texts = prepare(roots, out, settings, progress, plan_file=plan_file)
    return finish(res, texts, progress, settings)


def resume_from_state(out: Path, plan_file: Path | None = None) -> tuple[RunResult, dict]:
    """Load a previous run's artifacts (for `draft`, `check`, `review`)."""
    od = OutputDir(out)
    od.require()
    res = RunResult(out)
    res.docs = od.documents()
    res.chunks = od.chunks()
    res.topics = [Topic.model_validate(t) for t in od.read_stage("topics")]
    res.skipped = od.skipped()
    texts, changed = load_texts(res.docs)
    res.findings += [Finding.model_validate(f) for f in (od.load_stage("ingest_findings", od.fingerprint_of("documents")) or [])]
    for msg in changed:
        res.findings.append(Finding(severity="error", kind="source-changed", page="", message=f"{msg}; rerun `consolidate run`"))
    res.plan, pf = read_plan_file(plan_file or out / "plan.json", res.chunks, res.docs)
    res.findings += pf
    return res, texts


@dataclass
class Output:
    """A finished run as the checker reads it."""
    docs: list[Document]
    chunks: list[Chunk]
    texts: dict[str, list[str]]
    pages: dict[str, str]  # page file -> markdown
    assets: set[str]  # copied files under pages/
    changed: list[str]  # sources that changed since the run


def load_output(out: Path) -> Output:
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    texts, changed = load_texts(docs)
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(od.pages.glob("*.md"))}
    assets = {p.relative_to(od.pages).as_posix() for p in od.pages.rglob("*") if p.is_file() and p.suffix != ".md"}
    return Output(docs, od.chunks(), texts, pages, assets, changed)


def site_root(settings: Settings) -> Path | None:
    """links.site_root (--site-root) as a folder, or None when unset."""
    return site_root_dir(settings.links.site_root)


def check_only(out: Path, style: str = "github", settings: Settings | None = None) -> tuple[list[Finding], dict[str, int]]:
    od = OutputDir(out)
    if out.is_dir() and not (out / ".consolidate").exists():
        raise UsageError(f"{out}: not a consolidate output folder; to check pages people wrote, pass --sources DIR (the folder they came from)")
    run = load_output(out)
    docs, chunks, texts, pages, assets, changed = run.docs, run.chunks, run.texts, run.pages, run.assets, run.changed
    findings = [Finding(severity="error", kind="source-changed", page="", message=f"{m}; rerun `consolidate run`") for m in changed]
    report = read_json(out / "report.json") if (out / "report.json").exists() else {}
    conflicts: dict[str, list[Conflict]] = {}
    for c in report.get("conflicts", []):
        conflicts.setdefault(c.get("page", ""), []).append(Conflict.model_validate({k: v for k, v in c.items() if k not in ("page", "topic", "silently_resolved")}))
    f, claims = check_pages(pages, SourceIndex(chunks, texts), input_urls(docs, texts), assets, style=style, conflicts=conflicts,
                            site_root=site_root(settings or Settings()))
    return findings + f, claims


def check_standalone(pages_dir: Path, sources: list[Path], settings: Settings, style: str = "github") -> tuple[list[Finding], dict[str, int]]:
    """`consolidate check PAGES --sources DIR...`: any markdown tree against the sources it came from."""
    if not sources:
        raise UsageError(f"{pages_dir}: not a consolidate output folder; pass --sources DIR to check it against its sources")
    if style not in STYLES:
        raise UsageError(f"--site {style}: unknown; choose one of {', '.join(STYLES)}")
    mb = settings.ingest.max_file_bytes
    follow = settings.ingest.follow_links_into
    docs, texts, findings = ingest(sources, max_bytes=mb, follow_into=follow)
    page_docs, page_texts, pf = ingest([pages_dir], max_bytes=mb, follow_into=follow)
    chunks, _ = chunk_documents(docs, texts, max_tokens=settings.chunk.max_tokens, encoding=settings.chunk.encoding)
    pages = {d.path: "\n".join(page_texts[d.path]) for d in page_docs}
    f, claims = check_tree(pages, page_docs, docs, SourceIndex(chunks, texts), input_urls(docs, texts), style,
                           site_root(settings))
    return findings + pf + f, claims


def inbound_links(out: Path, tree: Path, settings: Settings) -> list[Finding]:
    """Links in a docs tree outside the merge set that point at retired input pages, with their rewrite."""
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    plan = read_plan_file(out / "plan.json", od.chunks(), docs)[0]
    others, _, fs = ingest([tree], max_bytes=settings.ingest.max_file_bytes, exclude=[out],
                           follow_into=settings.ingest.follow_links_into)
    return fs + list_inbound(others, docs, plan.redirects)


def review_only(out: Path) -> Path:
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    texts, _ = load_texts(docs)
    pages = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(od.pages.glob("*.md"))]
    findings = read_json(od.state / "findings.json") if (od.state / "findings.json").exists() else []
    with confined(out):
        write_review(out, review_files(pages, texts, findings))
    return out / "review.html"
