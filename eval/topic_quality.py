"""Topic quality: how well the clustering groups what people (or our gold files) group, side by
side for several embedders and cluster settings in one run.

    python eval/topic_quality.py [--embedders lexical,minilm] [--thresholds 0.85,0.95,1.05]
                                 [--doc-weights 1.0] [--centre-docs 0,8]

Three kinds of gold, all read by the eval's own loaders:
- fixtures (eval/fixtures/*/gold.json): each chunk's topic by document and heading (chunk-level ARI);
- real cases (../shared/corpora/real with eval/cases/<case>.json): documents people merged share a
  label, every other document is its own (document-level ARI, the page holding most of a
  document's chunks is its predicted label); cases without groups are left out;
- corpus/ (eval/corpus_notes.md, the "Files and topics" table): documents of topics A-D share a
  label, each "X" document is its own (document-level ARI).
Prints the mean ARI per kind, the pages made, and embedding throughput.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consolidate.evaluate import agreement as cm  # noqa: E402
from consolidate.embedders import make_embedder  # noqa: E402
from consolidate.evaluate.fixtures import load_cases, load_fixtures  # noqa: E402
from consolidate.evaluate.realcases import doc_topic_scores  # noqa: E402
from consolidate.stages.chunk import chunk_documents  # noqa: E402
from consolidate.stages.cluster import cluster_chunks  # noqa: E402
from consolidate.stages.ingest import ingest  # noqa: E402
from consolidate.stages.plan import plan_pages  # noqa: E402

CASES = ROOT.parent / "shared" / "corpora" / "real"
ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([A-DX])\s*\|", re.M)


def corpus_groups() -> list[list[str]]:
    topics: dict[str, list[str]] = {}
    for path, topic in ROW.findall((ROOT / "eval" / "corpus_notes.md").read_text(encoding="utf-8")):
        if topic != "X":
            topics.setdefault(topic, []).append(path)
    return list(topics.values())


def inputs() -> list[tuple[str, str, Path, object]]:
    """(kind, name, root, gold): gold is a fixture Gold or a list of document groups."""
    out = [("fixture", f.name, f.root, f.gold) for f in load_fixtures(ROOT / "eval" / "fixtures")]
    if CASES.is_dir():
        out += [("case", c.name, c.root, c.labels.groups) for c in load_cases(CASES, ROOT / "eval" / "cases")
                if c.labels is not None and c.labels.groups]
    out.append(("corpus", "corpus", ROOT / "corpus", corpus_groups()))
    return out


def score(kind: str, gold, chunks, plan) -> float:
    if kind == "fixture":
        page_of = {cid: p.slug for p in plan.pages for cid in p.chunk_ids}
        return cm.ari([gold.topic_of(c.doc, tuple(c.heading_path)) for c in chunks], [page_of[c.id] for c in chunks])
    return doc_topic_scores(gold, chunks, plan)["topic_ari"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedders", default="lexical")
    ap.add_argument("--thresholds", default="0.85,0.90,0.95")
    ap.add_argument("--doc-weights", default="1.0")
    ap.add_argument("--centre-docs", default="0,8", help="comma-separated; 0 centres fully (the old default)")
    args = ap.parse_args()
    data = []
    for kind, name, root, gold in inputs():
        docs, texts, _ = ingest([root], max_bytes=5_000_000)
        chunks, _ = chunk_documents(docs, texts)
        data.append((kind, name, docs, chunks, gold))
    for emb_name in args.embedders.split(","):
        emb = make_embedder(emb_name)
        t, vecs = time.perf_counter(), {}
        for kind, name, _, chunks, _ in data:
            vecs[name] = emb.embed([c.text for c in chunks])
        n = sum(len(d[3]) for d in data)
        print(f"\n{emb_name}: {n} chunks embedded at {n / (time.perf_counter() - t):,.0f} chunks/s")
        for centre in (float(x) for x in args.centre_docs.split(",")):
            for dw in (float(x) for x in args.doc_weights.split(",")):
                for th in (float(x) for x in args.thresholds.split(",")):
                    per_kind: dict[str, list[float]] = {}
                    row = []
                    for kind, name, docs, chunks, gold in data:
                        topics = cluster_chunks(chunks, vecs[name], threshold=th, doc_weight=dw, centre_docs=centre)
                        plan = plan_pages(topics, chunks, docs)
                        a = score(kind, gold, chunks, plan)
                        per_kind.setdefault(kind, []).append(a)
                        row.append(f"{name[:12]}={a:.2f}/{len(plan.pages)}p")
                    means = "  ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in per_kind.items())
                    print(f"  centre_docs {centre:g} doc_weight {dw:.2f} threshold {th:.2f}: mean ARI {means}   " + " ".join(row))


if __name__ == "__main__":
    main()
