"""Check: every claim of every page cites a real input span holding its facts; every link resolves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consolidate.checks.citations import SourceIndex, check_citations
from consolidate.checks.claims import ParsedPage, parse_page
from consolidate.checks.conflicts import check_resolutions
from consolidate.checks.links import check_links, page_anchors
from consolidate.checks.navigation import check_navigation
from consolidate.executors import Executor, LocalExecutor
from consolidate.records import Finding


@dataclass
class _Shared:
    """What every page's checks read besides the page (an executor ships it once)."""
    index: SourceIndex
    anchors: dict[str, set[str]]
    files: set[str]
    urls: set[str]
    conflicts: dict[str, list]
    parsed: dict[str, ParsedPage]  # every page: a split page's navigation names its parts' titles
    site_root: Path | None


def check_pages(pages: dict[str, str], index: SourceIndex, urls: set[str], assets: set[str] = frozenset(),
                style: str = "github", conflicts: dict[str, list] | None = None,
                site_root: Path | None = None, executor: Executor | None = None) -> tuple[list[Finding], dict[str, int]]:
    """pages: file name -> markdown. Returns findings and the number of claims per page.
    site_root: the folder site-root routes are verified in (else they are outside links).
    executor: who maps the per-page work (consolidate/executors.py; default: this process)."""
    ex = executor or LocalExecutor()
    parsed = dict(zip(pages, ex.map(_parse, pages.values())))
    anchors = {name: page_anchors(p, style) for name, p in parsed.items()}
    shared = _Shared(index, anchors, set(pages) | set(assets), urls, conflicts or {}, parsed, site_root)
    findings: list[Finding] = []
    claims = {}
    for name, fs, n in ex.map(_check_page, parsed.items(), shared):
        findings += fs
        claims[name] = n
    return findings, claims


def _parse(_, text: str) -> ParsedPage:
    return parse_page(text)


def _check_page(s: _Shared, item: tuple[str, ParsedPage]) -> tuple[str, list[Finding], int]:
    """One page's findings and claim count (pure; per page)."""
    name, p = item
    findings = check_citations(name, p, s.index)
    findings += check_links(name, p, s.anchors, s.files, s.urls, s.site_root)
    findings += check_resolutions(name, p, s.conflicts.get(name, []))
    findings += check_navigation(name, p, s.parsed)
    return name, findings, len(p.claims)
