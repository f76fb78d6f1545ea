"""Resolve a link found in an input document to an input document, an asset, a URL, a place
outside the input set (kept as a link), or nothing (dead).

Only a relative link that stays inside its root and reaches no file there is dead. A relative
link that leaves the roots, and a site-root route (`/docs/install/`) that matches no input, are
`outside`: kept verbatim, not verified. With a site root (`--root-dir DIR`, as lychee names it,
or `--site-root DIR`) a route is looked up in that folder instead: `site` when a file is there, else dead.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from typing import TYPE_CHECKING

from consolidate.errors import UsageError
from consolidate.markdown.files import EXTENSIONS

if TYPE_CHECKING:
    from consolidate.records import Document

EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
OUTSIDE = "leaves the input set; kept as a link, not verified"
ROUTE = "is a site route outside the input set; kept as a link, not verified (pass --root-dir DIR to verify it)"


@dataclass(frozen=True)
class Resolved:
    kind: str  # external | doc | asset | outside | site | dead
    doc: str = ""  # for doc: the input document path
    anchor: str = ""  # fragment, without '#'
    asset: str = ""  # for asset: absolute file path


_LONGEST_FIRST = sorted(EXTENSIONS, key=len, reverse=True)  # `.md.erb` before `.md`


def strip_ext(path: str) -> str:
    """A markdown path without its extension: `.md`, `.mdx`, `.markdown`, a templated `.md.erb` and
    the like, and an `.html` before them (`guide.html.md.erb` -> `guide`)."""
    lower = path.lower()
    ext = next((e for e in _LONGEST_FIRST if lower.endswith(e)), "")
    if ext:
        path = path[: -len(ext)]
        if path.lower().endswith(".html"):
            path = path[:-5]
    return path


def _stem(path: str) -> str:
    path = strip_ext(path)
    for idx in ("/index", "/readme", "/README"):
        if path.endswith(idx):
            return path[: -len(idx)]
    return "" if path.lower() in ("index", "readme") else path


def path_candidates(path: str) -> list[str]:
    """The files a relative link path may mean on a docs site, most literal first: the path itself,
    with a markdown extension (templated ones too), as a folder's index page, and `x.html` as
    `x.html.md`, `x.md` or `x.mdx` (or templated: `x.html.md.erb`)."""
    p = path.rstrip("/")
    cands = [p] + [p + e for e in EXTENSIONS] + [p + "/index.md", p + "/README.md", p + "/index.mdx"]
    if p.endswith(".html"):
        cands += [p[:-5] + e for e in EXTENSIONS]
    return cands


def site_root_dir(value: str | Path | None) -> Path | None:
    """--root-dir (--site-root) / links.site_root as a folder; None when unset; a usage error when it is no folder."""
    if value is None or str(value) == "":
        return None
    root = Path(value)
    if not root.is_dir():
        raise UsageError(f"--root-dir {root} (--site-root, links.site_root): no such folder; pass the folder your site's routes map to "
                         "(its docs source or its built HTML), or leave it unset")
    return root


def site_route_exists(site_root: Path, route: str) -> bool:
    """Whether a site-root route names a file under site_root: the path itself, a markdown page,
    a folder's index page, or a built `x.html` / `x/index.html`."""
    p = posixpath.normpath("/" + route).strip("/")  # no way above the site root
    cands = (path_candidates(p) + [p + ".html", p + "/index.html"]) if p else ["index.html", "index.md", "README.md"]
    return any((site_root / c).is_file() for c in cands)


class LinkResolver:
    def __init__(self, docs: list[Document], site_root: Path | None = None):
        self.site_root = site_root
        self.docs = {d.path: d for d in docs}
        self.by_stem: dict[str, list[str]] = {}
        for d in docs:
            self.by_stem.setdefault(_stem(d.path).lower(), []).append(d.path)

    def resolve(self, src: str, target: str) -> Resolved:
        target = target.strip()
        if EXTERNAL.match(target):
            return Resolved("external")
        path, _, anchor = target.partition("#")
        path = unquote(path.split("?", 1)[0])
        if not path:
            return Resolved("doc", src, anchor)
        if path.startswith("/"):
            hit = self._by_route(path.strip("/"))
            if hit is None:
                if self.site_root is None:
                    return Resolved("outside")
                return Resolved("site") if site_route_exists(self.site_root, path) else Resolved("dead")
        else:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
            hit = self._by_path(joined) or (self._by_route(joined) if not joined.startswith("..") else None)
            if hit is None:
                asset = self._asset(src, path)
                if asset:
                    return Resolved("asset", asset=asset)
                if self._leaves_root(src, path, joined):
                    return Resolved("outside")
        return Resolved("doc", hit, anchor) if hit else Resolved("dead")

    def _leaves_root(self, src: str, path: str, joined: str) -> bool:
        doc = self.docs.get(src)
        if not doc or not doc.file or not doc.root:
            return joined == ".." or joined.startswith("../")
        cand, root = Path(os.path.abspath(Path(doc.file).parent / path)), Path(os.path.abspath(doc.root))
        return cand != root and root not in cand.parents

    def _by_path(self, p: str) -> str | None:
        return next((c for c in path_candidates(p) if c in self.docs), None)

    def _by_route(self, route: str) -> str | None:
        """Site-root routes like `/admin/jobs/overview/` match a document whose path ends that way."""
        key = _stem(re.sub(r"\.html?$", "", route.rstrip("/"), flags=re.I)).lower()
        if key in self.by_stem:
            return sorted(self.by_stem[key])[0]
        hits = sorted(p for s, ps in self.by_stem.items() if key and s.endswith("/" + key) for p in ps)
        return hits[0] if hits else None

    def _asset(self, src: str, path: str) -> str:
        doc = self.docs.get(src)
        if not doc or not doc.file:
            return ""
        cand = (Path(doc.file).parent / path).resolve()
        root = Path(doc.root).resolve()
        if cand.is_file() and (cand == root or root in cand.parents):
            return str(cand)
        return ""
