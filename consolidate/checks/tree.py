"""Check any markdown tree against its sources: pages people wrote, or ours copied elsewhere.

Claims with citation markers are checked as in our own output; claims without them are
reported as uncited and their facts are searched in every source. Links are checked by the one
whole-tree link checker (checks/linkscan.py, also `check --links-only`): relative paths, `.html`
routes, site-root routes, folder indexes, anchors with the chosen generator's slug rules; here a
URL must also be one the sources hold.
"""

from __future__ import annotations

from pathlib import Path

from consolidate.checks.citations import SourceIndex, check_citations
from consolidate.checks.claims import parse_page
from consolidate.checks.linkscan import DeadLink, check_tree_links
from consolidate.checks.sources import SourceSearch
from consolidate.records import Document, Finding


def check_tree(pages: dict[str, str], page_docs: list[Document], source_docs: list[Document], index: SourceIndex,
               urls: set[str], style: str = "github", site_root: Path | None = None) -> tuple[list[Finding], dict[str, int]]:
    """pages: path in the tree -> markdown; page_docs: the same files ingested (their root is the
    tree's). A link that leaves the tree (a relative link out of it, or a site-root route that
    matches no page when no site_root is given: with one, the route is verified there) is a
    warning, `outside-link`, not verified; so is one that leads nowhere in the tree but that the
    sources hold too; a new dead link is an error."""
    search = SourceSearch(index.texts)
    parsed = {name: parse_page(text) for name, text in pages.items()}
    findings: list[Finding] = []
    for name, p in sorted(parsed.items()):
        findings += check_citations(name, p, index, fallback=search)
    inherited = {l.target.strip() for d in source_docs for l in d.links}
    for root in sorted({d.root for d in page_docs}):  # one: the tree (or a single page's folder)
        dead, _ = check_tree_links(root, style, site_root=site_root, urls=urls, only=set(pages))
        findings += [link_finding(d, inherited) for d in dead]
    return findings, {name: len(p.claims) for name, p in parsed.items()}


def link_finding(d: DeadLink, inherited: set[str] = frozenset()) -> Finding:
    """A link the checker found dead (an error) or outside the tree, or dead but linked from the sources too (warnings)."""
    if not d.outside and d.target.strip() in inherited:
        return Finding(severity="warning", kind="outside-link", page=d.file, line=d.line,
                       message=f"{d.message}; the sources link there too")
    return Finding(severity=d.severity, kind=d.kind, page=d.file, line=d.line, message=d.message)
