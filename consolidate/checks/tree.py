"""Check any markdown tree against its sources: pages people wrote, or ours copied elsewhere.

Claims with citation markers are checked as in our own output; claims without them are
reported as uncited and their facts are searched in every source. Links are resolved the way
a docs site would (relative paths, `.html` routes, site-root routes, folder indexes) and
anchors with the chosen generator's slug rules.
"""

from __future__ import annotations

from pathlib import Path

from consolidate.checks.citations import SourceIndex, check_citations
from consolidate.checks.claims import ParsedPage, parse_page
from consolidate.checks.links import OUTSIDE, ROUTE, page_anchors
from consolidate.checks.sources import SourceSearch
from consolidate.linkmap import LinkResolver
from consolidate.records import Document, Finding


def check_tree(pages: dict[str, str], page_docs: list[Document], source_docs: list[Document], index: SourceIndex,
               urls: set[str], style: str = "github", site_root: Path | None = None) -> tuple[list[Finding], dict[str, int]]:
    """pages: path in the tree -> markdown; page_docs: the same files ingested (for their links).
    A link that leaves the tree (a relative link out of it, or a site-root route that matches no
    page when no site_root is given: with one, the route is verified there) is a warning,
    `outside-link`, not verified; so is one that leads nowhere in the tree but that the sources
    hold too; a new dead link is an error."""
    search = SourceSearch(index.texts)
    parsed = {name: parse_page(text) for name, text in pages.items()}
    anchors = {name: page_anchors(p, style) for name, p in parsed.items()}
    resolver = LinkResolver(page_docs, site_root)
    inherited = {l.target.strip() for d in source_docs for l in d.links}
    findings: list[Finding] = []
    for name, p in sorted(parsed.items()):
        findings += check_citations(name, p, index, fallback=search)
    for d in page_docs:
        findings += tree_links(d, parsed[d.path], resolver, anchors, urls, inherited)
    return findings, {name: len(p.claims) for name, p in parsed.items()}


def tree_links(doc: Document, parsed: ParsedPage, resolver: LinkResolver, anchors: dict[str, set[str]],
               urls: set[str], inherited: set[str] = frozenset()) -> list[Finding]:
    out = []
    for link in doc.links:
        if link.kind == "definition" and link.text.startswith("^"):
            continue
        if link.line in parsed.code_lines:
            continue
        r = resolver.resolve(doc.path, link.target)
        problem = ""
        if r.kind == "external":
            if link.target not in urls:
                problem = "is a URL found in no input"
        elif r.kind == "outside":
            out.append(Finding(severity="warning", kind="outside-link", page=doc.path, line=link.line,
                               message=f"{doc.path}:{link.line}: link {link.target!r} "
                                       f"{ROUTE if link.target.strip().startswith('/') else OUTSIDE}"))
            continue
        elif r.kind == "dead":
            if _is_folder(doc, link.target):
                continue
            problem = "points to no page or file in the tree"
        elif r.kind == "doc" and r.anchor and r.anchor not in anchors.get(r.doc, set()):
            problem = f"points to anchor #{r.anchor}, which {r.doc} does not have"
        if problem and link.target.strip() in inherited:
            out.append(Finding(severity="warning", kind="outside-link", page=doc.path, line=link.line,
                               message=f"{doc.path}:{link.line}: link {link.target!r} {problem}; the sources link there too"))
        elif problem:
            out.append(Finding(severity="error", kind="dead-link", page=doc.path, line=link.line,
                               message=f"{doc.path}:{link.line}: link {link.target!r} {problem}"))
    return out


def _is_folder(doc: Document, target: str) -> bool:
    """A relative link to a folder inside the tree (GitHub shows its listing)."""
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path or path.startswith("/") or not doc.file:
        return False
    cand, root = (Path(doc.file).parent / path).resolve(), Path(doc.root).resolve()
    return cand.is_dir() and (cand == root or root in cand.parents)
