"""Publish reviewed pages into a docs site: pages in their sections, hubs, nav, the redirect file, inbound links rewritten.

What it touches is decided first, as a list of actions, then carried out (or only listed with
--dry-run). It writes the accepted pages (and edits the checker passed) into the site's content
folder, each under its plan section (the folder of its main source; historical pages under
`archive/` with a banner), a hub page per section and at the root, the generator's nav and
redirect files; it deletes input pages that are retired (every page their content went to is
published) and still hold exactly what the run read, then the folders that this leaves empty,
and rewrites links in the rest of the tree that point at a retired page. A file it did not write
and the plan does not cover is never overwritten or deleted without --force.
`.consolidate-publish.json` records what it wrote, so publishing again may replace its own files.
Generator rules (routes, links, front matter, one H1, asides) are in sites.py and shape.py.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from consolidate.checks.claims import parse_page
from consolidate.checks.links import page_anchors
from consolidate.errors import UsageError
from consolidate.fsio import (check_inside, confined, dumps_json, is_inside, read_json, remove, remove_empty_folder,
                             write_bytes, write_text)
from consolidate.publish import hubs, links, meta as M, shape
from consolidate.publish.sites import SITES, Site, is_page, nav_file, redirect_file, yaml_scalar
from consolidate.records import page_link
from consolidate.publish.sites import front_matter as site_front_matter
from consolidate.publish.sites import route as site_route
from consolidate.stages.ingest import front_matter, is_markdown, split_lines
from consolidate.stages.sections import audience_of
from consolidate.web.runview import RunView

MANIFEST = ".consolidate-publish.json"
SKIP_DIRS = {".git", "node_modules", ".docusaurus", "site", "build", "dist", ".astro"}
ARCHIVE = "archive"
ARCHIVE_NOTE = "This page is archived: it describes how things were, not how they are. Do not follow it for current work."
__all__ = ["MANIFEST", "SITES", "Action", "PublishResult", "plan_publish", "publish", "route"]


@dataclass(frozen=True)
class Action:
    kind: str  # write | overwrite | unchanged | delete | rewrite-links | remove-folder
    path: str  # relative to the site folder
    detail: str = ""
    text: str | bytes | None = None  # new content (None for delete; bytes for an asset)


@dataclass
class PublishResult:
    to: Path
    site: str
    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (page, why not published)
    warnings: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(a.detail.startswith("page ") for a in self.actions)

    def lines(self) -> list[str]:
        verb = "would " if self.dry_run else ""
        out = [f"{verb}{a.kind} {self.to / a.path}" + (f" ({a.detail})" if a.detail else "")
               for a in self.actions if a.kind != "unchanged"]
        out += [f"not published: {page}: {why}" for page, why in self.skipped]
        out += [f"warning: {w}" for w in self.warnings]
        changed = sum(a.kind != "unchanged" for a in self.actions)
        out.append(f"{'dry run: ' if self.dry_run else ''}{self.pages} pages, {changed} files "
                   f"{'would change' if self.dry_run else 'changed'} in {self.to} ({self.site})")
        return out


def route(path: str) -> str:
    """A docs path as a site URL path: no extension (templated ones too), index/README as its folder."""
    return site_route(SITES["docusaurus"], path)


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def _selected(view: RunView) -> tuple[dict[str, str], list[tuple[str, str]]]:
    chosen, skipped = {}, []
    for name in view.pages:
        d = view.decision(name)
        if d is None:
            skipped.append((name, "stale: its sources changed since the decision" if view.stale(name) else "pending review"))
        elif d.status == "rejected":
            skipped.append((name, "rejected"))
        elif d.status == "edited" and d.errors:
            skipped.append((name, f"the edit has {d.errors} checker error(s)"))
        elif d.text is not None:
            chosen[name] = d.text
    return chosen, skipped


def _retired(view: RunView, chosen: dict[str, str]) -> dict[str, str]:
    """Input page -> its main new page, for inputs whose every target page is published (a page
    split for size with all its sub-pages)."""
    return {old: new[0] for old, new in sorted(view.plan.redirects.items())
            if new and all(p in chosen for n in new for p in [n] + view.parts.get(n, []))}


def site_page(site: Site, path: str, text: str, meta: dict, archived: bool) -> tuple[str, list[str]]:
    """The page file in the generator's conventions; notes about what it could not carry."""
    lines = split_lines(text)
    fm, body_start, _ = front_matter(lines, path)
    body, h1 = shape.one_h1(site, lines[body_start - 1:])
    body, components = shape.asides(site, body)
    title = str(fm.get("title") or h1 or posixpath.basename(site_route(site, path)) or "Home")
    keep = {k: v for k, v in fm.items() if k != "title"} if site.name == "mkdocs" else {}  # provenance kept for mkdocs
    head = ["---"] + [f"{k}: {yaml_scalar(v)}" for k, v in (site_front_matter(site, path, title, meta) | keep).items()]
    if archived:
        at = 1 if site.title_in_body and body and body[0].startswith("# ") else 0
        body = body[:at] + ([""] if at else []) + shape.banner(site, ARCHIVE_NOTE) + body[at:]
    notes = [f"{path}: component <{c}> has no equivalent in {site.name}; it is published as raw HTML" for c in components]
    return "\n".join(head + ["---", "", ""]) + "\n".join(body).rstrip("\n") + "\n", notes


def _layout(view: RunView, chosen: dict[str, str]) -> tuple[dict[str, str], dict[str, dict], list[str]]:
    """Page name -> content path (its section; archive/ for a historical page), its metadata, notes."""
    plans = {p.file: p for p in view.plan.pages}
    layout, metas, notes = {}, {}, []
    for name in chosen:
        p = plans[name]
        metas[name], disagree = M.carried(p.sources, view.docs)
        notes += [f"{name}: sources disagree on {d}" for d in disagree]
        layout[name] = f"{ARCHIVE}/{name}" if M.is_historical(p, metas[name]) else name  # name: in its section
    return layout, metas, notes


def _hubs(site: Site, view: RunView, chosen: dict[str, str], layout: dict[str, str], taken: set[str]) -> dict[str, str]:
    """Hub pages (content path -> text) where no page the site keeps already has that route."""
    plans = {p.file: p for p in view.plan.pages}
    found: dict[str, str] = {}
    order = sorted(chosen, key=lambda n: (hubs.order(_audience(plans[n], layout[n])), list(view.pages).index(n)))
    if site_route(site, "index.md") not in taken:
        groups: dict[str, list] = {}
        for n in order:
            groups.setdefault(hubs.label(_audience(plans[n], layout[n])), []).append((plans[n].title, layout[n], chosen[n]))
        found["index.md"] = hubs.hub_text(site, "index.md", "Documentation", list(groups.items()))
    for section in sorted({posixpath.dirname(p) for p in layout.values()} - {""}):
        path = f"{section}/index.md"
        if site_route(site, path) in taken:
            continue
        items = [(plans[n].title, layout[n], chosen[n]) for n in order if posixpath.dirname(layout[n]) == section]
        found[path] = hubs.hub_text(site, path, hubs.section_title(section), [("", items)])
    return found


def _audience(page, path: str) -> str:
    """The group a published page is listed under: its audience, or the archive (listed last)."""
    return "archive" if path.startswith(ARCHIVE + "/") else page.audience


def _nav(site: Site, view: RunView, layout: dict[str, str], hub_paths: set[str], kept: dict[str, str]) -> str:
    """Published pages by audience in plan order, then the site's own pages it keeps (kept: path -> text), by path."""
    plans = {p.file: p for p in view.plan.pages}
    entries = [(hubs.order(a), i, a, plans[n].title, layout[n]) for i, n in enumerate(sorted(layout, key=list(view.pages).index))
               if (a := _audience(plans[n], layout[n]))]
    for i, (path, text) in enumerate(sorted(kept.items()), start=len(entries)):
        fm, _, _ = front_matter(split_lines(text), path)
        audience = "archive" if path.startswith(ARCHIVE + "/") else audience_of(path, str(fm.get("title", "")), fm)
        entries.append((hubs.order(audience), i, audience, str(fm.get("title") or _h1(text) or path), path))
    groups: dict[str, list[tuple[str, str]]] = {}
    for _, _, audience, title, path in sorted(entries):
        groups.setdefault(hubs.label(audience), []).append((title, path))
    return nav_file(site, list(groups.items()), "index.md" if "index.md" in hub_paths else None)


def _h1(text: str) -> str | None:
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), None)


def plan_publish(out: Path, to: Path, site_name: str, force: bool = False) -> PublishResult:
    site = SITES.get(site_name)
    if site is None:
        raise UsageError(f"unknown site {site_name!r}; known: {', '.join(sorted(SITES))}")
    if to.exists() and not to.is_dir():
        raise UsageError(f"{to}: exists and is not a folder; pass a docs site folder to --to")
    if to.resolve() == out.resolve() or out.resolve() in to.resolve().parents:
        raise UsageError(f"{to}: cannot publish into the run's output folder; pass the docs site folder to --to")
    view = RunView.load(out)
    chosen, skipped = _selected(view)
    res = PublishResult(to, site.name, False, skipped=skipped)
    if not chosen:
        return res
    layout, metas, notes = _layout(view, chosen)
    retired = {old: layout[new] for old, new in _retired(view, chosen).items()}
    manifest = _read_manifest(to)
    content = site.content
    owned = {p for p, h in manifest.items() if (to / p).is_file() and _sha((to / p).read_bytes()) == h}
    deletes: dict[str, str] = {}
    for old, new in retired.items():
        p, f = f"{content}/{old}", to / content / old
        if not f.is_file() or p in manifest:  # a file it published itself: the record decides (below)
            continue
        doc = view.docs.get(old)
        if doc is not None and _sha(f.read_bytes()) == doc.sha256:
            owned.add(p)
        elif not force:
            raise UsageError(f"{f}: retired page changed since the run; rerun `consolidate run` or pass --force to delete it")
        if old != new:
            deletes[p] = f"retired: its content is in {new}" + ("" if p in owned else " (changed since the run; --force)")
    pages_at = set(layout.values())
    site_files = {f.relative_to(to / content).as_posix() for f in _markdown_files(to / content)}
    remaining = {p for p in site_files if f"{content}/{p}" not in deletes and f"{content}/{p}" not in manifest and p not in pages_at}
    taken = {site_route(site, p) for p in remaining | pages_at if is_page(site, p)}
    hub_pages = _hubs(site, view, chosen, layout, taken)
    taken |= {site_route(site, p) for p in hub_pages}
    anchors = {name: page_anchors(parse_page(text), site.anchor_style) for name, text in chosen.items()}
    assets = _assets(out / "pages", chosen)
    wanted: dict[str, tuple[str | bytes, str]] = {}  # path -> (content, detail)
    for name, text in chosen.items():
        body = links.page_links(site, name, layout[name], text, layout, {a: a for a in assets}, anchors)
        page, why = site_page(site, layout[name], body, metas[name], layout[name].startswith(ARCHIVE + "/"))
        wanted[f"{content}/{layout[name]}"] = (page, f"page {name}")
        notes += why
    for path, text in hub_pages.items():
        wanted[f"{content}/{path}"] = (site_page(site, path, text, {}, False)[0], "hub")
    for rel, data in assets.items():
        wanted[f"{content}/{rel}"] = (data, "asset")
    moved = {old: new for old, new in retired.items()
             if is_page(site, old) and site_route(site, old) != site_route(site, new) and site_route(site, old) not in taken}
    wanted[site.redirect_file] = (redirect_file(site, moved), f"redirects: {len(moved)} retired pages")
    kept = {p: (to / content / p).read_text(encoding="utf-8", errors="replace") for p in sorted(remaining) if is_page(site, p)}
    wanted[site.nav_file] = (_nav(site, view, layout, set(hub_pages), kept), "nav")
    deletes = {p: why for p, why in deletes.items() if p not in wanted}  # a hub or page now at that path replaces it
    for p in sorted(manifest):
        if p not in wanted and p not in deletes and (to / p).is_file():
            if p in owned or force:
                deletes[p] = "published before, not in this plan"
            else:
                raise UsageError(f"{to / p}: changed since consolidate published it; pass --force to delete it")
    outside: list[str] = []
    for p, (text, detail) in sorted(wanted.items()):
        f = to / p
        if not f.exists():
            res.actions.append(Action("write", p, detail, text))
        elif f.is_file() and f.read_bytes() == (text.encode("utf-8") if isinstance(text, str) else text):
            res.actions.append(Action("unchanged", p, detail, text))
        elif p in owned or force:
            res.actions.append(Action("overwrite", p, detail, text))
        else:
            raise UsageError(f"{f}: exists and was not written by consolidate; move it or pass --force to overwrite it")
    for p in list(wanted) + list(deletes) + [MANIFEST]:  # before anything is written, dry run too
        check_inside(to / p, to, "site folder (--to)")
    res.actions += [Action("delete", p, why) for p, why in sorted(deletes.items())]
    res.actions += [Action("remove-folder", d, "empty after the deletes") for d in _emptied(to, set(deletes), set(wanted))]
    page_anchor = {layout[n]: a for n, a in anchors.items()}
    for f in sorted(_markdown_files(to)):
        p = f.relative_to(to).as_posix()
        if p in wanted or p in deletes or not retired:
            continue
        if not is_inside(f, to):  # a symlink out of the site: not the site's to rewrite
            outside.append(f"{p} leads out of the site (to {os.path.realpath(f)}); its links were not rewritten")
            continue
        in_content = p[len(content) + 1:] if p.startswith(content + "/") else None
        new, n = links.inbound(site, f.read_text(encoding="utf-8", errors="replace"), in_content, retired, page_anchor)
        if n:
            res.actions.append(Action("rewrite-links", p, f"{n} link(s) to retired pages", new))
    res.warnings = [f"{name} links to {target}, which is not published (the link will be dead)"
                    for name, text in chosen.items() for target in links.run_pages_linked(name, text, view.pages) if target not in chosen]
    res.warnings += notes + outside
    return res


def _emptied(to: Path, deletes: set[str], wanted: set[str]) -> list[str]:
    """Folders (deepest first) that hold nothing once the deletes are done; never the site folder itself."""
    out: list[str] = []
    for d in sorted({posixpath.dirname(p) for p in deletes} - {""}, key=lambda d: -d.count("/")):
        while d and d not in out:
            here = to / d
            left = [x for x in here.rglob("*") if not x.is_dir() and x.relative_to(to).as_posix() not in deletes]
            if left or any(w.startswith(d + "/") for w in wanted):
                break
            out.append(d)
            d = posixpath.dirname(d)
    return sorted(out, key=lambda d: (-d.count("/"), d))


def _assets(pages: Path, chosen: dict[str, str]) -> dict[str, bytes]:
    """Files beside the run's pages (copied images) that a published page links to."""
    if not pages.is_dir():
        return {}
    return {rel: f.read_bytes() for f in sorted(pages.rglob("*"))
            if f.is_file() and f.suffix != ".md" and (rel := f.relative_to(pages).as_posix())
            and any(f"]({page_link(name, rel)}" in text for name, text in chosen.items())}


def _markdown_files(root: Path):
    if not root.is_dir():
        return
    for f in root.rglob("*"):
        if f.is_file() and is_markdown(f.name) and not (SKIP_DIRS & set(f.relative_to(root).parts[:-1])):
            yield f


def _read_manifest(to: Path) -> dict[str, str]:
    path = to / MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(read_json(path).get("files", {}))
    except (ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: not a valid publish record ({exc}); delete it and publish with --force")


def publish(out: Path, to: Path, site: str = "mkdocs", dry_run: bool = False, force: bool = False) -> PublishResult:
    res = plan_publish(out, to, site, force)
    res.dry_run = dry_run
    if dry_run or not any(a.kind != "unchanged" for a in res.actions):
        return res
    with confined(to):
        _carry_out(res, to)
    return res


def _carry_out(res: PublishResult, to: Path) -> None:
    manifest = _read_manifest(to)
    for a in res.actions:
        f = to / a.path
        if a.kind == "delete":
            remove(f)
            manifest.pop(a.path, None)
        elif a.kind == "remove-folder":
            remove_empty_folder(f)
        elif isinstance(a.text, bytes):
            write_bytes(f, a.text)
        elif a.text is not None:
            write_text(f, a.text)  # a rewritten user file keeps its mode (fsio)
            if a.kind != "rewrite-links":
                manifest[a.path] = _sha(a.text)
    write_text(to / MANIFEST, dumps_json({"tool": "consolidate", "site": res.site, "files": dict(sorted(manifest.items()))}))
