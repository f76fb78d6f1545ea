"""The draft, check and write stages of a run (registered with consolidate/runner.py).

draft: every planned page drafted (by a model when one is configured, else extractively), split
for size, rendered; check: the checker on every page and the ledger; write: pages, ledger,
redirects, plan, review and report.json. Each saves its result under OUT/.state, so a rerun whose
inputs are unchanged reuses it; report.json is rewritten by every run with its timings and the
stages it reused (`final_report`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from consolidate import __version__
from consolidate.fsio import read_json, synced_once, write_json
from consolidate.linkmap import site_root_dir
from consolidate.runner import Context, Stage, register
from consolidate.state import REVIEW_FILE, OutputDir

if TYPE_CHECKING:
    from consolidate.records import DraftPage, Finding, Plan
    from consolidate.llm.usage import PageUsage
    from consolidate.stages.split import Split

# The stages' cores, the records and the review decisions (pydantic) are imported when a stage
# runs or loads its result: an unchanged rerun reads the write stage's saved report and findings
# (as JSON: `Written.rows`) and imports none of them.

@dataclass
class Drafted:
    drafts: list[DraftPage]
    findings: list[Finding]
    usage: dict[str, PageUsage]
    splits: list[Split]
    verdicts: dict
    order: Plan  # the plan with each split page's parts after it
    kept: dict[str, str]  # pages kept from review: file -> text
    pages: dict[str, str]  # file -> markdown, in plan order
    assets: dict[str, str]  # pages/ path -> source file
    generated: str
    reused: dict[str, list[str]]  # the pages whose merge / rendering was reused from an earlier run


@dataclass
class Checked:
    drafts: list[DraftPage]  # after --strict
    pages: dict[str, str]
    findings: list[Finding]
    claims: dict[str, int]
    ledger: dict  # its coverage only (_coverage); the whole ledger is OUT/ledger.json
    dropped: list[dict]  # --strict
    reused: dict[str, list[str]]  # the pages whose check was reused from an earlier run
    ledger_sha256: str = ""


@dataclass
class Written:
    report: dict  # report.json without this run's timings and reused stages
    rows: list[dict]  # every finding of the run, in the order they arose, as JSON (OUT/.state/findings.json)
    files: dict[str, list[int]]  # output file -> [size, mtime_ns] as written

    @cached_property
    def findings(self) -> list[Finding]:
        return _load(self.rows)


def _site_root(ctx: Context) -> Path | None:
    return site_root_dir(ctx.settings.links.site_root)


def _dump(findings: list[Finding]) -> list[dict]:
    return [f.model_dump(mode="json") for f in findings]


def _load(rows: list[dict]) -> list[Finding]:
    from consolidate.records import Finding

    return [Finding.model_validate(f) for f in rows]


def renderer(generated: str) -> Callable[[DraftPage], str]:
    from consolidate.render import render_page

    def render(d: DraftPage) -> str:
        return render_page(d, generated, f"consolidate {__version__} ({d.backend})")
    return render


# ---------------------------------------------------------------------------------------------
# draft


def _file_digest(path: Path) -> str:
    """The file's sha256, read in pieces (ledger.json may be 200 MB); '' when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


def _draft_config(ctx: Context) -> Any:
    from consolidate.pipeline import generated_date

    from consolidate.llm.choice import resolve_backend

    s = ctx.settings
    backend = None
    if resolve_backend(s.llm)[0] != "extractive":  # the drafter is imported only for a model
        from consolidate.stages.draft_model import planned_backend

        backend, _ = planned_backend(s.llm)
    # a model's drafts are not a function of the inputs (a failed page is retried, a page over
    # --max-cost is drafted later): with a model the stage always runs; its replies are cached
    once = time.time_ns() if backend is not None else 0
    llm = s.llm.model_dump(exclude={"api_key", "timeout", "max_retries", "concurrency"})
    return [s.draft.model_dump(), llm, str(_site_root(ctx)), generated_date(), once,
            _file_digest(ctx.od.root / REVIEW_FILE)]


def _draft(ctx: Context) -> Drafted:
    from consolidate import decisions as review_decisions
    from consolidate.claims.verdicts import verdicts_for_run
    from consolidate.executors import make_executor
    from consolidate.pipeline import generated_date
    from consolidate.records import Finding
    from consolidate.stages.draft_model import draft_for_run
    from consolidate.stages.page_memo import PageMemo
    from consolidate.stages.split import expand_plan, lists_parts, split_pages

    out, settings = ctx.od.root, ctx.settings
    llm = settings.llm
    docs, texts, chunks, planned = ctx["ingest"].docs, ctx["read"].texts, ctx["chunk"].chunks, ctx["plan"]
    plan = planned.plan
    kept = review_decisions.kept_pages(out, plan, docs)  # accepted/edited in review, sources unchanged
    whole = {n: t for n, t in kept.items() if not lists_parts(t)}  # a page split for size is redrafted for its parts
    residue = planned.residue
    findings = [Finding(severity="warning", kind="stale-source", page="", line=s["line"],
                        message=f"{s['doc']}:{s['line']}: stale or point-in-time source ({'; '.join(s['reasons'])})"
                                + ("; its text is left out of merged pages" if settings.draft.drop_stale else ""))
                for s in planned.stale]
    stale = frozenset(s["doc"] for s in planned.stale)
    for a in plan.aliases:
        findings.append(Finding(severity="warning", kind="alias", page="", line=None,
                                message=f"one thing under several names: use {a.preferred!r} for "
                                        + ", ".join(repr(t) for t in a.aliases) + " ("
                                        + "; ".join(f"{t}: {', '.join(ds)}" for t, ds in a.sources.items()) + ")"))
    for doc in sorted(residue):
        findings.append(Finding(severity="warning", kind="draft-residue", page="", line=1,
                                message=f"{doc}: written as instructions to a model, not documentation; "
                                        "left out of merged pages (its lines are dropped as draft-residue)"))
    memo = PageMemo(ctx.od.cache / "pages")
    drafts, dfs, usage = draft_for_run(review_decisions.without(plan, whole), chunks, docs, texts, llm,
                                       ctx.od.cache / "llm", ctx.od.state / "model_drafts", stale, settings.draft.drop_stale,
                                       _site_root(ctx), memo, make_executor(settings.run.executor))
    drafts, splits, sf = split_pages(drafts, settings.draft.max_page_words, {p.slug for p in plan.pages})
    findings += dfs + sf
    verdicts, vf = verdicts_for_run([c for d in drafts for c in d.conflicts], llm, ctx.od.cache / "llm")
    findings += vf
    historical = {p.file for p in plan.pages if p.historical}  # every source stale: not current docs
    drafts = [d.model_copy(update={"historical": True}) if d.file in historical or d.part_of in historical else d
              for d in drafts]
    order = expand_plan(plan, splits)  # each split page's parts right after it
    kept |= review_decisions.kept_pages(out, order.model_copy(update={"pages": tuple(p for s in splits for p in s.parts)}), docs)
    generated = generated_date()
    render = renderer(generated)
    pages = review_decisions.in_plan_order(order, {d.file: render(d) for d in drafts}, kept)
    assets = {rel: src for d in drafts for rel, src in d.assets}
    assets |= review_decisions.kept_assets(ctx.od.pages, ctx.od.load_stage("written", "pages") or [], kept)
    return Drafted(drafts, findings, usage, splits, verdicts, order, kept, pages, assets, generated,
                   {"merged": sorted(memo.reused.get("merge", [])), "rendered": sorted(memo.reused.get("page", []))})


def _save_draft(od: OutputDir, fp: str, v: Drafted) -> None:
    od.save_stage("draft", fp, {
        "drafts": (d.model_dump(mode="json") for d in v.drafts), "findings": _dump(v.findings),
        "usage": {n: asdict(u) for n, u in v.usage.items()},
        "splits": [{"page": s.page, "words": s.words, "parts": [p.model_dump(mode="json") for p in s.parts]} for s in v.splits],
        "verdicts": v.verdicts, "order": v.order.model_dump(mode="json"), "kept": v.kept, "pages": v.pages,
        "assets": v.assets, "generated": v.generated, "reused": v.reused})


def _load_draft(ctx: Context, fp: str) -> Drafted | None:
    from consolidate.llm.usage import PageUsage
    from consolidate.records import DraftPage, PagePlan, Plan
    from consolidate.stages.split import Split

    od = ctx.od
    s = od.load_stage("draft", fp)
    if s is None:
        return None
    return Drafted([DraftPage.model_validate(d) for d in s["drafts"]], _load(s["findings"]),
                   {n: PageUsage(**u) for n, u in s["usage"].items()},
                   [Split(x["page"], x["words"], tuple(PagePlan.model_validate(p) for p in x["parts"])) for x in s["splits"]],
                   s["verdicts"], Plan.model_validate(s["order"]), s["kept"], s["pages"], s["assets"], s["generated"], s["reused"])


# ---------------------------------------------------------------------------------------------
# check


def _check(ctx: Context) -> Checked:
    from consolidate import decisions as review_decisions
    from consolidate.checks.citations import SourceIndex
    from consolidate.checks.ledger import make_ledger
    from consolidate.checks.links import input_urls
    from consolidate.stages.check import check_pages
    from consolidate.records import Finding
    from consolidate.stages.draft_model import strict_filter
    from consolidate.stages.page_memo import PageMemo

    d: Drafted = ctx["draft"]
    docs, texts, chunks, planned = ctx["ingest"].docs, ctx["read"].texts, ctx["chunk"].chunks, ctx["plan"]
    index = SourceIndex(chunks, texts)
    urls = input_urls(docs, texts)
    drafts, pages, findings, dropped = d.drafts, d.pages, [], []
    memo = PageMemo(ctx.od.cache / "pages")
    digests = {x.path: x.sha256 for x in docs}

    def check(p: dict[str, str], memo: PageMemo | None = None, parsed: dict | None = None):
        return check_pages(p, index, urls, set(d.assets), conflicts={x.file: list(x.conflicts) for x in drafts},
                           site_root=_site_root(ctx), memo=memo, doc_digests=digests, parsed=parsed)

    if ctx.settings.llm.strict:  # drop model sentences the checker does not support, then check what is left
        render = renderer(d.generated)
        drafts, dropped = strict_filter(drafts, render, lambda p: check(p)[0])
        pages = review_decisions.in_plan_order(d.order, {x.file: render(x) for x in drafts}, d.kept)
        findings += [Finding(severity="warning", kind="unsupported-removed", page=x["page"],
                             message=f"--strict dropped {x['text'][:80]!r}: {x['message']}") for x in dropped]
    parsed: dict = {}  # the pages the checker parses, which the ledger reads too
    cf, claims = check(pages, memo, parsed)
    findings += cf
    ledger, lf = make_ledger(planned.plan, chunks, docs, texts, drafts, pages, planned.residue,
                             {s.page: [p.file for p in s.parts] for s in d.splits}, parsed)
    findings += lf
    # the ledger is this stage's output file, written as it is encoded (on the large tree ledger.json
    # is 192 MB, many times that as Python objects); the run keeps only the coverage report.json reads
    digest = write_json(ctx.od.root / "ledger.json", ledger, digest=True)
    coverage = _coverage(ledger)
    del ledger
    return Checked(drafts, pages, findings, claims, coverage, dropped,
                   {"checked": sorted(memo.reused.get("checked", []))}, digest)


def _coverage(ledger: dict) -> dict:
    """What report.json reads of the ledger: the run's coverage and each page's."""
    return {"coverage": ledger.get("coverage", {}),
            "pages": {n: {"coverage": p.get("coverage")} for n, p in ledger.get("pages", {}).items()}}


def _save_check(od: OutputDir, fp: str, v: Checked) -> None:
    """The ledger was saved once, as OUT/ledger.json (its sha256 is kept here, so a ledger changed since
    is made again). Drafts and pages are saved only when --strict changed them (else they are the
    draft stage's)."""
    strict = bool(v.dropped)
    od.save_stage("check", fp, {"drafts": (d.model_dump(mode="json") for d in v.drafts) if strict else None,
                                "pages": v.pages if strict else None, "findings": _dump(v.findings), "claims": v.claims,
                                "ledger_sha256": v.ledger_sha256, "coverage": v.ledger,
                                "dropped": v.dropped, "reused": v.reused})


def _load_check(ctx: Context, fp: str) -> Checked | None:
    from consolidate.records import DraftPage

    od = ctx.od
    s = od.load_stage("check", fp)
    if s is None:
        return None
    if _file_digest(od.root / "ledger.json") != s["ledger_sha256"]:
        return None  # the ledger was changed or removed since: the check is made again
    draft = ctx["draft"] if s["drafts"] is None else None
    drafts = [DraftPage.model_validate(d) for d in s["drafts"]] if s["drafts"] is not None else draft.drafts
    return Checked(drafts, s["pages"] if s["pages"] is not None else draft.pages, _load(s["findings"]), s["claims"],
                   s["coverage"], s["dropped"], s["reused"], s["ledger_sha256"])


# ---------------------------------------------------------------------------------------------
# write


@dataclass
class _Run:
    """What build_report reads."""

    docs: list
    chunks: list
    topics: list
    plan: Plan
    findings: list[Finding]
    stale: list[dict] | None
    reused: list[str]
    timings: dict


def before_draft(ctx: Context) -> list[Finding]:
    """The findings of ingest, chunk and plan (or, for a resumed run, the ones it was given), in order."""
    if "findings" in ctx.options:
        return list(ctx.options["findings"])
    return ctx["ingest"].findings + ctx["chunk"].findings + ctx["plan"].findings


def _write(ctx: Context) -> Written:
    from consolidate import decisions as review_decisions
    from consolidate.review import review_files
    from consolidate.stages.draft_edits import edits_summary
    from consolidate.stages.draft_model import usage_totals
    from consolidate.stages.split import part_details, splits_json
    from consolidate.stages.write import write_outputs, write_pages

    od, out = ctx.od, ctx.od.root
    d: Drafted = ctx["draft"]
    c: Checked = ctx["check"]
    planned, texts = ctx["plan"], ctx["read"].texts
    findings = before_draft(ctx) + d.findings + c.findings
    prev = od.load_stage("written", "pages") or []
    rows = _dump(findings)
    review = review_files(list(c.pages.items()), texts, rows)  # made as they are written
    with synced_once():  # thousands of files: one sync, then each renamed into place
        written = write_pages(od.pages, c.pages, d.assets, prev)
        write_json(od.state / "findings.json", rows)  # ledger.json: written by the check stage
        reviewed = write_outputs(out, planned.plan, review, splits_json(d.splits))
    od.save_stage("written", "pages", written)
    run = _Run(ctx["ingest"].docs, ctx["chunk"].chunks, ctx["cluster"], planned.plan, findings, planned.stale, [], {})
    from consolidate.embedders import make_embedder

    embedder = "" if "findings" in ctx.options else make_embedder(ctx.settings.embed.kind).model_id
    report = build_report(run, c.drafts, c.claims, d.generated, c.ledger) | {
        "embedder": embedder, "skipped": not_used(ctx["ingest"].skipped, d.assets), "verdicts": d.verdicts}
    report |= usage_totals(d.usage) | {"strict_dropped": c.dropped, "split": [s.as_json() for s in d.splits],
                                       "llm_mode": ctx.settings.llm.mode, "model_edits": edits_summary(c.drafts)}
    for name, u in d.usage.items():
        report["page_details"].get(name, {}).update(u.as_dict())
    part_details(report["page_details"], d.splits)
    if d.kept:
        report["page_details"] |= review_decisions.kept_details(d.order, d.kept, findings, c.claims)
        report["pages"] += len(set(d.kept) - {x.file for x in c.drafts})
    files = [f"pages/{p}" for p in written] + ["ledger.json", "redirects.json", "redirects.yml", "plan.json"] + sorted(reviewed)
    return Written(report, rows, {f: _stat(out / f) for f in files})


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def _save_write(od: OutputDir, fp: str, v: Written) -> None:
    od.save_stage("write", fp, {"files": v.files})


def _load_write(ctx: Context, fp: str) -> Written | None:
    od = ctx.od
    s = od.load_stage("write", fp)
    if s is None or not (od.root / "report.json").is_file():
        return None
    return Written(read_json(od.root / "report.json"), read_json(od.state / "findings.json"), s["files"])


def _intact(od: OutputDir, fp: str) -> bool:
    """Every file the saved write made is still there as it was written (size and mtime), and report.json too."""
    s = od.load_stage("write", fp)
    return s is not None and (od.root / "report.json").is_file() and (od.state / "findings.json").is_file() \
        and all(_stat(od.root / f) == st for f, st in s["files"].items())


def final_report(ctx: Context) -> dict:
    """report.json: the write stage's report with this run's reused stages and timings; written last."""
    report = dict(ctx["write"].report)
    report["reused_stages"] = list(ctx.reused)
    every = sorted(report.get("page_details", {}))
    report["reused_pages"] = {kind: every if stage in ctx.reused else ctx[stage].reused.get(kind, [])
                              for stage, kind in (("draft", "merged"), ("draft", "rendered"), ("check", "checked"))}
    report["timings"] = dict(ctx.timings)
    write_json(ctx.od.root / "report.json", report)
    return report


def not_used(skipped: list[dict], assets: dict[str, str]) -> list[dict]:
    """The files not read that no page uses as an asset: {path, reason} (report.json `skipped`)."""
    used = {str(Path(a).resolve()) for a in assets.values()}
    return [{"path": e["path"], "reason": e["reason"]} for e in skipped if str(Path(e["file"]).resolve()) not in used]


def build_report(run: "_Run", drafts: list[DraftPage], claims: dict[str, int], generated: str,
                 ledger: dict | None = None) -> dict:
    findings = sorted(run.findings, key=lambda f: (f.severity != "error", f.page, f.line or 0, f.kind, f.message))
    per_page = {}
    for d in drafts:
        name = d.file
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
        "documents": len(run.docs),
        "chunks": len(run.chunks),
        "topics": len(run.topics),
        "pages": len(drafts),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "findings": [f.model_dump(mode="json", exclude_none=True) for f in findings],
        "page_details": per_page,
        "topic_details": [{"id": t.id, "label": t.label, "chunks": len(t.chunk_ids), "documents": list(t.documents),
                           "duplicate_groups": [list(g) for g in t.duplicate_groups], "attached_chunks": len(t.attached)}
                          for t in run.topics],
        "coverage": (ledger or {}).get("coverage", {}),
        "conflicts": [dict(c.model_dump(mode="json"), page=d.file, topic=d.topic,
                           silently_resolved=any(c.id in m for m in silent.get(d.file, ())))
                      for d in drafts for c in d.conflicts],
        "stale": run.stale,
        "historical_pages": [p.file for p in run.plan.pages if p.historical] if run.plan else [],
        "aliases": [a.model_dump(mode="json") for a in run.plan.aliases] if run.plan else [],
        "reused_stages": run.reused,
        "timings": run.timings,
    }


def register_stages() -> None:
    before = ("read", "ingest", "chunk", "plan")
    register(Stage("draft", _draft, inputs=before, config=_draft_config, save=_save_draft, load=_load_draft,
                   count=lambda v: len(v.drafts)))
    register(Stage("check", _check, inputs=before + ("draft",), config=lambda ctx: [str(_site_root(ctx)), ctx.settings.llm.strict],
                   save=_save_check, load=_load_check, count=lambda v: len(v.pages)))
    register(Stage("write", _write, inputs=before + ("cluster", "draft", "check"), config=lambda ctx: "findings" in ctx.options,
                   save=_save_write, load=_load_write, intact=_intact, count=lambda v: len(v.files)))
