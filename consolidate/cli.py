"""The command line: thin wrappers over consolidate.pipeline and consolidate.readback. With cli_links.py (the link check,
which a plain `check TREE --links-only` reaches without typer), the only place that prints or exits.

Each command imports the pipeline itself, so `check --links-only` does not pay for numpy and scipy.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from consolidate import __version__
from consolidate.cli_run import run_command
from consolidate.cli_links import DEFAULT_FAIL_ON, DEFAULT_SITE, FAIL_ON, SEVERITY_RANK, links_only as links_only_check
from consolidate.errors import ConsolidateError, UsageError


class _OneLineErrors(typer.core.TyperGroup):
    """A bad command line (unknown option, bad value, missing argument) is one line on stderr and exit 2,
    as ConsolidateError is: `error: Invalid value for '--port': ...; see 'consolidate review --help'`."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        except typer.TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption, ...
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":  # `consolidate` alone: the help
                exc.show()
            else:
                hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
                typer.echo(f"error: {' '.join(exc.format_message().split()).rstrip('.')}{hint}", err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)


app = typer.Typer(cls=_OneLineErrors, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Merge an overlapping docs tree into fewer pages whose every fact is cited.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"consolidate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", help="Print the version and exit.", callback=_version,
                                                is_eager=True)] = False) -> None:
    """Merge an overlapping docs tree into fewer pages whose every fact is cited."""

Roots = Annotated[list[Path], typer.Argument(help="One or more docs folders.", show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; must be empty or a previous run's).")]
Config = Annotated[Optional[Path], typer.Option("--config", help="consolidate.toml (default: the nearest one in this folder or above).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress (bars on a terminal, else a line per stage and every 10 s).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the run summary (with --dry-run: the estimate) as JSON (stdout).")]
BackendOpt = Annotated[Optional[str], typer.Option("--backend", help="Drafting backend: auto (default), openai, local, extractive.", show_default=False)]
BaseUrl = Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (else OPENAI_BASE_URL).", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model name (else OPENAI_MODEL / llm.model).", show_default=False)]
Strict = Annotated[bool, typer.Option("--strict", help="Drop model sentences the checker finds unsupported; list them in report.json.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the estimated model calls, tokens and cost; call no model, write no pages.")]
MaxCost = Annotated[Optional[float], typer.Option("--max-cost", help="Stop calling the model before spending more than this (USD).", show_default=False)]
FollowLinks = Annotated[Optional[list[Path]], typer.Option("--follow-links-into", help="Also follow symlinks under the docs folders that lead into this folder (ingest.follow_links_into; repeatable).", show_default=False)]
Concurrency = Annotated[Optional[int], typer.Option("--concurrency", help="Pages drafted at once (llm.concurrency).", show_default=False)]
ExecutorOpt = Annotated[Optional[str], typer.Option("--executor", help="Who embeds, drafts and checks: local (default, this process) or ray (a local Ray instance; pip install 'consolidate[ray]'); same bytes out (run.executor).", show_default=False)]
SiteRoot = Annotated[Optional[Path], typer.Option("--root-dir", "--site-root", help="Folder that root-relative links (/docs/install/) map to, to verify them (links.site_root; lychee's --root-dir); unset, they are kept unverified.", show_default=False)]


def _ingest_overrides(follow: list[Path] | None) -> dict:
    return {"ingest": {"follow_links_into": [str(p) for p in follow]}} if follow else {}


def _llm_overrides(backend, base_url, model, strict, max_cost, concurrency, site_root=None) -> dict:
    llm = {"backend": backend, "base_url": base_url, "model": model, "max_cost": max_cost, "concurrency": concurrency}
    llm = {k: v for k, v in llm.items() if v is not None}
    if strict:
        llm["strict"] = True
    return ({"llm": llm} if llm else {}) | _links_overrides(site_root)


def _run_overrides(executor: str | None) -> dict:
    return {"run": {"executor": executor}} if executor is not None else {}


def _links_overrides(site_root: Path | None) -> dict:
    return {"links": {"site_root": str(site_root)}} if site_root is not None else {}


def load_settings(*args, **kwargs):
    """consolidate.settings, imported when a command needs it (pydantic is not free to import)."""
    from consolidate.settings import load_settings as load
    return load(*args, **kwargs)


def _fail(exc: ConsolidateError) -> None:
    err.print(f"error: {exc}", markup=False, highlight=False)
    raise typer.Exit(exc.exit_code)


def _progress(quiet: bool):
    from consolidate.progress import reporter
    return reporter(quiet, err)


def _summary(res, started: float, config: Path | None, as_json: bool) -> None:
    from consolidate.summary import write_summary

    write_summary(res, time.perf_counter() - started, config, as_json)


@app.command()
def run(roots: Roots, out_dir: OutDir = Path("output"), config: Config = None, quiet: Quiet = False,
        plan: Annotated[Optional[Path], typer.Option("--plan", help="Use this (edited) plan.json instead of computing one.")] = None,
        backend: BackendOpt = None, base_url: BaseUrl = None, model: ModelOpt = None, strict: Strict = False,
        dry_run: DryRun = False, max_cost: MaxCost = None, concurrency: Concurrency = None, site_root: SiteRoot = None,
        follow_links_into: FollowLinks = None, executor: ExecutorOpt = None, as_json: AsJson = False) -> None:
    """Run everything: ingest, chunk, embed, cluster, plan, draft, check, write."""
    overrides = (_llm_overrides(backend, base_url, model, strict, max_cost, concurrency, site_root)
                 | _ingest_overrides(follow_links_into) | _run_overrides(executor))
    if not dry_run:  # as a plain `run` that skips typer does it (cli_run.py)
        raise typer.Exit(run_command(roots, out_dir, config, quiet, as_json, overrides, plan, _progress(quiet), _fail))
    from consolidate import pipeline

    try:
        settings = load_settings(config, overrides)
        with _progress(quiet) as bars:
            res, texts = pipeline.prepare(roots, out_dir, settings, bars, plan_file=plan)
            _print_estimate(pipeline.estimate_run(res, texts, settings), as_json)
    except ConsolidateError as exc:
        _fail(exc)


@app.command("plan")
def plan_cmd(roots: Roots, out_dir: OutDir = Path("output"), config: Config = None, quiet: Quiet = False,
             follow_links_into: FollowLinks = None) -> None:
    """Ingest, chunk, embed, cluster and write OUT/plan.json for editing (no pages)."""
    from consolidate import pipeline

    try:
        with _progress(quiet) as bars:
            res, _ = pipeline.prepare(roots, out_dir, load_settings(config, _ingest_overrides(follow_links_into)), bars)
    except ConsolidateError as exc:
        _fail(exc)
    out.print(f"{len(res.docs)} documents -> {len(res.topics)} topics -> {len(res.plan.pages)} planned pages: "
              f"{out_dir / 'plan.json'} (edit it, then `consolidate draft --out {out_dir}`)", highlight=False)
    for f in res.findings:
        if f.severity == "warning" and f.kind == "skipped-file":
            err.print(f"warning: {f.message}", markup=False, highlight=False)


def _print_estimate(e: dict, as_json: bool = False) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"dry_run": True} | e, indent=2) + "\n")
        return
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
          max_cost: MaxCost = None, concurrency: Concurrency = None, site_root: SiteRoot = None,
          executor: ExecutorOpt = None, as_json: AsJson = False) -> None:
    """Draft, check and write pages from a previous run's artifacts and its (edited) plan."""
    started = time.perf_counter()
    from consolidate import pipeline

    try:
        settings = load_settings(config, _llm_overrides(backend, base_url, model, strict, max_cost, concurrency, site_root)
                                 | _run_overrides(executor))
        res, texts = pipeline.resume_from_state(out_dir, plan)
        with _progress(quiet) as bars:
            res = pipeline.finish(res, texts, bars, settings)
    except ConsolidateError as exc:
        _fail(exc)
    _summary(res, started, config, as_json)
    raise typer.Exit(1 if res.errors else 0)




@app.command()
def check(target: Annotated[Path, typer.Argument(help="A run's output folder, or any folder of markdown pages.")] = Path("output"),
          sources: Annotated[Optional[list[Path]], typer.Option("--sources", "-s", help="Source folder(s) the pages were merged from (for a folder that is not a run's output).")] = None,
          site: Annotated[str, typer.Option("--site", help="Anchor rules: github, mkdocs, docusaurus or starlight.")] = DEFAULT_SITE,
          fail_on: Annotated[str, typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe: error, warning or never.")] = DEFAULT_FAIL_ON,
          inbound: Annotated[Optional[Path], typer.Option("--inbound", help="Also list links in this docs tree that point at retired pages, with their rewrite.")] = None,
          links_only: Annotated[bool, typer.Option("--links-only", help="Only links and anchors, in any markdown tree (fast; no sources needed).")] = False,
          config: Config = None, site_root: SiteRoot = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False) -> None:
    """Check pages: citations, facts, support and links. Exit 0 clean, 1 findings at --fail-on or above, 2 usage error."""
    try:
        if fail_on not in FAIL_ON:
            raise UsageError(f"--fail-on {fail_on}: unknown; choose error, warning or never")
        _check_site(site)
        if links_only:
            raise typer.Exit(links_only_check(target, site, fail_on, as_json, site_root))
        from consolidate import readback

        settings = load_settings(config, _links_overrides(site_root))
        if sources:
            findings, claims = readback.check_standalone(target, sources, settings, site)
        else:
            findings, claims = readback.check_only(target, site, settings)
        if inbound is not None:
            findings += readback.inbound_links(target, inbound, settings)
    except ConsolidateError as exc:
        _fail(exc)
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if as_json:
        out.print_json(json.dumps({"pages": len(claims), "claims": sum(claims.values()), "errors": errors, "warnings": warnings,
                                   "findings": [f.model_dump(mode="json", exclude_none=True) for f in findings]}))
    else:
        for f in findings:
            out.print(f"{f.severity}: {f.message}", markup=False, highlight=False)
        out.print(f"{len(claims)} pages, {sum(claims.values())} claims checked: {errors} errors, {warnings} warnings", highlight=False)
    worst = max((SEVERITY_RANK.get(f.severity, 0) for f in findings), default=0)
    raise typer.Exit(1 if worst >= FAIL_ON[fail_on] else 0)


def _check_site(site: str) -> None:
    from consolidate.markdown.slugs import STYLES
    if site not in STYLES:
        raise UsageError(f"--site {site}: unknown; choose one of {', '.join(STYLES)}")


@app.command()
def review(out_dir: Annotated[Path, typer.Argument(help="A run's output folder.")] = Path("output"),
           static: Annotated[bool, typer.Option("--static", help="Only rebuild OUT/review.html (no server).")] = False,
           port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).", min=0, max=65535)] = 0,
           no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a browser.")] = False) -> None:
    """Review a run in the browser (accept, reject, edit); --static rebuilds OUT/review.html instead."""
    from consolidate import readback

    try:
        if static:
            out.print(f"wrote {readback.review_only(out_dir)}", highlight=False)
            return
        from consolidate.fsio import confined
        from consolidate.web.app import serve

        with confined(out_dir):
            serve(out_dir, port, not no_open, lambda url: out.print(f"reviewing {out_dir} at {url} (Ctrl-C to stop)", highlight=False))
    except ConsolidateError as exc:
        _fail(exc)


@app.command()
def publish(out_dir: Annotated[Path, typer.Argument(help="A reviewed run's output folder.")],
            to: Annotated[Path, typer.Option("--to", help="The docs site folder to publish into.")],
            site: Annotated[str, typer.Option("--site", help="mkdocs, docusaurus or starlight.")] = "mkdocs",
            dry_run: Annotated[bool, typer.Option("--dry-run", help="List every file it would touch; change nothing.")] = False,
            force: Annotated[bool, typer.Option("--force", help="Overwrite or delete files it did not write.")] = False) -> None:
    """Write accepted pages, the redirect file and rewritten inbound links into a docs site."""
    from consolidate.publish import publish as do_publish

    try:
        result = do_publish(out_dir, to, site, dry_run=dry_run, force=force)
    except ConsolidateError as exc:
        _fail(exc)
    for line in result.lines():
        out.print(line, markup=False, highlight=False)
    if not result.pages:
        err.print(f"error: nothing to publish: no page of {out_dir} is accepted; accept pages with "
                  f"`consolidate accept {out_dir} --all --only-clean` or `consolidate review {out_dir}`", markup=False, highlight=False)
        raise typer.Exit(1)


@app.command()
def accept(out_dir: Annotated[Path, typer.Argument(help="A run's output folder.")],
           pages: Annotated[Optional[list[str]], typer.Argument(help="Page files to accept (e.g. quickstart.md).", show_default=False)] = None,
           every: Annotated[bool, typer.Option("--all", help="Accept every page.")] = False,
           only_clean: Annotated[bool, typer.Option("--only-clean", help="Only pages with 0 checker errors.")] = False) -> None:
    """Accept pages without the browser: the same decision as the review app's Accept (OUT/review.json)."""
    from consolidate.accept import accept as do_accept

    try:
        result = do_accept(out_dir, list(pages or []), every, only_clean)
    except ConsolidateError as exc:
        _fail(exc)
    for line in result.lines():
        out.print(line, markup=False, highlight=False)


@app.command("eval")
def eval_cmd(fixtures: Annotated[Path, typer.Option("--fixtures", help="Fixture folders, each with gold.json.")] = Path("eval/fixtures"),
             cases: Annotated[Optional[Path], typer.Option("--cases", help="Real cases (<case>/before, after); default ../shared/corpora/real when present.", show_default=False)] = None,
             backends: Annotated[str, typer.Option("--backends", help="Comma-separated: extractive, local, openai (default: all, the local model on the fixtures only; those that cannot run here are reported as skipped).", show_default=False)] = "",
             labels: Annotated[Path, typer.Option("--labels", help="Hand-resolved labels of the real cases, one <case>.json each.")] = Path("eval/cases"),
             only: Annotated[str, typer.Option("--only", help="Comma-separated fixture or case names to run (default: all).", show_default=False)] = "",
             out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where latest.json, latest.md and latest.html go.")] = Path("eval/results"),
             work: Annotated[Path, typer.Option("--work", help="Where each run is kept (rerunnable, reviewable; model replies cached).")] = Path("eval/out"),
             fresh: Annotated[bool, typer.Option("--fresh", help="Delete each kept run first, model replies included (the model is asked again).")] = False,
             config: Config = None,
             write_baseline: Annotated[bool, typer.Option("--write-baseline", help="Record these extractive fixture numbers as eval/results/baseline.json (a reviewed change).")] = False) -> None:
    """Score merges against gold fixtures and real consolidations; one table for every backend."""
    from consolidate.evaluate.main import eval_command

    try:
        text = eval_command(fixtures, cases, backends, out_dir, config, write_baseline,
                            lambda m: err.print(m, markup=False, highlight=False), work, only, fresh, labels)
    except ConsolidateError as exc:
        _fail(exc)
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    app()
