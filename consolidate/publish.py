"""Publish reviewed pages into a docs site: pages, the redirect file, and inbound links rewritten.

What it touches is decided first, as a list of actions, then carried out (or only listed with
--dry-run). It writes the accepted pages (and edits the checker passed) into the site's content
folder, writes the generator's redirect file, deletes input pages that are retired (every page
their content went to is published) and still hold exactly what the run read, and rewrites links
in the rest of the tree that point at a retired page. A file it did not write and the plan does
not cover is never overwritten or deleted without --force. `.consolidate-publish.json` records
what it wrote, so publishing again may replace its own files.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from consolidate.checks.claims import parse_page
from consolidate.checks.links import page_anchors
from consolidate.errors import UsageError
from consolidate.fsio import check_inside, confined, dumps_json, is_inside, read_json, remove, write_bytes, write_text
from consolidate.linkmap import EXTERNAL, path_candidates, strip_ext
from consolidate.markdown.links import definitions, links_in_line
from consolidate.stages.ingest import front_matter, is_markdown, split_lines
from consolidate.stages.write import redirects_yaml
from consolidate.web.runview import RunView

MANIFEST = ".consolidate-publish.json"
SKIP_DIRS = {".git", "node_modules", ".docusaurus", "site", "build", "dist", ".astro"}
_PAGE_LINK = re.compile(r"\]\(([^)#\s/]+\.md)(?:#[^)]*)?\)")


@dataclass(frozen=True)
class Site:
    name: str
    content: str  # content folder under DOCS_DIR
    redirect_file: str
    anchor_style: str


SITES = {
    "mkdocs": Site("mkdocs", "docs", "mkdocs.redirects.yml", "mkdocs"),
    "docusaurus": Site("docusaurus", "docs", "redirects.json", "github"),
    "starlight": Site("starlight", "src/content/docs", "redirects.json", "github"),
}


@dataclass(frozen=True)
class Action:
    kind: str  # write | overwrite | unchanged | delete | rewrite-links
    path: str  # relative to DOCS_DIR
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

    def lines(self) -> list[str]:
        verb = "would " if self.dry_run else ""
        out = [f"{verb}{a.kind} {self.to / a.path}" + (f" ({a.detail})" if a.detail else "")
               for a in self.actions if a.kind != "unchanged"]
        out += [f"not published: {page}: {why}" for page, why in self.skipped]
        out += [f"warning: {w}" for w in self.warnings]
        changed = sum(a.kind != "unchanged" for a in self.actions)
        pages = sum(a.detail.startswith("page ") for a in self.actions)
        if not pages:
            out.append("nothing to publish: no accepted pages; accept pages with `consolidate review OUT` first")
        out.append(f"{'dry run: ' if self.dry_run else ''}{pages} pages, {changed} files "
                   f"{'would change' if self.dry_run else 'changed'} in {self.to} ({self.site})")
        return out


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def route(path: str) -> str:
    """A docs path as the site's URL path segment: no extension, index/README as its folder."""
    parts = strip_ext(path).split("/")
    if parts[-1].lower() in ("index", "readme"):
        parts = parts[:-1]
    return "/".join(parts)


def redirect_file(site: Site, retired: dict[str, str]) -> str:
    if site.name == "mkdocs":
        return redirects_yaml({old: [new] for old, new in retired.items()})
    if site.name == "docusaurus":  # @docusaurus/plugin-client-redirects `redirects` option
        return dumps_json([{"from": f"/docs/{route(old)}".rstrip("/"), "to": f"/docs/{route(new)}"}
                           for old, new in retired.items()])
    # Astro `redirects` config for Starlight: routes are lower-cased, with a trailing slash
    return dumps_json({f"/{route(old).lower()}/".replace("//", "/"): f"/{route(new).lower()}/" for old, new in retired.items()})


def site_page(site: Site, name: str, text: str) -> str:
    """The page with front matter in the generator's conventions (provenance kept for mkdocs)."""
    lines = split_lines(text)
    meta, body_start, _ = front_matter(lines, name)
    body = "\n".join(lines[body_start - 1:]).lstrip("\n")
    title = str(meta.get("title") or route(name))
    slug = route(name)
    if site.name == "mkdocs":
        fm = {"title": title} | {k: v for k, v in meta.items() if k != "title"}
    elif site.name == "docusaurus":
        fm = {"id": slug, "title": title, "slug": f"/{slug}"}
    else:
        fm = {"title": title}
    head = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fm.items()] + ["---", ""]
    return "\n".join(head) + "\n" + body.rstrip("\n") + "\n"


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
            if new and all(p in chosen for n in new for p in [n] + view.parts.get(n, [])) and old != new[0]}


def _rewrite_links(text: str, content_rel: str | None, retired: dict[str, str], anchors: dict[str, set[str]]) -> tuple[str, int]:
    """Point links at retired pages to their new page. content_rel: the file under the content folder."""
    if content_rel is None:
        return text, 0
    here = posixpath.dirname(content_rel)

    def fix(target: str) -> str | None:
        if EXTERNAL.match(target) or target.startswith("#"):
            return None
        path, hash_, anchor = target.partition("#")
        joined = posixpath.normpath(posixpath.join(here, path)) if not path.startswith("/") else path.strip("/")
        hit = next((c for c in path_candidates(joined) if c in retired), None)
        if hit is None:
            return None
        new = retired[hit]
        return posixpath.relpath(new, here or ".") + (f"#{anchor}" if hash_ and anchor in anchors.get(new, set()) else "")

    parsed = parse_page(text)
    defs = definitions(parsed.lines, parsed.code_lines)
    lines, count = list(parsed.lines), 0
    for no, line in enumerate(parsed.lines, start=1):
        if no in parsed.code_lines:
            continue
        for link in reversed(links_in_line(line, no, defs)):
            new = fix(link.target) if link.kind in ("inline", "definition") else None
            at = line.find(link.target, link.col)
            if new is not None and at >= 0:
                line = line[:at] + new + line[at + len(link.target):]
                count += 1
        lines[no - 1] = line
    return "\n".join(lines), count  # split_lines keeps the final "" of a text ending in a newline


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
    retired = _retired(view, chosen)
    manifest = _read_manifest(to)
    content = site.content
    wanted: dict[str, tuple[str | bytes, str]] = {}  # path -> (content, detail)
    for name, text in chosen.items():
        wanted[f"{content}/{name}"] = (site_page(site, name, text), f"page {name}")
    for rel, data in _assets(out / "pages", chosen).items():
        wanted[f"{content}/{rel}"] = (data, "asset")
    if chosen:
        wanted[site.redirect_file] = (redirect_file(site, retired), f"redirects: {len(retired)} retired pages")
    anchors = {name: page_anchors(parse_page(text), site.anchor_style) for name, text in chosen.items()}
    owned = {p for p, h in manifest.items() if (to / p).is_file() and _sha((to / p).read_bytes()) == h}
    deletes: dict[str, str] = {}
    for old in retired:
        p = f"{content}/{old}"
        if p in wanted:
            continue
        f = to / p
        if f.is_file():
            doc = view.docs.get(old)
            if doc is not None and _sha(f.read_bytes()) == doc.sha256:
                owned.add(p)
                deletes[p] = f"retired: its content is in {retired[old]}"
            elif force:
                deletes[p] = f"retired (changed since the run; --force): its content is in {retired[old]}"
            else:
                raise UsageError(f"{f}: retired page changed since the run; rerun `consolidate run` or pass --force to delete it")
    for p in sorted(manifest):
        if p not in wanted and p not in deletes and (to / p).is_file():
            if p in owned or force:
                deletes[p] = "published before, not in this plan"
            else:
                raise UsageError(f"{to / p}: changed since consolidate published it; pass --force to delete it")
    res = PublishResult(to, site.name, False)
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
    if retired:
        for f in sorted(_markdown_files(to)):
            p = f.relative_to(to).as_posix()
            if p in wanted or p in deletes:
                continue
            if not is_inside(f, to):  # a symlink out of the site: not the site's to rewrite
                outside.append(f"{p} leads out of the site (to {os.path.realpath(f)}); its links were not rewritten")
                continue
            in_content = p[len(content) + 1:] if p.startswith(content + "/") else None
            text = f.read_text(encoding="utf-8", errors="replace")
            new, n = _rewrite_links(text, in_content, retired, anchors)
            if n:
                res.actions.append(Action("rewrite-links", p, f"{n} link(s) to retired pages", new))
    res.skipped = skipped
    res.warnings = [f"{name} links to {target}, which is not published (the link will be dead)"
                    for name, text in chosen.items() for target in sorted(set(_PAGE_LINK.findall(text)))
                    if target in view.pages and target not in chosen] + outside
    return res


def _assets(pages: Path, chosen: dict[str, str]) -> dict[str, bytes]:
    """Files beside the run's pages (copied images) that a published page links to."""
    if not pages.is_dir():
        return {}
    return {rel: f.read_bytes() for f in sorted(pages.rglob("*"))
            if f.is_file() and f.suffix != ".md" and (rel := f.relative_to(pages).as_posix())
            and any(f"]({rel}" in text for text in chosen.values())}


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
        elif isinstance(a.text, bytes):
            write_bytes(f, a.text)
        elif a.text is not None:
            write_text(f, a.text)  # a rewritten user file keeps its mode (fsio)
            if a.kind != "rewrite-links":
                manifest[a.path] = _sha(a.text)
    write_text(to / MANIFEST, dumps_json({"tool": "consolidate", "site": res.site, "files": dict(sorted(manifest.items()))}))
