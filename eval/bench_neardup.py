"""Near-duplicate recall and time: the near-duplicate stage against an exact reference, side by side.

    python eval/bench_neardup.py [--tree ../shared/corpora/large] [--threshold 0.8] [--baseline ec7d8f0]
                                 [--plan OUT/plan.json] [--json]

The tree is ingested and chunked as `consolidate run` does (default settings). All its chunks
are then grouped at once (a harder case than the pipeline's, which groups within each topic),
or, with --plan (a run's plan.json over the same tree), within each planned page, as the
pipeline does:

- reference: every pair of chunks from different documents whose word-shingle sets
  (dedupe.shingles) have Jaccard >= threshold, computed by brute force: the chunk x shingle
  incidence matrix times its transpose, in blocks of rows, gives every pair's shared-shingle
  count (no shingle is left out, however common); distinct shingle sets are compared once and
  pairs of chunks expanded from them.
- stage: dedupe.near_duplicate_groups as the code stands, and the same function of --baseline
  (a git revision; the stage before prefix filtering by default), read from git at run time.

A reference pair is found when both chunks are in one group. Prints, for each: recall, chunks
in groups, groups, the share of grouped pairs that are not reference pairs (chained through a
third chunk), and the time. Pairs among large groups of identical chunks are also counted
apart: a passage repeated in more than --boilerplate documents (a shared footer) is boilerplate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from consolidate import dedupe  # noqa: E402
from consolidate.settings import load_settings  # noqa: E402
from consolidate.stages.chunk import chunk_documents  # noqa: E402
from consolidate.stages.ingest import ingest  # noqa: E402

BLOCK = 512


def reference_pairs(sets: list[frozenset], threshold: float) -> list[tuple[int, int]]:
    """(i, j), i < j, with Jaccard(sets[i], sets[j]) >= threshold, by sparse matrix products."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(sets):
        for m in s:
            rows.append(i)
            cols.append(vocab.setdefault(m, len(vocab)))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(sets), len(vocab)))
    xt = x.T.tocsc()
    size = np.array([len(s) for s in sets], dtype=np.int64)
    out = []
    for b in range(0, len(sets), BLOCK):
        inter = (x[b:b + BLOCK] @ xt).tocoo()
        i, j, n = inter.row + b, inter.col, inter.data.astype(np.int64)
        keep = (j > i) & (n >= threshold * (size[i] + size[j] - n) - 1e-9)
        # the float test above only pre-selects; Jaccard is taken exactly as the stage takes it
        out += [(a, c) for a, c in zip(i[keep].tolist(), j[keep].tolist()) if dedupe.jaccard(sets[a], sets[c]) >= threshold]
    return sorted(out)


def chunk_pairs(chunks, threshold: float, boilerplate: int) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Reference pairs of chunk indices from different documents: (all, those among boilerplate copies)."""
    same: dict[frozenset, list[int]] = {}
    for i, c in enumerate(chunks):
        same.setdefault(dedupe.shingles(c.text), []).append(i)
    reps = [s for s in same if s]
    pairs: set[tuple[int, int]] = set()
    boiler: set[tuple[int, int]] = set()

    def add(a: list[int], b: list[int], into: set) -> None:
        for x in a:
            for y in b:
                if x != y and chunks[x].doc != chunks[y].doc:
                    into.add((min(x, y), max(x, y)))

    for s in reps:
        docs = {chunks[i].doc for i in same[s]}
        add(same[s], same[s], boiler if len(docs) > boilerplate else pairs)
    for a, b in reference_pairs(reps, threshold):
        add(same[reps[a]], same[reps[b]], pairs)
    return pairs - boiler, boiler


def baseline_module(rev: str) -> types.ModuleType:
    src = subprocess.run(["git", "show", f"{rev}:consolidate/dedupe.py"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    mod = types.ModuleType("dedupe_baseline")
    exec(compile(src, f"{rev}:consolidate/dedupe.py", "exec"), mod.__dict__)
    return mod


def measure(name: str, fn, parts: list[list], threshold: float, pairs: set, boiler: set) -> dict:
    """Groups found by `fn` within each part (a list of chunks), scored against the reference pairs."""
    secs, groups = 0.0, []
    for part in parts:
        t = time.perf_counter()
        groups += fn(part, threshold)
        secs += time.perf_counter() - t
    chunks = [c for part in parts for c in part]
    index = {c.id: i for i, c in enumerate(chunks)}
    group_of = {index[cid]: g for g, members in enumerate(groups) for cid in members}
    found = sum(1 for a, b in pairs if a in group_of and group_of.get(a) == group_of.get(b))
    found_boiler = sum(1 for a, b in boiler if a in group_of and group_of.get(a) == group_of.get(b))
    grouped = 0
    for members in groups:
        idx = sorted(index[c] for c in members)
        grouped += sum(1 for x in range(len(idx)) for y in range(x + 1, len(idx))
                       if chunks[idx[x]].doc != chunks[idx[y]].doc)
    return {"name": name, "seconds": round(secs, 2), "found": found, "pairs": len(pairs),
            "recall": round(found / len(pairs), 4) if pairs else 1.0,
            "boilerplate_found": found_boiler, "boilerplate_pairs": len(boiler),
            "chunks_in_groups": len(group_of), "groups": len(groups),
            "chained": round(1 - (found + found_boiler) / grouped, 4) if grouped else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", default=str(ROOT.parent / "shared" / "corpora" / "large"))
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--baseline", default="ec7d8f0", help="git revision whose dedupe.py is timed beside (default: ec7d8f0)")
    ap.add_argument("--boilerplate", type=int, default=50,
                    help="identical chunks in more documents than this are boilerplate, counted apart (default: 50)")
    ap.add_argument("--plan", help="a run's plan.json over --tree: group within each planned page, as the pipeline does")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    tree = Path(a.tree)
    if not tree.is_dir():
        print(f"bench_neardup: --tree {tree} is not a folder; pass the docs tree to measure", file=sys.stderr)
        return 2
    s = load_settings(config=None, env={})
    docs, texts, _ = ingest([tree], max_bytes=s.ingest.max_file_bytes)
    chunks, _ = chunk_documents(docs, texts, max_tokens=s.chunk.max_tokens, encoding=s.chunk.encoding)
    parts = [chunks]
    if a.plan:
        by_id = {c.id: c for c in chunks}
        try:
            pages = json.loads(Path(a.plan).read_text(encoding="utf-8"))["pages"]
        except (OSError, ValueError, KeyError) as e:
            print(f"bench_neardup: --plan {a.plan}: {e}; pass a run's plan.json", file=sys.stderr)
            return 2
        parts = [[by_id[cid] for cid in p["chunk_ids"] if cid in by_id] for p in pages]
        missing = sum(1 for p in pages for cid in p["chunk_ids"] if cid not in by_id)
        if missing:
            print(f"bench_neardup: --plan {a.plan}: {missing} chunk ids are not chunks of {tree} as chunked now",
                  file=sys.stderr)
            return 2
    t = time.perf_counter()
    pairs, boiler = set(), set()
    offset = 0
    for part in parts:  # pairs are indices into the parts laid end to end
        p, b = chunk_pairs(part, a.threshold, a.boilerplate)
        pairs |= {(x + offset, y + offset) for x, y in p}
        boiler |= {(x + offset, y + offset) for x, y in b}
        offset += len(part)
    ref_secs = time.perf_counter() - t
    rows = [measure("stage", dedupe.near_duplicate_groups, parts, a.threshold, pairs, boiler),
            measure(f"baseline {a.baseline}", baseline_module(a.baseline).near_duplicate_groups, parts, a.threshold,
                    pairs, boiler)]
    result = {"tree": str(tree), "docs": len(docs), "chunks": len(chunks), "threshold": a.threshold, "parts": len(parts),
              "reference_seconds": round(ref_secs, 2), "reference_pairs": len(pairs), "boilerplate_pairs": len(boiler),
              "rows": rows}
    if a.json:
        print(json.dumps(result, indent=2))
        return 0
    scope = f"within {len(parts)} planned pages" if a.plan else "all at once"
    print(f"{tree}: {len(docs)} docs, {len(chunks)} chunks grouped {scope}; reference (exact, brute force): {len(pairs)} cross-document "
          f"pairs with shingle Jaccard >= {a.threshold} (+{len(boiler)} among boilerplate copies) in {ref_secs:.2f} s")
    print(f"{'':<20} {'recall':>7} {'found':>7} {'boiler':>9} {'chunks':>7} {'groups':>7} {'chained':>8} {'seconds':>8}")
    for r in rows:
        print(f"{r['name']:<20} {r['recall']:>7.3f} {r['found']:>7} {r['boilerplate_found']:>9} "
              f"{r['chunks_in_groups']:>7} {r['groups']:>7} {r['chained']:>8.3f} {r['seconds']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
