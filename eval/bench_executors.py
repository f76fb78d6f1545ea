"""Benchmark `consolidate run` on one tree with each executor: wall time, peak memory, same bytes out.

    python eval/bench_executors.py ../shared/corpora/large [--executors local,ray] [--rounds 1] [--workdir DIR]

Each round runs `consolidate run TREE --out DIR/<executor>-<round> --quiet --executor E` once per
executor, alternating (so a busy machine slows both alike), each in a fresh process with a fresh
output folder (nothing reused). It prints, per run: wall seconds, the command's own peak RSS
(`ru_maxrss` from wait4) and the peak of the whole process tree's proportional set size, sampled
every 0.2 s from /proc (Ray's raylet, GCS and workers are that command's descendants; PSS counts
pages shared with the object store once). Then whether every output file is byte-identical to
the first run's (report.json compared without its `timings`); exit 1 when not.
SOURCE_DATE_EPOCH is fixed so the pages' generated date is the same in every run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _tree_pss_kib(root: int) -> int:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        todo += _children(pid)
    return total


def run_once(tree: Path, out: Path, executor: str) -> dict:
    cmd = [sys.executable, "-m", "consolidate", "run", str(tree), "--out", str(out), "--quiet", "--executor", executor]
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_pss_kib(proc.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):  # 1: the run found errors in the pages, still a finished run
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output.decode(errors='replace')[-2000:]}")
    return {"executor": executor, "out": out, "wall_s": round(wall, 1), "rss_mib": round(usage.ru_maxrss / 1024),
            "tree_pss_mib": round(peak[0] / 1024)}


def files_of(out: Path) -> dict[str, bytes]:
    files = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0] == ".cache":
            continue
        data = p.read_bytes()
        if rel.as_posix() == "report.json":
            report = json.loads(data)
            report.pop("timings", None)
            data = json.dumps(report, sort_keys=True).encode()
        files[rel.as_posix()] = data
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--executors", default="local,ray")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None, help="where the output folders go (default: a temp dir, deleted)")
    a = ap.parse_args(argv)
    work = a.workdir or Path(tempfile.mkdtemp(prefix="consolidate-executors-"))
    rows = []
    try:
        for r in range(a.rounds):
            for ex in a.executors.split(","):
                out = work / f"{ex}-{r}"
                shutil.rmtree(out, ignore_errors=True)
                rows.append(run_once(a.tree.resolve(), out, ex))
                print(f"round {r} {ex:6} {rows[-1]['wall_s']:8.1f} s  command peak RSS {rows[-1]['rss_mib']:6d} MiB  "
                      f"process tree peak PSS {rows[-1]['tree_pss_mib']:6d} MiB", flush=True)
        first = files_of(rows[0]["out"])
        same = True
        for row in rows[1:]:
            other = files_of(row["out"])
            diff = sorted(k for k in first.keys() | other.keys() if first.get(k) != other.get(k))
            same &= not diff
            print(f"{row['executor']} round vs {rows[0]['executor']}: "
                  + ("same bytes in all " + str(len(first)) + " files" if not diff else f"{len(diff)} files differ: {diff[:5]}"))
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
