"""Reading a finished run back: `check OUT`, `check PAGES --sources`, `check --inbound`, `review`.

These read what a run saved (consolidate/state.py) and the inputs as they are now; they run no stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consolidate.checks.citations import SourceIndex
from consolidate.checks.inbound import list_inbound
from consolidate.checks.links import input_urls
from consolidate.checks.tree import check_tree
from consolidate.errors import UsageError
from consolidate.fsio import confined, read_json
from consolidate.markdown.slugs import STYLES
from consolidate.pipeline import read_plan_file, site_root
from consolidate.records import Chunk, Conflict, Document, Finding
from consolidate.review import review_files
from consolidate.settings import Settings
from consolidate.stages.check import check_pages
from consolidate.stages.chunk import chunk_documents
from consolidate.stages.ingest import ingest
from consolidate.stages.write import write_review
from consolidate.state import OutputDir, load_texts


@dataclass
class Output:
    """A finished run as the checker reads it."""
    docs: list[Document]
    chunks: list[Chunk]
    texts: dict[str, list[str]]
    pages: dict[str, str]  # page file -> markdown
    assets: set[str]  # copied files under pages/
    changed: list[str]  # sources that changed since the run


def load_output(out: Path) -> Output:
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    texts, changed = load_texts(docs)
    pages = dict(od.page_texts())
    assets = {p.relative_to(od.pages).as_posix() for p in od.pages.rglob("*") if p.is_file() and p.suffix != ".md"}
    return Output(docs, od.chunks(), texts, pages, assets, changed)


def check_only(out: Path, style: str = "github", settings: Settings | None = None) -> tuple[list[Finding], dict[str, int]]:
    od = OutputDir(out)
    if out.is_dir() and not (out / ".consolidate").exists():
        raise UsageError(f"{out}: not a consolidate output folder; to check pages people wrote, pass --sources DIR (the folder they came from)")
    run = load_output(out)
    docs, chunks, texts, pages, assets, changed = run.docs, run.chunks, run.texts, run.pages, run.assets, run.changed
    findings = [Finding(severity="error", kind="source-changed", page="", message=f"{m}; rerun `consolidate run`") for m in changed]
    report = read_json(out / "report.json") if (out / "report.json").exists() else {}
    conflicts: dict[str, list[Conflict]] = {}
    for c in report.get("conflicts", []):
        conflicts.setdefault(c.get("page", ""), []).append(Conflict.model_validate({k: v for k, v in c.items() if k not in ("page", "topic", "silently_resolved")}))
    f, claims = check_pages(pages, SourceIndex(chunks, texts), input_urls(docs, texts), assets, style=style, conflicts=conflicts,
                            site_root=site_root(settings or Settings()))
    return findings + f, claims


def check_standalone(pages_dir: Path, sources: list[Path], settings: Settings, style: str = "github") -> tuple[list[Finding], dict[str, int]]:
    """`consolidate check PAGES --sources DIR...`: any markdown tree against the sources it came from."""
    if not sources:
        raise UsageError(f"{pages_dir}: not a consolidate output folder; pass --sources DIR to check it against its sources")
    if style not in STYLES:
        raise UsageError(f"--site {style}: unknown; choose one of {', '.join(STYLES)}")
    mb = settings.ingest.max_file_bytes
    follow = settings.ingest.follow_links_into
    docs, texts, findings = ingest(sources, max_bytes=mb, follow_into=follow)
    page_docs, page_texts, pf = ingest([pages_dir], max_bytes=mb, follow_into=follow)
    chunks, _ = chunk_documents(docs, texts, max_tokens=settings.chunk.max_tokens, encoding=settings.chunk.encoding)
    pages = {d.path: "\n".join(page_texts[d.path]) for d in page_docs}
    f, claims = check_tree(pages, page_docs, docs, SourceIndex(chunks, texts), input_urls(docs, texts), style,
                           site_root(settings))
    return findings + pf + f, claims


def inbound_links(out: Path, tree: Path, settings: Settings) -> list[Finding]:
    """Links in a docs tree outside the merge set that point at retired input pages, with their rewrite."""
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    plan = read_plan_file(out / "plan.json", od.chunks(), docs)[0]
    others, _, fs = ingest([tree], max_bytes=settings.ingest.max_file_bytes, exclude=[out],
                           follow_into=settings.ingest.follow_links_into)
    return fs + list_inbound(others, docs, plan.redirects)


def review_only(out: Path) -> Path:
    od = OutputDir(out)
    od.require()
    docs = od.documents()
    texts, _ = load_texts(docs)
    pages = od.page_texts()
    findings = read_json(od.state / "findings.json") if (od.state / "findings.json").exists() else []
    with confined(out):
        write_review(out, review_files(pages, texts, findings))
    return out / "review.html"
