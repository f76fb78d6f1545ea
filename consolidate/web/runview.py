"""A finished run as the review app and publish see it: plan, pages, sources, report, ledger, decisions.

Nothing here builds a file path from request input: pages and documents are looked up by
name in what the run recorded, so a request can only reach files the run itself lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consolidate.errors import StateError
from consolidate.fsio import read_json
from consolidate.records import Chunk, Document, PagePlan, Plan
from consolidate.stages.split import expand_plan, load_splits
from consolidate.state import OutputDir, load_texts
from consolidate import decisions as D

DROPPED, MERGED, LINKED = "dropped", "merged", "linked-to"


def _optional_json(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        data = read_json(path)
    except (OSError, ValueError) as exc:
        raise StateError(f"{path}: not valid JSON ({exc}); rerun `consolidate run` for this output folder")
    return data if isinstance(data, dict) else None


@dataclass
class RunView:
    out: Path
    docs: dict[str, Document]
    chunks: list[Chunk]
    texts: dict[str, list[str]]
    changed: list[str]
    plan: Plan
    pages: dict[str, str]  # page file -> text in OUT/pages, in plan order
    report: dict
    ledger: dict | None
    decisions: dict[str, D.Decision] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)  # a page split for size -> its sub-pages

    @classmethod
    def load(cls, out: Path) -> "RunView":
        from consolidate.pipeline import read_plan_file

        od = OutputDir(out)
        od.require()
        docs = od.documents()
        chunks = od.chunks()
        texts, changed = load_texts(docs)
        plan, _ = read_plan_file(out / "plan.json", chunks, docs)
        splits = load_splits((_optional_json(out / "plan.json") or {}).get("split"), str(out / "plan.json"))
        plan = expand_plan(plan, splits)
        pages = {}
        for p in plan.pages:
            f = od.pages / p.file
            pages[p.file] = f.read_text(encoding="utf-8") if f.is_file() else ""
        report = _optional_json(out / "report.json") or {}
        return cls(out, {d.path: d for d in docs}, chunks, texts, changed, plan, pages, report,
                   _optional_json(out / "ledger.json"), D.load_decisions(out),
                   {s.page: [p.file for p in s.parts] for s in splits})

    def reload_decisions(self) -> None:
        self.decisions = D.load_decisions(self.out)

    # --- pages ---------------------------------------------------------------------------
    def page_plan(self, name: str) -> PagePlan | None:
        return next((p for p in self.plan.pages if p.file == name), None)

    def decision(self, name: str) -> D.Decision | None:
        p = self.page_plan(name)
        return D.current(self.decisions.get(name), p, self.docs) if p else None

    def status(self, name: str) -> str:
        d = self.decision(name)
        return d.status if d else "pending"

    def stale(self, name: str) -> bool:
        return name in self.decisions and self.decision(name) is None

    def text(self, name: str) -> str:
        """What the reviewer sees: a saved edit or accepted text when it still applies, else the run's page."""
        d = self.decision(name)
        return d.text if d is not None and d.text is not None else self.pages.get(name, "")

    def findings(self, name: str) -> list[dict]:
        d = self.decision(name)
        if d is not None and d.text is not None and d.text != self.pages.get(name):
            return list(d.findings)  # the checker's verdict on the edit
        return [f for f in self.report.get("findings", []) if f.get("page") == name]

    def backend(self, name: str) -> str:
        return str(self.report.get("page_details", {}).get(name, {}).get("backend", "unknown"))

    # --- ledger and conflicts (written by the checker; may be absent) ----------------------
    def coverage(self, name: str) -> float | None:
        if self.ledger is None:
            return None
        cov = self.ledger.get("pages", {}).get(name, {}).get("coverage")
        return float(cov) if isinstance(cov, (int, float)) else None

    def ledger_entries(self, name: str) -> dict[str, list[dict]] | None:
        """Dropped passages of this page's sources, passages merged into it as duplicates, and
        passages said on their owner page, which this page links to (merge/owners.py)."""
        if self.ledger is None:
            return None
        p = self.page_plan(name)
        sources = set(p.sources) if p else set()
        out: dict[str, list[dict]] = {DROPPED: [], MERGED: [], LINKED: []}
        for e in self.ledger.get("entries", []):
            if e.get("status") in (MERGED, LINKED) and e.get("page") == name:
                out[e["status"]].append(e)
            elif e.get("status") == DROPPED and (e.get("page") == name or (e.get("page") is None and e.get("doc") in sources)):
                out[DROPPED].append(e)
        return out

    def conflicts(self, name: str) -> list[dict] | None:
        if "conflicts" not in self.report:
            return None
        return [c for c in self.report["conflicts"] if c.get("page") == name]

    def conflict_findings(self, name: str) -> list[dict]:
        return [f for f in self.report.get("findings", []) if f.get("page") == name and f.get("kind") == "conflict"]

    def row(self, name: str) -> dict:
        p = self.page_plan(name)
        fs = self.findings(name)
        conflicts = self.conflicts(name)
        return {"name": name, "title": p.title if p else name, "status": self.status(name), "stale": self.stale(name),
                "errors": sum(f.get("severity") == "error" for f in fs),
                "warnings": sum(f.get("severity") == "warning" for f in fs),
                "coverage": self.coverage(name), "backend": self.backend(name),
                "conflicts": len(conflicts) if conflicts is not None else None,
                "conflict_findings": len(self.conflict_findings(name)), "sources": list(p.sources) if p else []}
