"""Rerun benchmark: a first run, an unchanged rerun, and a rerun after editing one document, side by side.

    python eval/bench_rerun.py [TREE ...] [--edit DOC] [--workdir DIR] [--json FILE]

Default tree: corpus/. For each tree the benchmark copies it into a temp folder (so one document can
be edited), then runs `consolidate run COPY --out OUT -q` three times, each in a fresh child
process, and reads each run's wall time, CPU time and peak RSS (the child's rusage, from wait4) and
its report.json (reused stages, reused pages, stage timings), and the machine's load average when it ended:

1. first: an empty output folder;
2. unchanged: the same inputs again;
3. edit: one document edited (a sentence appended to its last paragraph), then run again.

The edited document is --edit (its path as the run shows it), else the middle one (by path) of
the documents whose content went to exactly one page. It prints one table per tree and checks the
targets of issue 16: unchanged rerun <= 10 % of the first run's time, edit rerun <= 20 % (CPU time of
the whole process, which a shared machine's load moves far less than wall time), only
pages holding the edited document merged again; on a tree of over 1,000 documents also first run
<= 150 s and peak <= 2 GiB. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "The rerun benchmark added this sentence to one document."
UNCHANGED_MAX, EDIT_MAX = 0.10, 0.20
LARGE_DOCS, LARGE_SECONDS, LARGE_MIB = 1000, 150.0, 2048.0


def run_once(tree: Path, out: Path) -> dict:
    """One `consolidate run` in a child process: wall seconds, peak RSS (MiB) and its report.json."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))
    t = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "consolidate", "run", str(tree), "--out", str(out), "-q"],
                             cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: the checker found errors; the run itself finished
        raise SystemExit(f"consolidate run {tree} exited {code}:\n{err[-2000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mib": round(usage.ru_maxrss / 1024, 1), "load": round(os.getloadavg()[0], 2), "report": report}


def pick_document(out: Path) -> str:
    """The middle (by path) of the documents whose content went to exactly one page."""
    redirects = json.loads((out / "redirects.json").read_text(encoding="utf-8"))
    one = sorted(d for d, pages in redirects.items() if len(pages) == 1)
    if not one:
        raise SystemExit(f"{out}: no document went to exactly one page; pass --edit DOC")
    return one[len(one) // 2]


def edit(tree: Path, doc: str) -> None:
    """Append a sentence to the document's last non-blank line (outside a code fence it stays a sentence)."""
    path = tree / doc
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines += ["", SENTENCE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def holding(out: Path, doc: str) -> list[str]:
    """The pages whose sources include the document (plan.json, with the parts of split pages)."""
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    from consolidate.records import page_file

    pages = [page_file(p.get("section", ""), p["slug"]) for p in plan["pages"] if doc in p.get("sources", [])]
    for s in plan.get("split", []):
        if s["page"] in pages:
            pages += s["parts"]
    return sorted(pages)


def bench_tree(tree: Path, work: Path, doc: str | None) -> dict:
    copy = work / "tree"
    shutil.copytree(tree, copy, symlinks=True)
    out = work / "out"
    rows = {"first": run_once(copy, out)}
    rows["unchanged"] = run_once(copy, out)
    doc = doc or pick_document(out)
    edit(copy, doc)
    rows["edit"] = run_once(copy, out)
    first = rows["first"]["report"]
    result = {"tree": str(tree), "documents": first["documents"], "chunks": first["chunks"], "pages": first["pages"],
              "edited": doc, "holding": holding(out, doc), "runs": {}}
    for name, r in rows.items():
        rep = r["report"]
        every = sorted(rep["page_details"])
        reused = rep.get("reused_pages", {})
        # a page split for size is merged and rendered as one plan page: its parts go with it
        parent = {part: s["page"] for s in rep.get("split", []) for part in s["parts"]}
        merged, rendered = set(reused.get("merged", [])), set(reused.get("rendered", []))
        result["runs"][name] = {
            "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "load": r["load"], "ratio": round(r["cpu_s"] / rows["first"]["cpu_s"], 3),
            "wall_ratio": round(r["wall_s"] / rows["first"]["wall_s"], 3), "peak_mib": r["peak_mib"],
            "stages_s": round(sum(rep["timings"].values()), 2), "reused_stages": rep["reused_stages"],
            "merged_again": sorted(p for p in every if parent.get(p, p) not in merged),
            "rendered_again": sorted(p for p in every if parent.get(p, p) not in rendered),
            "checked_again": sorted(set(every) - set(reused.get("checked", []))),
            "timings": rep["timings"], "errors": rep["errors"]}
    return result


def verdicts(r: dict) -> list[tuple[str, bool]]:
    runs = r["runs"]
    out = [(f"unchanged rerun <= {UNCHANGED_MAX:.0%} of the first", runs["unchanged"]["ratio"] <= UNCHANGED_MAX),
           (f"edit rerun <= {EDIT_MAX:.0%} of the first", runs["edit"]["ratio"] <= EDIT_MAX),
           ("edit: only pages holding the document merged again", set(runs["edit"]["merged_again"]) <= set(r["holding"])),
           ("unchanged: no page merged or checked again",
            not runs["unchanged"]["merged_again"] and not runs["unchanged"]["checked_again"])]
    if r["documents"] > LARGE_DOCS:
        out += [(f"first run <= {LARGE_SECONDS:.0f} s", runs["first"]["wall_s"] <= LARGE_SECONDS),
                (f"peak <= {LARGE_MIB:.0f} MiB", max(x["peak_mib"] for x in runs.values()) <= LARGE_MIB)]
    return out


def table(r: dict) -> str:
    lines = [f"## {r['tree']}: {r['documents']} documents, {r['chunks']} chunks, {r['pages']} pages; "
             f"edited {r['edited']} (on {len(r['holding'])} page(s): {', '.join(r['holding'])})", "",
             "| run | CPU s | of first | wall s | of first | stages s | peak MiB | load (1 min) | stages reused | "
             "pages merged again (a split page's parts with it) | rendered again | checked again |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, x in r["runs"].items():
        lines.append(f"| {name} | {x['cpu_s']:.2f} | {x['ratio']:.1%} | {x['wall_s']:.2f} | {x['wall_ratio']:.1%} | "
                     f"{x['stages_s']:.2f} | {x['peak_mib']:.0f} | {x['load']:.1f} | "
                     f"{len(x['reused_stages'])} of 8 | {len(x['merged_again'])} of {r['pages']} | "
                     f"{len(x['rendered_again'])} | {len(x['checked_again'])} |")
    lines.append("")
    lines.append("stage seconds: " + "; ".join(f"{name}: " + ", ".join(f"{k} {v:.2f}" for k, v in x["timings"].items())
                                              for name, x in r["runs"].items()))
    lines += [f"- {'PASS' if ok else 'MISS'}: {what}" for what, ok in verdicts(r)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="*", type=Path, default=[REPO / "corpus"])
    ap.add_argument("--edit", help="the document to edit (its path as the run shows it); default: see above")
    ap.add_argument("--workdir", type=Path, help="where to copy trees and write outputs (default: a temp folder, removed)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args(argv)
    results = []
    for tree in a.trees:
        if not tree.is_dir():
            ap.error(f"{tree}: no such folder")
        with tempfile.TemporaryDirectory(prefix="bench-rerun-", dir=a.workdir) as tmp:
            results.append(bench_tree(tree.resolve(), Path(tmp), a.edit))
        print(table(results[-1]), flush=True)
        print()
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(ok for r in results for _, ok in verdicts(r)) else 1


if __name__ == "__main__":
    sys.exit(main())
