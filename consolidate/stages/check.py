"""Check: every claim of every page cites a real input span holding its facts; every link resolves.

With a memo (stages/page_memo.py) a page is checked again only when its text, its conflicts, the
sources it cites, or the run's link context (every page's anchors and title, the files, the
inputs' URLs) changed, or a word its check took for an ordinary word of the sources (or for a
name) no longer is; otherwise its findings are reused.
"""

from __future__ import annotations

from pathlib import Path

from consolidate.checks.citations import SourceIndex, check_citations
from consolidate.checks.claims import parse_page
from consolidate.checks.conflicts import check_resolutions
from consolidate.checks.links import check_links, heading_texts
from consolidate.checks.navigation import check_navigation, page_title
from consolidate.records import Finding
from consolidate.stages.page_memo import PageMemo


def check_pages(pages: dict[str, str], index: SourceIndex, urls: set[str], assets: set[str] = frozenset(),
                style: str = "github", conflicts: dict[str, list] | None = None,
                site_root: Path | None = None, memo: PageMemo | None = None,
                doc_digests: dict[str, str] | None = None, parsed: dict | None = None) -> tuple[list[Finding], dict[str, int]]:
    """pages: file name -> markdown. Returns findings and the number of claims per page.
    site_root: the folder site-root routes are verified in (else they are outside links).
    memo, doc_digests (each source's sha256): reuse the results of pages whose inputs are unchanged.
    parsed: filled with the pages this check parsed (name -> checks.claims.ParsedPage), for the ledger."""
    memo = memo or PageMemo(None)
    parsed = {} if parsed is None else parsed
    info = {}
    for name, text in pages.items():  # what other pages read of a page: its headings by anchor and title; what it cites
        tkey = memo.key("parsed", text, style)
        hit = memo.get("parsed", tkey, name)
        if hit is None:
            p = parsed[name] = parse_page(text)
            hit = (sorted(heading_texts(p, style).items()), page_title(p), sorted({(r.doc, r.chunk) for r in p.refs.values()}))
            memo.put("parsed", tkey, hit)
        info[name] = hit
    headings = {name: dict(i[0]) for name, i in info.items()}  # anchor -> heading text
    anchors = {name: set(h) for name, h in headings.items()}
    titles = {name: i[1] for name, i in info.items()}
    files = set(pages) | set(assets)
    context = memo.key("context", sorted((n, i[0], i[1]) for n, i in info.items()), sorted(files), sorted(urls),
                       str(site_root), style)
    findings: list[Finding] = []
    claims = {}
    for name, text in pages.items():
        cited = info[name][2]
        key = memo.key("checked", text, context, [c.model_dump(mode="json") for c in (conflicts or {}).get(name, [])],
                       [(doc, (doc_digests or {}).get(doc, ""), _span(index, chunk)) for doc, chunk in cited])
        done = memo.get("checked", key, name)
        if done is not None and any((w in index.vocab) != a for w, a in done[2].items()):
            done = memo.forget("checked", name)  # a word it took for ordinary (or a name) no longer is
        if done is None:
            p = parsed[name] = parsed.get(name) or parse_page(text)
            index.asked = {}
            fs = check_citations(name, p, index)
            done = (fs + check_links(name, p, anchors, files, urls, site_root)
                    + check_resolutions(name, p, (conflicts or {}).get(name, [])) + check_navigation(name, p, titles, headings),
                    len(p.claims), dict(sorted(index.asked.items())))
            index.asked = None
            memo.put("checked", key, done)
        findings += done[0]
        claims[name] = done[1]
    memo.prune()
    return findings, claims


def _span(index: SourceIndex, chunk: str) -> tuple | None:
    c = index.chunks.get(chunk) if chunk else None
    return (c.doc, c.start, c.end) if c else None
