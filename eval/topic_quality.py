"""Topic quality of embedders against document-level gold from the real cases' merge groups.

    python eval/topic_quality.py [--embedders lexical,minilm] [--thresholds 0.7,0.8,0.9]

Each real case's MANIFEST.json lists merge_groups ("a/{x,y}.md -> a/z.md"): documents merged
into one page share a gold label; every other input document is its own label. A document's
predicted label is the topic holding most of its chunks. Prints ARI and NMI per case and the
mean, and embedding throughput, for each embedder and threshold, side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consolidate.embedders import make_embedder  # noqa: E402
from consolidate.metrics import ari, nmi  # noqa: E402
from consolidate.stages.chunk import chunk_documents  # noqa: E402
from consolidate.stages.cluster import cluster_chunks  # noqa: E402
from consolidate.stages.ingest import ingest  # noqa: E402

CASES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real"


def expand(spec: str) -> list[str]:
    m = re.search(r"\{([^}]*)\}", spec)
    if not m:
        return [spec.strip()]
    return [x for alt in m.group(1).split(",") for x in expand(spec[: m.start()] + alt + spec[m.end():])]


def gold_labels(case: Path, paths: list[str]) -> dict[str, str]:
    manifest = json.loads((case / "MANIFEST.json").read_text())
    label = {p: p for p in paths}
    for g in manifest.get("merge_groups", []):
        if "->" not in g:
            continue
        left, right = g.split("->", 1)
        for p in expand(left):
            if p in label:
                label[p] = right.strip()
    return label


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedders", default="lexical")
    ap.add_argument("--thresholds", default="0.7,0.8,0.9")
    ap.add_argument("--doc-weight", type=float, default=0.5)
    args = ap.parse_args()
    cases = [c for c in sorted(CASES.iterdir()) if (c / "MANIFEST.json").exists() and json.loads((c / "MANIFEST.json").read_text()).get("merge_groups")]
    data = []
    for case in cases:
        docs, texts, _ = ingest([case / "before"], max_bytes=5_000_000)
        chunks, _ = chunk_documents(docs, texts)
        data.append((case.name, docs, chunks))
    for name in args.embedders.split(","):
        emb = make_embedder(name)
        vecs, secs, count = {}, 0.0, 0
        for case, _, chunks in data:
            t = time.perf_counter()
            vecs[case] = emb.embed([c.text for c in chunks])
            secs += time.perf_counter() - t
            count += len(chunks)
        print(f"\n{name}: {count} chunks embedded at {count / secs:,.0f} chunks/s")
        for th in [float(x) for x in args.thresholds.split(",")]:
            aris, nmis = [], []
            row = []
            for case, docs, chunks in data:
                topics = cluster_chunks(chunks, vecs[case], threshold=th, doc_weight=args.doc_weight)
                where = {cid: t.id for t in topics for cid in t.chunk_ids}
                pred = {}
                for d in docs:
                    votes = Counter(where[c.id] for c in chunks if c.doc == d.path)
                    pred[d.path] = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                gold = gold_labels(CASES / case, [d.path for d in docs])
                order = [d.path for d in docs]
                a, n = ari([gold[p] for p in order], [pred[p] for p in order]), nmi([gold[p] for p in order], [pred[p] for p in order])
                aris.append(a)
                nmis.append(n)
                row.append(f"{case[:18]}={a:.2f}/{len(topics)}t")
            print(f"  threshold {th:.2f}: mean ARI {sum(aris) / len(aris):.3f}  mean NMI {sum(nmis) / len(nmis):.3f}   " + "  ".join(row))


if __name__ == "__main__":
    main()
