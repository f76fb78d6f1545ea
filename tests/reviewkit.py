"""A small finished run for the review app and publish tests: hostile content, a ledger and conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import page_file, write
from consolidate.cli import app

XSS = '<script>alert("xss")</script>'
DOCS = {
    "worker.md": f"""# Background worker

The worker takes jobs from the queue and runs them one by one.
Set concurrency to 8 for most installs.
A failed job is retried 3 times before it is marked dead.

See [the runbook](runbook.md) and [click me](javascript:alert(1)).

## Job names

Job names are free text, so a name like {XSS} is shown as text.
""",
    "ops/worker-old.md": """# Worker (old)

The worker takes jobs from the queue and runs them one by one.
Set concurrency to 4 for most installs.
""",
    "runbook.md": """# Worker runbook

When the queue backs up, check the worker logs first.
Restart the worker with `tidectl worker restart`.
""",
}


# The review and publish tests need this tree's three pages (worker.md and its drifted copy
# ops/worker-old.md on pages of their own, to test retired links), not whatever the clustering
# defaults make of three tiny documents, so the cut is fixed here.
CLUSTER = "[cluster]\nthreshold = 0.95\ncentre_docs = 0\n"


def run_args(root: Path) -> list[str]:
    (root / "cluster.toml").write_text(CLUSTER)
    return ["run", str(root / "docs"), "--out", str(root / "out"), "--quiet", "--config", str(root / "cluster.toml")]


def make_run(root: Path, extras: bool = True) -> Path:
    """Run consolidate on DOCS under root/docs; returns the output folder. extras: replace the run's ledger and
    conflicts with fixed ones holding hostile text; without extras: remove them (a run from before they existed)."""
    for rel, text in DOCS.items():
        write(root / "docs", rel, text)
    out = root / "out"
    result = CliRunner().invoke(app, run_args(root))
    assert result.exit_code in (0, 1), result.output
    if extras:
        add_ledger_and_conflicts(out)
    else:
        (out / "ledger.json").unlink()
        report = json.loads((out / "report.json").read_text())
        report.pop("conflicts"), report.pop("stale")
        (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return out


def first_page(out: Path) -> str:
    """The page drafted from worker.md (the one with the ledger entries and the conflict)."""
    return next(page_file(p) for p in json.loads((out / "plan.json").read_text())["pages"] if "worker.md" in p["sources"])


def add_ledger_and_conflicts(out: Path) -> None:
    """A ledger and conflicts in the shape the checker writes (docs/outputs.md), with hostile text in them."""
    page = first_page(out)
    ledger = {
        "coverage": {"units": 10, "kept": 7, "merged": 2, "dropped": 1, "accounted": 1.0},
        "documents": {},
        "pages": {page: {"units": 10, "kept": 7, "merged": 2, "dropped": 1, "coverage": 0.9}},
        "entries": [
            {"doc": "worker.md", "start": 3, "end": 3, "kind": "sentence", "status": "kept", "page": page,
             "text": "The worker takes jobs from the queue and runs them one by one."},
            {"doc": "ops/worker-old.md", "start": 3, "end": 3, "kind": "sentence", "status": "merged", "page": page,
             "duplicate_of": {"doc": "worker.md", "start": 3, "end": 3}},
            {"doc": "worker.md", "start": 1, "end": 1, "kind": "sentence", "status": "dropped", "page": None,
             "reason": "boilerplate", "text": f"old heading {XSS}"},
        ],
    }
    (out / "ledger.json").write_text(json.dumps(ledger), encoding="utf-8")
    report = json.loads((out / "report.json").read_text())
    report["conflicts"] = [{"id": "k1", "page": page, "topic": 0, "kind": "value", "subject": "concurrency",
                            "silently_resolved": False,
                            "sides": [{"doc": "worker.md", "start": 4, "end": 4, "chunk": "", "text": "Set concurrency to 8 for most installs.", "values": ["8"]},
                                      {"doc": "ops/worker-old.md", "start": 4, "end": 4, "chunk": "", "text": "Set concurrency to 4 for most installs.", "values": ["4"]}]}]
    report["stale"] = []
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
