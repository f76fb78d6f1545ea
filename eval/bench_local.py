"""Benchmark model edits (llm.mode = edits) with the local model over docs trees, in one process.

    python eval/bench_local.py corpus ../shared/corpora/real/*/before [--model-path X.gguf | --model-package NAME] [--threads N]
                                [--mode edits] [--json out.json]

One llama.cpp server serves every tree (the backend is shared per process). Each tree is run
twice into a fresh folder: the first run asks the model, the rerun must ask nothing (cache).
Prints per tree and in total: groups asked, written by the model (accepted by the checks), the
same per edit kind (fuse, procedure, lead, smooth),
rejected and why, the words of the pages against an extractive run of the same tree, the distinct hard facts of the
extractive pages that the edited pages still hold, model seconds, the engine's prompt and generation tokens/s, end-to-end output
tokens/s, prompt tokens processed against the source tokens of the pages edited, wall time, and
the checker's errors on the pages. Use a throwaway --out-root (default a temp folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consolidate import pipeline  # noqa: E402
from consolidate.checks import facts as F  # noqa: E402
from consolidate.evaluate.metrics import body, words  # noqa: E402
from consolidate.settings import load_settings  # noqa: E402


def bench(root: Path, out: Path, llm: dict) -> dict:
    s = load_settings(env={}, overrides={"llm": llm})
    t = time.perf_counter()
    res = pipeline.run([root], out, s)
    wall = time.perf_counter() - t
    again = pipeline.run([root], out, s).report
    pipeline.run([root], out.with_name(out.name + "-extractive"), load_settings(env={}, overrides={"llm": {"backend": "extractive"}}))
    r = res.report
    edits = r["model_edits"]
    edited = {n for n, d in r["page_details"].items() if d.get("model_calls") or d.get("cache_hits")}
    source_tokens = sum(c.tokens for c in res.chunks if any(c.id in p.chunk_ids for p in res.plan.pages
                                                             if p.file in edited))
    return {"tree": str(root), "pages": r["pages"], "asked": edits["asked"], "written": edits["written"],
            "unchanged": edits["unchanged"], "rejected": edits["rejected"], "by_kind": edits.get("by_kind", {}),
            "problems": [g["problem"] for g in edits["rejected_groups"]],
            "model_calls": r["model_calls"], "tokens_in": r["tokens_in"], "tokens_out": r["tokens_out"],
            "prompt_tokens_processed": sum(d.get("tokens_prompt_done", 0) for d in r["page_details"].values()),
            "source_tokens_of_edited_pages": source_tokens, "model_s": r.get("model_seconds", 0),
            "prompt_tokens_per_s": r.get("prompt_tokens_per_s"), "gen_tokens_per_s": r.get("gen_tokens_per_s"),
            "output_tokens_per_s": r.get("output_tokens_per_s"), "wall_s": round(wall, 1),
            "errors": r.get("errors", 0), "rerun_model_calls": again["model_calls"],
            "words": page_words(out), "words_extractive": page_words(out.with_name(out.name + "-extractive")),
            "facts_kept": facts_kept(out, out.with_name(out.name + "-extractive"))}


def facts_kept(out: Path, extractive: Path) -> list[int]:
    """[distinct hard facts of the extractive run's pages, how many of them the edited run's pages hold]."""
    def text(root: Path) -> str:
        return "\n\n".join(body(p.read_text(encoding="utf-8")) for p in sorted((root / "pages").rglob("*.md")))

    facts = {(f.kind, f.value): f for f in F.extract(text(extractive)) if f.kind not in ("product", "initial")}
    here = F.normalise_span(text(out))
    return [len(facts), sum(F.contains(here, f) for f in facts.values())]


def page_words(out: Path) -> int:
    """Words of a run's pages as consolidate eval counts them (provenance and notes' marks stripped)."""
    return sum(words(body(p.read_text(encoding="utf-8"))) for p in sorted((out / "pages").rglob("*.md")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--model-path", default="")
    ap.add_argument("--model-package", default="", help="a packaged model (llm.model_package), e.g. qwen2.5-coder-1.5b-instruct")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--mode", default="edits")
    ap.add_argument("--out-root", default="")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    llm = {"backend": "local", "mode": a.mode, "threads": a.threads, "context_tokens": 4096}
    if a.model_path:
        llm["model_path"] = a.model_path
    if a.model_package:
        llm["model_package"] = a.model_package
    out_root = Path(a.out_root or tempfile.mkdtemp(prefix="bench-local-"))
    print(f"load: {os.getloadavg()[0]:.2f} (1-min load average at start, {len(os.sched_getaffinity(0))} CPUs)", flush=True)
    started = time.perf_counter()
    rows = []
    for i, root in enumerate(a.roots):
        row = bench(Path(root), out_root / f"{i}-{Path(root).parent.name}-{Path(root).name}", llm)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "problems"}), flush=True)
    total = {k: sum(r[k] for r in rows) for k in ("asked", "written", "unchanged", "rejected", "model_calls", "tokens_in", "tokens_out",
                                                   "prompt_tokens_processed", "source_tokens_of_edited_pages", "model_s",
                                                   "errors", "rerun_model_calls", "words", "words_extractive")}
    total["facts_kept"] = [sum(r["facts_kept"][i] for r in rows) for i in (0, 1)]
    total["accepted_share"] = round(total["written"] / total["asked"], 3) if total["asked"] else None
    kinds = sorted({k for r in rows for k in r["by_kind"]})
    total["by_kind"] = {k: {n: sum(r["by_kind"].get(k, {}).get(n, 0) for r in rows) for n in ("asked", "written")} for k in kinds}
    total["wall_s"] = round(time.perf_counter() - started, 1)
    total["problems"] = Counter(p.split(" (of ")[0].split(" not in ")[0][:60] for r in rows for q in r["problems"]
                                for p in q.split("; ")).most_common(8)
    print("TOTAL " + json.dumps(total), flush=True)
    print(f"load: {os.getloadavg()[0]:.2f} at the end", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "total": total}, indent=1))


if __name__ == "__main__":
    main()
