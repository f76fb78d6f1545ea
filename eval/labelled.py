"""The checker on real model errors, hand-labelled: balanced accuracy.

    python eval/labelled.py [--labels eval/labels/model_claims.jsonl] [--json]

Each line of the labels file is one block a model really wrote (from eval/model_drafts/), with the
chunk ids it cited and a hand label: `error` (the cited sources do not say it, or it cites
nothing real) or `ok`. Each block is rendered into a one-block page the way model drafts are
(known ids become citations to their chunk's lines; unknown ids are dropped, so the block is
uncited) and checked with the real checker against corpus/. The checker flags a block when it
reports any error on it. Target (issue 4): balanced accuracy >= 85 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consolidate import pipeline  # noqa: E402
from consolidate import readback  # noqa: E402
from consolidate.checks.citations import SourceIndex  # noqa: E402
from consolidate.checks.links import input_urls  # noqa: E402
from consolidate.records import Citation, DraftBlock, DraftPage, DraftSection  # noqa: E402
from consolidate.render import render_page  # noqa: E402
from consolidate.settings import Settings  # noqa: E402
from consolidate.stages.check import check_pages  # noqa: E402


def block_page(item: dict, chunks: dict) -> DraftPage:
    cites = tuple(Citation(chunk=c.id, doc=c.doc, start=c.start, end=c.end)
                  for c in (chunks[i] for i in item["cites"] if i in chunks))
    text = f"```\n{item['text']}\n```" if item["kind"] == "code" else item["text"]
    block = DraftBlock(kind=item["kind"], text=text, citations=cites, para=1)
    return DraftPage(slug="labelled", title="Labelled", topic="t0", sources=tuple(sorted({c.doc for c in cites})),
                     sections=(DraftSection(heading="Claim", blocks=(block,)),), backend="local")


def run(labels: Path) -> dict:
    items = [json.loads(ln) for ln in labels.read_text(encoding="utf-8").splitlines() if ln.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        pipeline.run([ROOT / "corpus"], Path(tmp) / "out", Settings())
        out = readback.load_output(Path(tmp) / "out")
    chunks = {c.id: c for c in out.chunks}
    missing = sorted({i for it in items if it["label"] == "ok" for i in it["cites"] if i not in chunks})
    if missing:  # a correct block's sources must still exist, or the labels no longer mean anything
        raise SystemExit(f"{labels}: chunk ids {missing} are not in corpus/ any more; relabel against the current corpus")
    index, urls = SourceIndex(out.chunks, out.texts), input_urls(out.docs, out.texts)
    rows = []
    for it in items:
        page = render_page(block_page(it, chunks), "2026-01-01", "labelled")
        findings, _ = check_pages({"labelled.md": page}, index, urls)
        errors = sorted({f.kind for f in findings if f.severity == "error"})
        rows.append({"text": it["text"][:80], "label": it["label"], "flagged": bool(errors), "kinds": errors})
    pos = [r for r in rows if r["label"] == "error"]
    neg = [r for r in rows if r["label"] == "ok"]
    tpr = sum(r["flagged"] for r in pos) / len(pos) if pos else None
    tnr = sum(not r["flagged"] for r in neg) / len(neg) if neg else None
    bal = (tpr + tnr) / 2 if tpr is not None and tnr is not None else None
    return {"items": len(rows), "errors": len(pos), "ok": len(neg), "recall_on_errors": tpr,
            "specificity_on_ok": tnr, "balanced_accuracy": bal, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "eval/labels/model_claims.jsonl")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = run(a.labels)
    if a.json:
        print(json.dumps(res, indent=2))
        return
    for r in res["rows"]:
        mark = "ok " if (r["label"] == "error") == r["flagged"] else "MISS"
        print(f"{mark} label={r['label']:<5} flagged={str(r['flagged']):<5} {', '.join(r['kinds']) or '-':<32} {r['text']}")
    print(f"{res['items']} labelled blocks ({res['errors']} errors, {res['ok']} ok): recall on errors "
          f"{res['recall_on_errors']:.0%}, specificity {res['specificity_on_ok']:.0%}, "
          f"balanced accuracy {res['balanced_accuracy']:.0%}")


if __name__ == "__main__":
    main()
