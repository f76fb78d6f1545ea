"""The command line: thin wrappers over consolidate.pipeline. The only place that prints or exits."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from consolidate import pipeline
from consolidate.errors import ConsolidateError
from consolidate.records import Finding
from consolidate.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Merge an overlapping docs tree into fewer pages whose every fact is cited.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

Roots = Annotated[list[Path], typer.Argument(help="One or more docs folders.", show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; must be empty or a previous run's).")]
Config = Annotated[Optional[Path], typer.Option("--config", help="consolidate.toml (default: ./consolidate.toml if present).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
BackendOpt = Annotated[Optional[str], typer.Option("--backend", help="Drafting backend: auto (default), openai, local, extractive.", show_default=False)]
BaseUrl = Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (else OPENAI_BASE_URL).", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model name (else OPENAI_MODEL / llm.model).", show_default=False)]
Strict = Annotated[bool, typer.Option("--strict", help="Drop model sentences the checker finds unsupported; list them in report.json.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the estimated model calls, tokens and cost; call no model, write no pages.")]
MaxCost = Annotated[Optional[float], typer.Option("--max-cost", help="Stop calling the model before spending more than this (USD).", show_default=False)]
Concurrency = Annotated[Optional[int], typer.Option("--concurrency", help="Pages drafted at once (llm.concurrency).", show_default=False)]


def _llm_overrides(backend, base_url, model, strict, max_cost, concurrency) -> dict:
    llm = {"backend": backend, "base_url": base_url, "model": model, "max_cost": max_cost, "concurrency": concurrency}
    llm = {k: v for k, v in llm.items() if v is not None}
    if strict:
        llm["strict"] = True
    return {"llm": llm} if llm else {}


def _fail(exc: ConsolidateError) -> None:
    err.print(f"error: {exc}", markup=False, highlight=False)
    raise typer.Exit(exc.exit_code)


class _Bars:
    def __init__(self, quiet: bool):
        self.quiet = quiet or not sys.stderr.isatty()
        self.progress = Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err, transient=True, disable=self.quiet)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or 1)
        self.progress.update(self.tasks[stage], completed=done, total=total or 1)


def _summary(res: pipeline.RunResult, started: float) -> None:
    r = res.report
    errors = r.get("errors", 0)
    out.print(f"{r.get('documents', 0)} documents -> {r.get('chunks', 0)} chunks -> {r.get('topics', 0)} topics -> "
              f"{r.get('pages', 0)} pages in {res.out / 'pages'}", highlight=False)
    out.print(f"findings: {errors} errors, {r.get('warnings', 0)} warnings (report.json, review.html); "
              f"{time.perf_counter() - started:.1f}s" + (f"; reused: {', '.join(res.reused)}" if res.reused else ""),
              highlight=False)
    details = r.get("page_details", {}).values()
    by = sorted({(d.get("backend", ""), d.get("reason", "")) for d in details})
    for backend, reason in by:
        n = sum(d.get("backend") == backend and d.get("reason") == reason for d in details)
        out.print(f"drafted by {backend}: {n} pages ({reason})", markup=False, highlight=False)
    if r.get("model_calls") or r.get("cache_hits"):
        out.print(f"model: {r.get('model_calls', 0)} calls, {r.get('cache_hits', 0)} cache hits, {r.get('tokens_in', 0)} tokens in, "
                  f"{r.get('tokens_out', 0)} out, cost {r.get('cost', 0):.4f} USD", highlight=False)
    for f in [f for f in res.findings if f.severity == "error"][:10]:
        err.print(f"error: {f.message}", markup=False, highlight=False)


@app.command()
def run(roots: Roots, out_dir: OutDir = Path("output"), config: Config = None, quiet: Quiet = False,
        plan: Annotated[Optional[Path], typer.Option("--plan", help="Use this (edited) plan.json instead of computing one.")] = None,
        backend: BackendOpt = None, base_url: BaseUrl = None, model: ModelOpt = None, strict: Strict = False,
        dry_run: DryRun = False, max_cost: MaxCost = None, concurrency: Concurrency = None) -> None:
    """Run everything: ingest, chunk, embed, cluster, plan, draft, check, write."""
    started = time.perf_counter()
    try:
        settings = load_settings(config, _llm_overrides(backend, base_url, model, strict, max_cost, concurrency))
        with _Bars(quiet) as bars:
            if dry_run:
                res, texts = pipeline.prepare(roots, out_dir, settings, bars, plan_file=plan)
                _print_estimate(pipeline.estimate_run(res, texts, settings))
                raise typer.Exit(0)
            res = pipeline.run(roots, out_dir, settings, bars, plan_file=plan)
    except ConsolidateError as exc:
        _fail(exc)
    _summary(res, started)
    raise typer.Exit(1 if res.errors else 0)


@app.command("plan")
def plan_cmd(roots: Roots, out_dir: OutDir = Path("output"), config: Config = None, quiet: Quiet = False) -> None:
    """Ingest, chunk, embed, cluster and write OUT/plan.json for editing (no pages)."""
    try:
        with _Bars(quiet) as bars:
            res, _ = pipeline.prepare(roots, out_dir, load_settings(config), bars)
    except ConsolidateError as exc:
        _fail(exc)
    out.print(f"{len(res.docs)} documents -> {len(res.topics)} topics -> {len(res.plan.pages)} planned pages: "
              f"{out_dir / 'plan.json'} (edit it, then `consolidate draft --out {out_dir}`)", highlight=False)
    for f in res.findings:
        if f.severity == "warning" and f.kind == "skipped-file":
            err.print(f"warning: {f.message}", markup=False, highlight=False)


def _print_estimate(e: dict) -> None:
    out.print(f"dry run: {e['pages']} pages by {e['backend']}" + (f" ({e['model']})" if e.get("model") else "")
              + f": {e['model_calls']} model calls ({e['cache_hits']} answered from the cache), "
              f"~{e['tokens_in']} tokens in, ~{e['tokens_out']} tokens out, ~{e['cost']:.4f} USD; no model was called",
              highlight=False)
    if e.get("reason"):
        out.print(f"backend: {e['reason']}", markup=False, highlight=False)


@app.command()
def draft(out_dir: OutDir = Path("output"), quiet: Quiet = False, config: Config = None,
          plan: Annotated[Optional[Path], typer.Option("--plan", help="Plan file (default: OUT/plan.json).")] = None,
          backend: BackendOpt = None, base_url: BaseUrl = None, model: ModelOpt = None, strict: Strict = False,
          max_cost: MaxCost = None, concurrency: Concurrency = None) -> None:
    """Draft, check and write pages from a previous run's artifacts and its (edited) plan."""
    started = time.perf_counter()
    try:
        settings = load_settings(config, _llm_overrides(backend, base_url, model, strict, max_cost, concurrency))
        res, texts = pipeline.resume_from_state(out_dir, plan)
        with _Bars(quiet) as bars:
            res = pipeline.finish(res, texts, bars, settings)
    except ConsolidateError as exc:
        _fail(exc)
    _summary(res, started)
    raise typer.Exit(1 if res.errors else 0)


@app.command()
def check(out_dir: Annotated[Path, typer.Argument(help="A run's output folder.")] = Path("output"),
          as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False) -> None:
    """Check a run's pages again: citations, facts and links. Exit 1 on any error."""
    try:
        findings, claims = pipeline.check_only(out_dir)
    except ConsolidateError as exc:
        _fail(exc)
    errors = [f for f in findings if f.severity == "error"]
    if as_json:
        out.print_json(json.dumps({"pages": len(claims), "claims": sum(claims.values()), "errors": len(errors),
                                   "findings": [f.model_dump(mode="json", exclude_none=True) for f in findings]}))
    else:
        for f in findings:
            out.print(f"{f.severity}: {f.message}", markup=False, highlight=False)
        out.print(f"{len(claims)} pages, {sum(claims.values())} claims checked: {len(errors)} errors", highlight=False)
    raise typer.Exit(1 if errors else 0)


@app.command()
def review(out_dir: Annotated[Path, typer.Argument(help="A run's output folder.")] = Path("output")) -> None:
    """Rebuild OUT/review.html from a run's pages, sources and findings."""
    try:
        path = pipeline.review_only(out_dir)
    except ConsolidateError as exc:
        _fail(exc)
    out.print(f"wrote {path}", highlight=False)


def main() -> None:
    app()
