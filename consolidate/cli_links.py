"""`consolidate check TREE --links-only`: the command, and a start that skips typer.

Typer builds a pydantic validator for every option it parses: 0.15 s of CPU before any work, and
more on a busy machine, where the link check is meant to be as quick as lychee. So the
`consolidate` entry point (consolidate/__main__.py) first offers its command line to `fast_main`,
which takes only a plain `check TREE --links-only [--json] [--site S] [--fail-on F] [--root-dir
DIR]` with values it accepts, and otherwise returns: -h, any other option, a bad value or another
command goes to the typer app (consolidate/cli.py), which runs this same check and names errors.
Output is written plainly: thousands of findings through rich would cost more than the check.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from consolidate.cli_args import plain_options
from consolidate.errors import ConsolidateError, UsageError
from consolidate.markdown.slugs import STYLES

SEVERITY_RANK = {"warning": 1, "error": 2}
FAIL_ON = {"error": 2, "warning": 1, "never": 3}  # --fail-on: exit 1 from this severity rank up ("never": none)
DEFAULT_SITE = "github"
DEFAULT_FAIL_ON = "error"


def links_only(target: Path, site: str, fail_on: str, as_json: bool, site_root: Path | None = None) -> int:
    """Check the tree's links and anchors, print the findings; the exit code."""
    from consolidate.checks.linkscan import check_tree_links
    from consolidate.linkmap import site_root_dir

    if not target.is_dir():
        raise UsageError(f"{target}: no such folder; pass a folder of markdown pages")
    dead, stats = check_tree_links(str(target), site, workers=min(8, os.cpu_count() or 1), site_root=site_root_dir(site_root))
    findings = [d.as_dict() for d in dead]
    errors = sum(f["severity"] == "error" for f in findings)
    if as_json:
        head = json.dumps(stats | {"errors": errors, "warnings": len(findings) - errors}, indent=2)[:-2]
        # one finding a line, by the C encoder (indent= would take the pure-Python one: 0.2 s on 5,000 findings)
        rows = ",\n    ".join(map(json.dumps, findings))
        sys.stdout.write(f'{head},\n  "findings": [' + (f"\n    {rows}\n  ]" if rows else "]") + "\n}\n")
    else:
        sys.stdout.write("".join(f"{f['severity']}: {f['message']}\n" for f in findings))
        sys.stdout.write(f"{stats['pages']} pages, {stats['links']} links ({stats['external']} URLs not fetched): "
                         f"{errors} dead links or anchors, {len(findings) - errors} outside links (not verified)\n")
    sys.stdout.flush()
    worst = max((SEVERITY_RANK[f["severity"]] for f in findings), default=0)
    return 1 if worst >= FAIL_ON[fail_on] else 0


_VALUED = {"--site": "site", "--fail-on": "fail_on", "--root-dir": "site_root", "--site-root": "site_root"}
_FLAGS = {"--links-only": "links_only", "--json": "as_json"}


def parse(argv: list[str]) -> dict | None:
    """The options of a plain `check TREE --links-only ...` command line; None for any other."""
    if not argv or argv[0] != "check":
        return None
    opts: dict = {"site": DEFAULT_SITE, "fail_on": DEFAULT_FAIL_ON, "site_root": None, "links_only": False, "as_json": False}
    rest = plain_options(argv[1:], _VALUED, _FLAGS, opts)
    if rest is None or len(rest) != 1:
        return None
    opts["target"] = rest[0]
    if not opts.pop("links_only") or opts["target"] is None or opts["site"] not in STYLES or opts["fail_on"] not in FAIL_ON:
        return None
    return opts


def fast_main(argv: list[str]) -> None:
    """Run a plain `check TREE --links-only` and exit; return for any other command line."""
    opts = parse(argv)
    if opts is None:
        return
    try:
        code = links_only(Path(opts["target"]), opts["site"], opts["fail_on"], opts["as_json"],
                          Path(opts["site_root"]) if opts["site_root"] else None)
    except ConsolidateError as exc:
        sys.stderr.write(f"error: {exc}\n")
        code = exc.exit_code
    sys.exit(code)
