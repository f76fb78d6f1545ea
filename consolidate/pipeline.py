"""The pipeline: the registered stages of a run (consolidate/readback.py reads a finished run back).

read -> ingest -> chunk -> embed -> cluster -> plan -> draft -> check -> write. Each stage is a thin
wrapper around a pure core function in consolidate/stages (or checks/); consolidate/runner.py runs
them: fingerprints, saved results under OUT/.state, reuse, resume, timing and progress. Ingest
reuses every file whose text is unchanged, draft and check reuse every page whose inputs are
unchanged (docs/design.md, "Reruns"), and embeddings are cached by model id and text hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate.errors import StateError, UsageError
from consolidate.executors import make_executor
from consolidate.fsio import confined, read_json, write_json
from consolidate.linkmap import site_root_dir
from consolidate.runner import CODE, REGISTRY, Context, Progress, Stage, register, run_stages
from consolidate.stages import finish as finish_stages
from consolidate.stages.ingest import Read, read_roots
from consolidate.state import OutputDir, fingerprint, load_texts

if TYPE_CHECKING:
    from consolidate.records import Chunk, Document, Finding, Plan, Topic
    from consolidate.settings import Settings

# A stage's core is imported by the stage when it runs, and the records (pydantic) by whatever
# builds one: an unchanged rerun runs none of them and imports only the runner, the read stage and
# the saved results' readers, and no pydantic (docs/scale.md, "Reruns").

PIPELINE = ["read", "ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"]
PREPARE = PIPELINE[:PIPELINE.index("plan") + 1]  # `consolidate plan`, `run --dry-run`
FINISH = PIPELINE[PIPELINE.index("draft"):]  # `consolidate draft`


def generated_date() -> str:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else today's UTC date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def _noop(stage: str, done: int, total: int) -> None:
    pass


# ---------------------------------------------------------------------------------------------
# stage results


@dataclass
class Ingested:
    docs: list[Document]
    findings: list[Finding]
    skipped: list[dict]  # files under the roots not read: {path, reason, file}
    per_doc: dict[str, list[Finding]]  # each document's own parse findings (reused with it)


@dataclass
class Chunked:
    chunks: list[Chunk]
    findings: list[Finding]
    shas: dict[str, str] = field(default_factory=dict)  # each document's sha256 when it was chunked
    made_by: list = field(default_factory=list)  # [code, chunk settings]: what a rerun may reuse them with


@dataclass
class Embedded:
    vectors: Any  # a numpy array, one row per chunk
    hits: int
    model_id: str


@dataclass
class Planned:
    plan: Plan
    stale: list[dict]  # checks/stale.py
    residue: frozenset  # documents written as instructions to a model
    findings: list[Finding]  # an edited plan's


def _findings(rows: list[dict]) -> list[Finding]:
    from consolidate.records import Finding

    return [Finding.model_validate(f) for f in rows]


def _dump(findings: list[Finding]) -> list[dict]:
    return [f.model_dump(mode="json") for f in findings]


# ---------------------------------------------------------------------------------------------
# the stages


def _read(ctx: Context) -> Read:
    s = ctx.settings.ingest
    return read_roots(ctx.options["roots"], max_bytes=s.max_file_bytes, exclude=[ctx.od.root], follow_into=s.follow_links_into)


def _read_key(read: Read) -> Any:
    return [read.key(), [(e["path"], e["reason"]) for e in read.skipped], [f.message for f in read.findings]]


def _ingest(ctx: Context) -> Ingested:
    from consolidate.stages.ingest import parse_files

    read: Read = ctx["read"]
    known = ctx.od.parsed_documents()  # the previous run's, reused for files whose text is unchanged
    skipped: list[dict] = list(read.skipped)
    docs, _, findings, per_doc = parse_files(read, known)
    return Ingested(docs, findings, skipped, per_doc)


def _save_ingest(od: OutputDir, fp: str, v: Ingested) -> None:
    od.save_documents(fp, v.docs, v.per_doc)
    od.save_skipped(fp, v.skipped)
    od.save_stage("ingest_findings", fp, _dump(v.findings))  # `draft` reports them too


def _load_ingest(ctx: Context, fp: str) -> Ingested | None:
    od = ctx.od
    saved = od.load_stage("ingest_findings", fp)
    if saved is None:
        return None
    return Ingested(od.documents(), _findings(saved), od.skipped(), {})


def _chunk(ctx: Context) -> Chunked:
    from consolidate.stages.chunk import chunk_documents

    s = ctx.settings.chunk
    docs = ctx["ingest"].docs
    chunks, findings = chunk_documents(docs, ctx["read"].texts, max_tokens=s.max_tokens, encoding=s.encoding,
                                       known=_chunked_before(ctx.od, s.model_dump()))
    return Chunked(chunks, findings, {d.path: d.sha256 for d in docs}, [CODE, s.model_dump()])


def _chunked_before(od: OutputDir, settings: dict) -> dict[tuple[str, str], tuple[list[Chunk], list[Finding]]]:
    """The previous run's chunks and findings by (document, sha256), when that run used these settings and this code."""
    from consolidate.records import Chunk, Finding

    try:
        data = od.read_stage("chunks")
    except (StateError, OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("made_by") != [CODE, settings]:
        return {}
    known: dict[tuple[str, str], tuple[list[Chunk], list[Finding]]] = {(p, sha): ([], []) for p, sha in data["shas"].items()}
    for c in data["chunks"]:
        known[(c["doc"], data["shas"][c["doc"]])][0].append(Chunk.model_validate(c))
    for f in data["findings"]:
        if (f["page"], data["shas"].get(f["page"])) in known:
            known[(f["page"], data["shas"][f["page"]])][1].append(Finding.model_validate(f))
    return known


def _save_chunks(od: OutputDir, fp: str, v: Chunked) -> None:
    od.save_stage("chunks", fp, {"chunks": (c.model_dump(mode="json") for c in v.chunks), "findings": _dump(v.findings),
                                 "shas": v.shas, "made_by": v.made_by})


def _load_chunks(ctx: Context, fp: str) -> Chunked | None:
    from consolidate.records import Chunk

    od = ctx.od
    saved = od.load_stage("chunks", fp)
    return None if saved is None else Chunked([Chunk.model_validate(c) for c in saved["chunks"]], _findings(saved["findings"]))


def _embed(ctx: Context) -> Embedded:
    from consolidate.embedders import embed_cached, make_embedder  # numpy: imported by the stages that run

    embedder = make_embedder(ctx.settings.embed.kind)
    chunks = ctx["chunk"].chunks
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        ctx.progress("embed", done[0], len(chunks))

    vectors, hits = embed_cached(embedder, [c.text for c in chunks],
                                 ctx.od.cache / "embeddings" if ctx.settings.embed.cache else None, progress=tick,
                                 executor=make_executor(ctx.settings.run.executor))
    return Embedded(vectors, hits, embedder.model_id)


def _cluster(ctx: Context) -> list[Topic]:
    from consolidate.stages.cluster import cluster_chunks, cut_settings  # scipy: only when clustering runs

    c, kind = ctx.settings.cluster, ctx.settings.embed.kind
    threshold, centre_docs = cut_settings(kind, c.threshold, c.centre_docs)
    return cluster_chunks(ctx["chunk"].chunks, ctx["embed"].vectors, threshold=threshold, doc_weight=c.doc_weight,
                          min_size=c.min_size, max_direct=c.max_direct, dup_threshold=c.duplicate_threshold,
                          centre_docs=centre_docs)


def _save_topics(od: OutputDir, fp: str, topics: list[Topic]) -> None:
    od.save_stage("topics", fp, [t.model_dump(mode="json") for t in topics])


def _load_topics(ctx: Context, fp: str) -> list[Topic] | None:
    from consolidate.records import Topic

    od = ctx.od
    saved = od.load_stage("topics", fp)
    return None if saved is None else [Topic.model_validate(t) for t in saved]


def _plan_config(ctx: Context) -> Any:
    f = ctx.options.get("plan_file")
    return hashlib.sha256(f.read_bytes()).hexdigest() if f is not None and f.is_file() else str(f or "")


def _plan(ctx: Context) -> Planned:
    from consolidate.checks.stale import find_stale
    from consolidate.claims.aliases import find_aliases
    from consolidate.merge.residue import residue_documents
    from consolidate.stages.plan import plan_pages, plan_to_json

    docs, texts, chunks = ctx["ingest"].docs, ctx["read"].texts, ctx["chunk"].chunks
    residue = residue_documents((d.path, texts[d.path]) for d in docs)
    stale = find_stale(docs, texts, residue)
    findings: list[Finding] = []
    if ctx.options.get("plan_file") is not None:
        plan, findings = read_plan_file(ctx.options["plan_file"], chunks, docs)
    else:
        plan = plan_pages(ctx["cluster"], chunks, docs, frozenset(s["doc"] for s in stale), residue)
    if not plan.aliases:  # an edited plan keeps the aliases (and preferred terms) it gives
        plan = plan.model_copy(update={"aliases": tuple(find_aliases(texts))})
    write_json(ctx.od.root / "plan.json", plan_to_json(plan))
    return Planned(plan, stale, residue, findings)


def _save_plan(od: OutputDir, fp: str, v: Planned) -> None:
    od.save_stage("plan", fp, {"plan": v.plan.model_dump(mode="json"), "stale": v.stale, "residue": sorted(v.residue),
                               "findings": _dump(v.findings)})


def _load_plan(ctx: Context, fp: str) -> Planned | None:
    from consolidate.records import Plan

    od = ctx.od
    saved = od.load_stage("plan", fp)
    return None if saved is None else Planned(Plan.model_validate(saved["plan"]), saved["stale"],
                                              frozenset(saved["residue"]), _findings(saved["findings"]))


def register_stages() -> None:
    register(Stage("read", _read, key=_read_key, config=lambda ctx: ctx.settings.ingest.model_dump(),
                   count=lambda r: len(r.key())))
    register(Stage("ingest", _ingest, inputs=("read",), config=lambda ctx: ctx.settings.ingest.model_dump(),
                   save=_save_ingest, load=_load_ingest, count=lambda v: len(v.docs)))
    register(Stage("chunk", _chunk, inputs=("read", "ingest"), config=lambda ctx: ctx.settings.chunk.model_dump(),
                   save=_save_chunks, load=_load_chunks, count=lambda v: len(v.chunks)))
    register(Stage("embed", _embed, inputs=("chunk",), config=lambda ctx: ctx.settings.embed.kind,
                   count=lambda v: len(v.vectors)))
    register(Stage("cluster", _cluster, inputs=("chunk", "embed"), config=lambda ctx: ctx.settings.cluster.model_dump(),
                   save=_save_topics, load=_load_topics, count=len))
    register(Stage("plan", _plan, inputs=("read", "ingest", "chunk", "cluster"), config=_plan_config,
                   save=_save_plan, load=_load_plan, count=lambda v: len(v.plan.pages)))
    finish_stages.register_stages()


# ---------------------------------------------------------------------------------------------
# a run


@dataclass
class RunResult:
    """A run as its callers read it: each stage's result is loaded when first asked for."""

    out: Path
    ctx: Context | None = None
    report: dict = field(default_factory=dict)

    def _get(self, name: str, default=None):
        return self.ctx[name] if self.ctx is not None and self.ctx.has(name) else default

    @property
    def docs(self) -> list[Document]:
        return self._get("ingest").docs

    @property
    def chunks(self) -> list[Chunk]:
        return self._get("chunk").chunks

    @property
    def topics(self) -> list[Topic]:
        return self._get("cluster", [])

    @property
    def plan(self) -> Plan | None:
        p = self._get("plan")
        return p.plan if p is not None else None

    @property
    def stale(self) -> list[dict] | None:
        p = self._get("plan")
        return p.stale if p is not None else None

    @property
    def skipped(self) -> list[dict]:
        return self._get("ingest").skipped

    @property
    def timings(self) -> dict[str, float]:
        return self.ctx.timings if self.ctx else {}

    @property
    def reused(self) -> list[str]:
        return list(self.ctx.reused) if self.ctx else []

    @property
    def findings(self) -> list[Finding]:
        if self.ctx is not None and self.ctx.has("write"):
            return self.ctx["write"].findings
        return finish_stages.before_draft(self.ctx)

    @property
    def error_messages(self) -> list[str]:
        """The errors' messages, in the order they arose (a finished run's from its saved JSON, no records built)."""
        if self.ctx is not None and self.ctx.has("write"):
            return [f["message"] for f in self.ctx["write"].rows if f["severity"] == "error"]
        return [f.message for f in self.findings if f.severity == "error"]

    @property
    def errors(self) -> int:
        return len(self.error_messages)


def _context(out: Path, settings: Settings, progress: Progress, **options) -> Context:
    if "plan" not in REGISTRY:  # registered once, by the first run of the process
        register_stages()
    return Context(OutputDir(out), settings, progress, options=options)


def _start(roots: list[Path], out: Path, settings: Settings) -> None:
    site_root(settings)  # a wrong --site-root stops the run before it does any work
    make_executor(settings.run.executor)  # so does a missing Ray
    for r in roots:
        if r.resolve() == out.resolve():
            raise UsageError(f"{out}: the output folder cannot be an input root; choose another --out")
    od = OutputDir(out)
    od.claim()
    od.remove_stale_temps()  # a run killed while writing left them


def prepare(roots: list[Path], out: Path, settings: Settings, progress: Progress = _noop,
            stop_after: str = "write", plan_file: Path | None = None) -> tuple[RunResult, dict]:
    """read .. plan. Returns the result so far and the source texts. Writes only inside out."""
    with confined(out):
        _start(roots, out, settings)
        ctx = run_stages(PREPARE, _context(out, settings, progress, roots=roots, plan_file=plan_file))
        if "plan" in ctx.reused:  # `consolidate plan` writes the plan for editing, as a plan stage that runs does
            from consolidate.stages.plan import plan_to_json

            write_json(out / "plan.json", plan_to_json(ctx["plan"].plan))
        return RunResult(out, ctx), ctx["read"].texts


def finish(res: RunResult, texts: dict[str, list[str]], progress: Progress = _noop,
           settings: Settings | None = None) -> RunResult:
    """draft -> check -> write, from a prepared or resumed result. Writes only inside res.out."""
    with confined(res.out):
        ctx = res.ctx
        ctx.od.remove_stale_temps()  # a run killed while writing left them
        ctx.settings = settings or ctx.settings
        ctx.progress = progress
        run_stages(FINISH, ctx)
        res.report = finish_stages.final_report(ctx)
        return res


def run(roots: list[Path], out: Path, settings: Settings, progress: Progress = _noop, plan_file: Path | None = None) -> RunResult:
    """Every stage, each reused when its inputs are unchanged. Writes only inside out."""
    with confined(out):
        _start(roots, out, settings)
        ctx = run_stages(PIPELINE, _context(out, settings, progress, roots=roots, plan_file=plan_file))
        res = RunResult(out, ctx)
        res.report = finish_stages.final_report(ctx)
        return res


def read_plan_file(path: Path, chunks: list[Chunk], docs: list[Document]) -> tuple[Plan, list[Finding]]:
    from consolidate.stages.plan import load_plan

    try:
        data = read_json(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: plan file not found; pass a plan.json that `consolidate plan` or `run` wrote")
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc}); fix the file")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan file ({exc.strerror}); pass a readable plan.json")
    return load_plan(data, str(path), chunks, docs)


def estimate_run(res: RunResult, texts: dict[str, list[str]], settings: Settings) -> dict:
    """--dry-run: what drafting would cost, from a prepared result; no model is called or loaded."""
    from consolidate.stages.draft_model import estimate, load_drafting, planned_backend

    backend, reason = planned_backend(settings.llm)
    if backend is None:
        return {"backend": "extractive", "model": "", "pages": len(res.plan.pages), "model_calls": 0, "cache_hits": 0,
                "tokens_in": 0, "tokens_out": 0, "cost": 0.0, "reason": reason}
    d = load_drafting(backend, settings.llm, reason, OutputDir(res.out).cache / "llm", None)
    try:
        return estimate(res.plan, res.chunks, res.docs, texts, d) | {"reason": reason}
    finally:
        d.cache.close()


def resume_from_state(out: Path, plan_file: Path | None = None) -> tuple[RunResult, dict]:
    """Load a previous run's artifacts (for `draft`): its documents, chunks and topics, the texts
    as they are now, and the plan file (OUT/plan.json, maybe edited)."""
    from consolidate.checks.stale import find_stale
    from consolidate.merge.residue import residue_documents
    from consolidate.records import Finding, Topic
    from consolidate.settings import Settings
    from consolidate.stages.plan import plan_to_json

    od = OutputDir(out)
    od.require()
    ctx = _context(out, Settings(), _noop, findings=[])
    docs = od.documents()
    chunks = od.chunks()
    ctx.values["ingest"] = Ingested(docs, [], od.skipped(), {})
    ctx.values["chunk"] = Chunked(chunks, [])
    ctx.values["cluster"] = [Topic.model_validate(t) for t in od.read_stage("topics")]
    texts, changed = load_texts(docs)
    ctx.values["read"] = Read([], [], [], texts)
    found = ctx.options["findings"]  # before drafting: ingest's, the sources changed since, the plan file's
    found += _findings(od.load_stage("ingest_findings", od.fingerprint_of("documents")) or [])
    for msg in changed:
        found.append(Finding(severity="error", kind="source-changed", page="", message=f"{msg}; rerun `consolidate run`"))
    plan, pf = read_plan_file(plan_file or out / "plan.json", chunks, docs)
    found += pf
    residue = residue_documents((d.path, texts[d.path]) for d in docs)
    ctx.values["plan"] = Planned(plan, find_stale(docs, texts, residue), residue, [])
    ctx.fingerprints |= {"ingest": od.fingerprint_of("documents") or "", "chunk": od.fingerprint_of("chunks") or "",
                         "cluster": od.fingerprint_of("topics") or "",
                         "read": fingerprint(sorted((p, hashlib.sha256("\n".join(t).encode()).hexdigest()) for p, t in texts.items())),
                         "plan": fingerprint(plan_to_json(plan))}
    return RunResult(out, ctx), texts


def site_root(settings: Settings) -> Path | None:
    """links.site_root (--site-root) as a folder, or None when unset."""
    return site_root_dir(settings.links.site_root)
