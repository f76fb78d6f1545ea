"""What each site generator expects: where pages go, their routes and links, front matter, redirect and nav files.

- mkdocs: pages under `docs/`; links are relative `.md` paths (mkdocs resolves and checks them);
  only `.md`/`.markdown` files are pages, so an old `.mdx` file had no route to redirect; the
  title is the page's H1 (front matter `title` names it in nav).
- docusaurus: pages under `docs/`; links are relative `.md` paths (Docusaurus maps file paths to
  routes); `id`/`title`/`slug` front matter; the title is rendered as the H1, so the body has none.
- starlight: pages under `src/content/docs/`; links are routes (`/a/b/`, each path segment
  lower-cased and slugged like github-slugger; `index` is its folder, `README` is not); the
  title is rendered as the H1, so the body has none.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

from consolidate.fsio import dumps_json
from consolidate.linkmap import strip_ext

MKDOCS_PAGES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


@dataclass(frozen=True)
class Site:
    name: str
    content: str  # content folder under the site folder
    redirect_file: str
    anchor_style: str
    nav_file: str
    title_in_body: bool  # the generator renders the H1 from the body (else from front matter)


SITES = {
    "mkdocs": Site("mkdocs", "docs", "mkdocs.redirects.yml", "mkdocs", "mkdocs.nav.yml", True),
    "docusaurus": Site("docusaurus", "docs", "redirects.json", "github", "sidebars.json", False),
    "starlight": Site("starlight", "src/content/docs", "redirects.json", "github", "sidebar.json", False),
}


def yaml_scalar(value) -> str:
    """A value as YAML (JSON is YAML), non-ASCII written as itself: YAML reads an escaped surrogate
    pair (an emoji as \\ud83d\\udea6) as two lone surrogates, which mkdocs then cannot write out."""
    return json.dumps(value, ensure_ascii=False)


def _segment(seg: str) -> str:
    """One path segment as github-slugger makes it (Astro's content ids)."""
    return re.sub(r"[^\w\- ]", "", seg.lower()).replace(" ", "-")


def route(site: Site, path: str) -> str:
    """A content path as the site's URL path, no leading or trailing slash ("" for the root)."""
    # mkdocs takes off the last extension only (deploying.html.md is deploying.html/); Astro and Docusaurus all of them
    parts = (posixpath.splitext(path)[0] if site.name == "mkdocs" else strip_ext(path)).split("/")
    index = ("index",) if site.name == "starlight" else ("index", "readme")
    if parts[-1].lower() in index:
        parts = parts[:-1]
    if site.name == "starlight":
        parts = [_segment(s) for s in parts]
    return "/".join(parts)


def is_page(site: Site, path: str) -> bool:
    """Whether the generator makes a page (and so a route) of this content file."""
    low = path.lower()
    if site.name == "mkdocs":
        return low.endswith(MKDOCS_PAGES)
    return low.endswith((".md", ".mdx", ".markdown"))


def url(site: Site, path: str) -> str:
    r = route(site, path)
    if site.name == "docusaurus":
        return f"/docs/{r}".rstrip("/")
    return f"/{r}/" if r else "/"


def link(site: Site, src: str, dst: str, anchor: str = "") -> str:
    """How the page at content path src links to the page at dst (with #anchor when given)."""
    frag = f"#{anchor}" if anchor else ""
    if site.name == "starlight":
        return url(site, dst) + frag
    if src == dst and anchor:
        return frag
    return posixpath.relpath(dst, posixpath.dirname(src) or ".") + frag


def redirect_file(site: Site, retired: dict[str, str]) -> str:
    """retired: old content path -> new content path (already without self-redirects or kept routes)."""
    if site.name == "mkdocs":  # mkdocs-redirects `redirect_maps`
        lines = ["# mkdocs-redirects: add under `plugins:` in mkdocs.yml", "plugins:", "  - redirects:", "      redirect_maps:"]
        lines += [f"        {yaml_scalar(old)}: {yaml_scalar(new)}" for old, new in retired.items()]
        return "\n".join(lines) + "\n"
    if site.name == "docusaurus":  # @docusaurus/plugin-client-redirects `redirects` option
        return dumps_json([{"from": url(site, old), "to": url(site, new)} for old, new in retired.items()])
    return dumps_json({url(site, old): url(site, new) for old, new in retired.items()})  # Astro `redirects`


def front_matter(site: Site, path: str, title: str, meta: dict) -> dict:
    """The page's front matter: the title, the generator's own keys, then the carried metadata."""
    if site.name == "docusaurus":
        return {"id": posixpath.basename(strip_ext(path)), "title": title, "slug": url(site, path)[len("/docs"):] or "/"} | meta
    return {"title": title} | meta


def nav_file(site: Site, groups: list[tuple[str, list[tuple[str, str]]]], home: str | None) -> str:
    """groups: (label, [(title, content path)]) in order; home: the root hub's content path."""
    if site.name == "mkdocs":
        lines = ["# mkdocs nav: copy under `nav:` in mkdocs.yml (or INHERIT this file)", "nav:"]
        if home:
            lines.append(f"  - {yaml_scalar('Home')}: {yaml_scalar(home)}")
        for label, items in groups:
            lines.append(f"  - {yaml_scalar(label)}:")
            lines += [f"      - {yaml_scalar(t)}: {yaml_scalar(p)}" for t, p in items]
        return "\n".join(lines) + "\n"
    if site.name == "docusaurus":  # sidebars.js: module.exports = require('./sidebars.json')
        ids = [{"type": "doc", "id": strip_ext(home), "label": "Home"}] if home else []
        return dumps_json({"docs": ids + [{"type": "category", "label": label,
                                           "items": [{"type": "doc", "id": strip_ext(p), "label": t} for t, p in items]}
                                          for label, items in groups]})
    side = [{"label": "Home", "link": "/"}] if home else []  # Starlight `sidebar`
    return dumps_json(side + [{"label": label, "items": [{"label": t, "link": url(site, p)} for t, p in items]}
                              for label, items in groups])
