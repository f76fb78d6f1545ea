"""Where a run's peak memory is set: resident memory (RSS) sampled through one `consolidate run`, per stage.

    python eval/bench_memory.py TREE [--out DIR] [--every 0.02] [--json FILE]

Runs every stage of `consolidate run TREE --out DIR` (default: a temp folder, removed afterwards)
in this process, with a thread reading the process's RSS from /proc/self/statm every `--every`
seconds, and prints, for each stage in the order it ran: the RSS when it started, the highest
sample while it ran, and the RSS when it ended (what it left held for the stages after it), then
the process's peak (`ru_maxrss`: sampling can miss a spike shorter than the interval). A stage
asked for by another (embed, by cluster) is shown on its own line, before the stage that asked.
Linux only (/proc). Run it in a fresh process: the interpreter and the imports are counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE_MIB


class Sampler:
    """RSS samples, each counted to the innermost stage running when it was taken."""

    def __init__(self, every: float):
        self.every, self.stack, self.rows = every, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            r = rss_mib()
            if self.stack:
                row = self.stack[-1]
                row["peak_mib"] = max(row["peak_mib"], r)

    def enter(self, stage: str) -> None:
        r = rss_mib()
        for row in self.stack:
            row["peak_mib"] = max(row["peak_mib"], r)
        row = {"stage": stage, "start_mib": r, "peak_mib": r, "end_mib": r, "t": time.perf_counter()}
        self.stack.append(row)

    def leave(self) -> None:
        row = self.stack.pop()
        row["end_mib"] = rss_mib()
        row["peak_mib"] = max(row["peak_mib"], row["end_mib"])
        row["seconds"] = round(time.perf_counter() - row.pop("t"), 2)
        if self.stack:
            self.stack[-1]["peak_mib"] = max(self.stack[-1]["peak_mib"], row["peak_mib"])
        self.rows.append({k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()})

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(tree: Path, out: Path, every: float) -> dict:
    from consolidate import pipeline, runner
    from consolidate.settings import Settings

    sampler = Sampler(every)
    timer = runner._Timer  # the runner times every stage with it: its clock marks where a stage starts and ends
    enter, leave = timer.__enter__, timer.__exit__

    def entered(self):
        sampler.enter(self.name)
        return enter(self)

    def left(self, *exc):
        result = leave(self, *exc)
        sampler.leave()
        return result

    timer.__enter__, timer.__exit__ = entered, left
    try:
        with sampler:
            t = time.perf_counter()
            res = pipeline.run([tree], out, Settings())
            wall = time.perf_counter() - t
    finally:
        timer.__enter__, timer.__exit__ = enter, leave
    return {"tree": str(tree), "documents": res.report.get("documents"), "chunks": res.report.get("chunks"),
            "pages": res.report.get("pages"), "wall_s": round(wall, 2), "stages": sampler.rows,
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def table(r: dict) -> str:
    lines = ["| stage | s | RSS at start MiB | peak MiB | RSS at end MiB |", "|---|---|---|---|---|"]
    lines += [f"| {x['stage']} | {x['seconds']:.1f} | {x['start_mib']:,.0f} | {x['peak_mib']:,.0f} | {x['end_mib']:,.0f} |"
              for x in r["stages"]]
    top = max(r["stages"], key=lambda x: x["peak_mib"])
    lines.append(f"\n{r['documents']} documents, {r['chunks']} chunks, {r['pages']} pages; {r['wall_s']:.1f} s; "
                 f"peak RSS {r['peak_mib']:,.0f} MiB (ru_maxrss); highest sample in {top['stage']} ({top['peak_mib']:,.0f} MiB)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--out", type=Path, help="output folder (default: a temp folder, removed afterwards)")
    ap.add_argument("--every", type=float, default=0.02, help="seconds between samples (default 0.02)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args(argv)
    if not a.tree.is_dir():
        ap.error(f"{a.tree}: not a folder; pass a docs tree")
    if a.every <= 0:
        ap.error("--every: must be above 0 seconds")
    work = None if a.out else Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        r = measure(a.tree.resolve(), a.out or work / "out", a.every)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(r))
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
