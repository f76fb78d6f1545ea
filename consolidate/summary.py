"""What `run` and `draft` say when they end: one dict, printed as lines or (`--json`) as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run_summary(res, seconds: float, config: Path | None = None) -> dict:
    """The run's counts, findings, timings, drafting backends and model use (report.json has the details)."""
    r = res.report
    details = r.get("page_details", {}).values()
    by: dict[tuple[str, str], int] = {}
    for d in details:
        key = (d.get("backend", ""), d.get("reason", ""))
        by[key] = by.get(key, 0) + 1
    return {
        "out": str(res.out), "pages_dir": str(res.out / "pages"), "config": str(config) if config else None,
        "documents": r.get("documents", 0), "chunks": r.get("chunks", 0), "topics": r.get("topics", 0), "pages": r.get("pages", 0),
        "errors": r.get("errors", 0), "warnings": r.get("warnings", 0), "seconds": round(seconds, 1),
        "reused": list(res.reused), "timings": dict(res.timings),
        "drafted_by": [{"backend": b, "reason": why, "pages": n} for (b, why), n in sorted(by.items())],
        "model": {k: r.get(k, 0) for k in ("model_calls", "cache_hits", "tokens_in", "tokens_out", "cost")},
        "first_errors": res.error_messages[:10],
    }


def summary_lines(s: dict) -> list[str]:
    """The summary for people (stdout); first_errors go to stderr, by the caller."""
    lines = [f"{s['documents']} documents -> {s['chunks']} chunks -> {s['topics']} topics -> {s['pages']} pages in {s['pages_dir']}",
             f"findings: {s['errors']} errors, {s['warnings']} warnings (report.json, review.html); {s['seconds']:.1f}s"
             + (f"; reused: {', '.join(s['reused'])}" if s["reused"] else "")]
    lines += [f"drafted by {d['backend']}: {d['pages']} pages ({d['reason']})" for d in s["drafted_by"]]
    m = s["model"]
    if m["model_calls"] or m["cache_hits"]:
        lines.append(f"model: {m['model_calls']} calls, {m['cache_hits']} cache hits, {m['tokens_in']} tokens in, "
                     f"{m['tokens_out']} out, cost {m['cost']:.4f} USD")
    if s["config"]:
        lines.append(f"config: {s['config']}")
    return lines


def write_summary(res, seconds: float, config: Path | None, as_json: bool) -> None:
    """The summary on stdout (as lines, or --json), and the first errors on stderr as `error: ...` lines."""
    from consolidate.config import config_path

    s = run_summary(res, seconds, config_path(config))
    if as_json:
        sys.stdout.write(json.dumps(s, indent=2) + "\n")
        return
    sys.stdout.write("".join(line + "\n" for line in summary_lines(s)))
    sys.stdout.flush()
    sys.stderr.write("".join(f"error: {m}\n" for m in s["first_errors"]))
