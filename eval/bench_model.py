"""Benchmark model drafting: run a backend over a docs tree (optionally a subset of pages), then rerun.

    python eval/bench_model.py corpus --out /tmp/out-local --backend local [--pages a,b,c] [--save eval/model_drafts]

Prints and returns: pages, wall time of the first run and of the unchanged rerun, model calls,
tokens in/out, output tokens/s (tokens out / time waiting for the model, prompt processing included), pages per minute, and
the share of model-drafted claims the checker supports (claims without an error finding / claims).
With --save, copies the raw model replies (JSON) and the rendered pages, with the run's findings.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run(args: list[str]) -> tuple[float, dict]:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "consolidate", "run", *args, "-q"], check=False)
    wall = time.perf_counter() - t
    return wall, json.loads((Path(args[args.index("--out") + 1]) / "report.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--out", required=True)
    ap.add_argument("--backend", default="local")
    ap.add_argument("--pages", default="", help="comma-separated page slugs (default: all)")
    ap.add_argument("--save", default="")
    ap.add_argument("--extra", default="", help="more flags for consolidate run, space-separated")
    a = ap.parse_args()
    out = Path(a.out)
    base = [a.root, "--out", a.out, "--backend", a.backend] + a.extra.split()
    if a.pages:
        plan_out = out.with_name(out.name + "-plan")
        subprocess.run([sys.executable, "-m", "consolidate", "plan", a.root, "--out", str(plan_out), "-q"], check=True)
        plan = json.loads((plan_out / "plan.json").read_text())
        keep = a.pages.split(",")
        plan["pages"] = [p for p in plan["pages"] if p["slug"] in keep]
        (plan_out / "subset.json").write_text(json.dumps(plan, indent=1))
        base += ["--plan", str(plan_out / "subset.json")]
    first, r1 = run(base)
    again, r2 = run(base)
    model_pages = {n: d for n, d in r1["page_details"].items() if d["backend"] == a.backend}
    claims = sum(d["claims"] for d in model_pages.values())
    # checker errors on claims (a finding with a line) of model-drafted pages; link errors are not about support
    bad = [f for f in r1["findings"] if f["severity"] == "error" and f["page"] in model_pages and f.get("line")
           and f["kind"] not in ("dead-link", "dead-anchor")]
    seconds = sum(d.get("seconds", 0) for d in r1["page_details"].values())
    figures = {
        "backend": a.backend, "pages": r1["pages"], "model_pages": len(model_pages),
        "first_run_s": round(first, 1), "rerun_s": round(again, 1), "rerun_model_calls": r2["model_calls"],
        "model_calls": r1["model_calls"], "tokens_in": r1["tokens_in"], "tokens_out": r1["tokens_out"],
        "output_tokens_per_s": round(r1["tokens_out"] / seconds, 1) if seconds else None,  # prompt time included
        "pages_per_min": round(60 * r1["pages"] / first, 2),
        "claims": claims, "claim_errors": len(bad),
        "supported_share": round(max(0, 1 - len(bad) / claims), 3) if claims else None,
        "errors_by_kind": {k: sum(f["kind"] == k for f in r1["findings"] if f["page"] in model_pages and f["severity"] == "error")
                           for k in sorted({f["kind"] for f in r1["findings"] if f["severity"] == "error"})},
        "per_page": {n: {k: d.get(k) for k in ("backend", "reason", "model_calls", "tokens_in", "tokens_out", "seconds",
                                               "claims", "errors")} for n, d in r1["page_details"].items()},
    }
    print(json.dumps(figures, indent=1))
    if a.save:
        dest = Path(a.save)
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted((out / ".state" / "model_drafts").glob("*.json")):
            shutil.copy(f, dest / f.name)
        for name in model_pages:
            shutil.copy(out / "pages" / name, dest / name)
        (dest / "findings.json").write_text(json.dumps([f for f in r1["findings"] if f["page"] in model_pages], indent=1) + "\n")
        (dest / "figures.json").write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
