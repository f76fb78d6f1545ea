"""Run every available backend over the fixtures and real cases; one result row per (backend, case)."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

from consolidate import pipeline
from consolidate.errors import ConsolidateError
from consolidate.evaluate import metrics as m
from consolidate.evaluate.fixtures import EvalError, Fixture
from consolidate.evaluate.realcases import compare, label_scores
from consolidate.fsio import read_json
from consolidate.llm.choice import openai_config
from consolidate.settings import Settings, load_settings
from consolidate.state import MARKER, OutputDir

BACKENDS = ("extractive", "local", "openai")


def backend_settings(name: str, config: Path | None = None) -> Settings:
    return load_settings(config, {"llm": {"backend": name}})


def availability(name: str, config: Path | None = None) -> str:
    """'' when the backend can run, else why it is skipped."""
    if name not in BACKENDS:
        raise EvalError(f"--backends {name}: unknown; choose from {', '.join(BACKENDS)}")
    if name == "extractive":
        return ""
    s = backend_settings(name, config).llm
    if name == "openai":
        base_url, api_key, _ = openai_config(s)
        return "" if base_url or api_key else "not configured: set OPENAI_BASE_URL or OPENAI_API_KEY (or llm.base_url)"
    if importlib.util.find_spec("xllamacpp") is None:
        return "the local extra is not installed: pip install -e '.[local]'"
    try:
        from consolidate.llm.local_backend import model_file
        model_file(s)
    except ConsolidateError as exc:
        return str(exc)
    return ""


def _texts(res) -> dict[str, str]:
    return {doc: "\n".join(v) for doc, v in sorted(pipeline.load_texts(res.docs)[0].items())}


def run_one(fx: Fixture, settings: Settings, out: Path | None = None, fresh: bool = False) -> dict:
    """Run the pipeline on one fixture or case and score it; None runs in a temp folder.

    `out` keeps the run for review and keeps its model replies, so a rerun asks the model nothing.
    Its saved stages and embeddings are always deleted first, so every stage is measured anew (they
    are fingerprinted by the code too, and per-page results are kept only under the code that made them). `fresh` deletes the
    model replies too."""
    if out is not None and (out / MARKER).is_file():  # only a folder consolidate made
        od = OutputDir(out)
        # pages go too: the list of pages to retire on a rerun lives in .state
        for stale in ([out] if fresh else [od.state, od.cache / "embeddings", od.pages]):
            shutil.rmtree(stale, ignore_errors=True)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="consolidate-eval-") as tmp:
            return _run_scored(fx, settings, Path(tmp) / "out")
    return _run_scored(fx, settings, out) | {"out": out.as_posix()}


def _run_scored(fx: Fixture, settings: Settings, out: Path) -> dict:
    t = time.perf_counter()
    res = pipeline.run([fx.root], out, settings)
    row = {"wall_s": round(time.perf_counter() - t, 3), "reused_stages": list(res.report.get("reused_stages") or [])}
    pages = m.markdown_files(out / "pages")
    row |= m.run_scores(res.report, pages, _texts(res), read_json(out / "ledger.json"))
    row["our_titles"] = [f"{n}: {(res.report['page_details'].get(n) or {}).get('title', '')}" for n in pages]
    if fx.gold is not None:
        row |= m.gold_scores(res.report, pages, res.chunks, res.plan, read_json(out / "redirects.json"), fx.gold)
    if fx.gold is None:  # a real case: labels when there is a file, the people's pages when there are some
        row |= label_scores(fx.labels, res.report, res.chunks, res.plan)
    if fx.after is not None:
        row |= compare(fx.root, fx.after, out, fx.manifest, row["words_in"])
        row["after"] = fx.after.as_posix()
    return row


def evaluate(fixtures: list[Fixture], cases: list[Fixture], backends: list[str], config: Path | None = None,
             progress=lambda msg: None, work: Path | None = None, fixtures_only: dict[str, str] | None = None,
             fresh: bool = False) -> dict:
    """One row per (backend, fixture or case). With `work`, each run is kept in
    work/<backend>/<name>/ (rerunnable, reviewable, model responses cached). `fixtures_only`:
    backends to run on the fixtures only, with why (reported as skipped on the real cases)."""
    rows = []
    fixtures_only = fixtures_only or {}
    skipped = {b: why for b in backends if (why := availability(b, config))}
    for b in backends:
        progress(f"backend {b}: " + (f"SKIPPED: {skipped[b]}" if b in skipped else "runs"))
    for b in backends:
        if b in skipped:
            continue
        settings = backend_settings(b, config)
        if cases and b in fixtures_only:
            skipped[f"{b} on the real cases"] = fixtures_only[b]
        for kind, items in (("fixture", fixtures), ("case", [] if b in fixtures_only else cases)):
            for fx in items:
                progress(f"{b}: {kind} {fx.name}")
                row = run_one(fx, settings, work / b / fx.name if work is not None else None, fresh)
                if b == "extractive":
                    row["model_pages"] = None
                progress(f"{b}: {kind} {fx.name}: {row['pages']} pages, {row['model_calls']} model calls, "
                         f"{row['wall_s']:.1f}s")
                rows.append({"backend": b, "kind": kind, "name": fx.name} | row)
    return {"rows": rows, "skipped": skipped, "overall": overall(rows), "backends": backend_totals(rows)}


def backend_totals(rows: list[dict]) -> dict:
    """What each backend cost over the whole eval: pages, calls, tokens, USD, seconds."""
    out = {}
    for b in dict.fromkeys(r["backend"] for r in rows):
        mine = [r for r in rows if r["backend"] == b]
        out[b] = {k: round(sum(r.get(k) or 0 for r in mine), 4) for k in
                  ("pages", "model_calls", "cache_hits", "tokens_in", "tokens_out", "cost", "wall_s", "edits_asked",
                   "edits_written")}
        drafted = sum((r.get("model_pages") or 0) * r["pages"] for r in mine)
        out[b]["model_pages"] = round(drafted / out[b]["pages"], 4) if out[b]["pages"] else None
    return out


def overall(rows: list[dict]) -> list[dict]:
    """Per backend and kind: the mean of every numeric metric (None values left out)."""
    out = []
    for key in sorted({(r["backend"], r["kind"]) for r in rows}):
        mine = [r for r in rows if (r["backend"], r["kind"]) == key]
        agg = {"backend": key[0], "kind": key[1], "name": "overall", "count": len(mine)}
        for k in mine[0]:
            vals = [r.get(k) for r in mine if isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)]
            if vals and k not in agg:
                agg[k] = round(sum(vals) / len(vals), 4)
        out.append(agg)
    return out
