"""Check: every claim of every page cites a real input span holding its facts; every link resolves."""

from __future__ import annotations

from pathlib import Path

from consolidate.checks.citations import SourceIndex, check_citations
from consolidate.checks.claims import parse_page
from consolidate.checks.conflicts import check_resolutions
from consolidate.checks.links import check_links, page_anchors
from consolidate.checks.navigation import check_navigation
from consolidate.records import Finding


def check_pages(pages: dict[str, str], index: SourceIndex, urls: set[str], assets: set[str] = frozenset(),
                style: str = "github", conflicts: dict[str, list] | None = None,
                site_root: Path | None = None) -> tuple[list[Finding], dict[str, int]]:
    """pages: file name -> markdown. Returns findings and the number of claims per page.
    site_root: the folder site-root routes are verified in (else they are outside links)."""
    parsed = {name: parse_page(text) for name, text in pages.items()}
    anchors = {name: page_anchors(p, style) for name, p in parsed.items()}
    files = set(pages) | set(assets)
    findings: list[Finding] = []
    claims = {}
    for name, p in parsed.items():
        findings += check_citations(name, p, index)
        findings += check_links(name, p, anchors, files, urls, site_root)
        findings += check_resolutions(name, p, (conflicts or {}).get(name, []))
        findings += check_navigation(name, p, parsed, style)
        claims[name] = len(p.claims)
    return findings, claims
