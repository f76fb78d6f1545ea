"""`consolidate run ROOT... [--out DIR] [-q] [--json] [--config FILE]`: the run, and a start that skips typer.

An unchanged rerun reuses every stage, so what it costs is Python's start and its imports, and
typer and rich (importing them, and building a validator for every option) cost more than all
the rest; so does pydantic, which such a rerun does not import: it reads the settings the last
run validated from the same sources (config.py) and its saved results as JSON. So the
`consolidate` entry point (consolidate/__main__.py) offers its command line to `fast_main` after
the link check's (cli_links.py): a plain `run` with only these options, quiet or with stderr not
a terminal (progress lines; bars are rich's), runs here; any other command line returns and goes
to the typer app (consolidate/cli.py), whose `run` calls `run_command` too and names a bad option.
Both print the same summary (summary.write_summary).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from consolidate.cli_args import plain_options
from consolidate.errors import ConsolidateError

_VALUED = {"--out": "out", "-o": "out", "--config": "config"}
_FLAGS = {"--quiet": "quiet", "-q": "quiet", "--json": "as_json"}


def parse(argv: list[str], stderr_is_terminal: bool | None = None) -> dict | None:
    """The options of a plain `run ROOT... [--out DIR] [-q] [--json] [--config FILE]`; None for any other."""
    if not argv or argv[0] != "run":
        return None
    opts: dict = {"out": "output", "config": None, "quiet": False, "as_json": False}
    opts["roots"] = plain_options(argv[1:], _VALUED, _FLAGS, opts)
    if opts["roots"] is None:
        return None
    terminal = sys.stderr.isatty() if stderr_is_terminal is None else stderr_is_terminal
    if not opts["roots"] or (terminal and not opts["quiet"]):
        return None
    return opts


def run_command(roots: list[Path], out_dir: Path, config: Path | None, quiet: bool, as_json: bool,
                overrides: dict | None = None, plan: Path | None = None, progress=None,
                fail: Callable[[ConsolidateError], int] | None = None) -> int:
    """`consolidate run`: the run, then its summary; the exit code (1 when the checker found errors).
    progress: the reporter to use (default: progress.reporter's for this stderr); fail: what to do
    with an error (default: `error: ...` on stderr, its exit code)."""
    started = time.perf_counter()
    from consolidate import pipeline
    from consolidate.config import read_sources
    from consolidate.progress import reporter
    from consolidate.runner import CODE
    from consolidate.state import OutputDir
    from consolidate.summary import write_summary

    try:
        sources = read_sources(config, overrides or {})
        saved = sources.saved(OutputDir(out_dir), CODE)  # the last run's here, validated from the same sources
        settings = saved or sources.validate()
        with progress if progress is not None else reporter(quiet, None) as bars:
            res = pipeline.run(roots, out_dir, settings, bars, plan_file=plan)
        if saved is None:
            sources.save(res.ctx.od, CODE, settings)
    except ConsolidateError as exc:
        if fail is not None:
            return fail(exc)
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    write_summary(res, time.perf_counter() - started, config, as_json)
    return 1 if res.errors else 0


def fast_main(argv: list[str]) -> None:
    """Run a plain `run` and exit; return for any other command line."""
    opts = parse(argv)
    if opts is None:
        return
    sys.exit(run_command([Path(r) for r in opts["roots"]], Path(opts["out"]),
                         Path(opts["config"]) if opts["config"] else None, opts["quiet"], opts["as_json"]))
