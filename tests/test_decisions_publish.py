"""Decisions apply to later runs; publish writes a site in each generator's conventions, safely."""

import json

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.errors import UsageError
from consolidate.publish import MANIFEST, publish
from consolidate import decisions as D
from consolidate.web.runview import RunView
from reviewkit import DOCS, first_page, make_run, run_args

runner = CliRunner()


def decide(out, name, status, text=None, findings=()):
    view = RunView.load(out)
    p = view.page_plan(name)
    return D.decide(out, name, status, p, view.docs, text if text is not None or status == "rejected" else view.pages[name], findings)


def rerun(tmp_path):
    r = runner.invoke(app, run_args(tmp_path))
    assert r.exit_code in (0, 1), r.output
    return json.loads((tmp_path / "out" / "report.json").read_text())


def test_accepted_and_edited_pages_are_kept_by_later_runs_until_sources_change(tmp_path):
    out = make_run(tmp_path, extras=False)
    page = first_page(out)
    pages = json.loads((out / "report.json").read_text())["pages"]
    original = (out / "pages" / page).read_text()
    edited = original.replace("one by one.", "one at a time.", 1)
    assert edited != original
    decide(out, page, "edited", edited)
    report = rerun(tmp_path)
    assert (out / "pages" / page).read_text() == edited  # kept, not redrafted
    assert report["page_details"][page]["backend"] == "review (kept)" and report["pages"] == pages
    assert report["errors"] == 0  # the checker ran over the kept page too
    # a source changes: the decision is stale, the page is redrafted and pending again
    write(tmp_path / "docs", "worker.md", DOCS["worker.md"] + "\nA new line about the worker.\n")
    rerun(tmp_path)
    assert "one at a time" not in (out / "pages" / page).read_text()
    view = RunView.load(out)
    assert view.status(page) == "pending" and view.stale(page)


def test_review_json_is_checked(tmp_path):
    out = make_run(tmp_path, extras=False)
    (out / "review.json").write_text("{not json")
    r = runner.invoke(app, ["publish", str(out), "--to", str(tmp_path / "site")])
    assert r.exit_code == 1 and "review.json: not a valid review file" in r.output and "Traceback" not in r.output


@pytest.fixture()
def reviewed(tmp_path):
    out = make_run(tmp_path, extras=False)
    for name in RunView.load(out).pages:
        decide(out, name, "accepted")
    return out


def site_tree(tmp_path, content="docs"):
    """A site whose content folder holds the run's inputs, plus a page that links to a retired one."""
    site = tmp_path / "site"
    for rel, text in DOCS.items():
        write(site / content, rel, text)
    write(site / content, "guide.md", "# Guide\n\nRead [the old worker page](ops/worker-old.md#worker-old) and [ext](https://x.example/ops/worker-old.md).\n`[in code](ops/worker-old.md)` and [ref][r].\n\n[r]: runbook.md\n\n```\n[kept](ops/worker-old.md)\n```\n")
    return site


def published_path(view, name):
    """Where publish puts a run page: where it is in OUT/pages, under its plan section (the folder of its main source)."""
    assert view.page_plan(name) is not None
    return name


def test_publish_mkdocs_writes_pages_redirects_and_rewrites_links(tmp_path, reviewed):
    site = site_tree(tmp_path)
    view = RunView.load(reviewed)
    r = runner.invoke(app, ["publish", str(reviewed), "--to", str(site), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert not (site / MANIFEST).exists()  # dry run changes nothing
    for name in view.pages:
        assert f" {site / 'docs' / published_path(view, name)} (page {name})" in r.output
    assert "ops/worker-old.md" in {published_path(view, n) for n in view.pages}  # kept in its folder, not flattened
    assert f"would write {site / 'mkdocs.redirects.yml'}" in r.output and "would rewrite-links" in r.output
    r = runner.invoke(app, ["publish", str(reviewed), "--to", str(site)])
    assert r.exit_code == 0, r.output
    page = (site / "docs" / first_page(reviewed)).read_text()
    assert page.startswith('---\ntitle: "Background worker"\n') and "[^1]:" in page
    guide = (site / "docs" / "guide.md").read_text()
    assert "[the old worker page](ops/worker-old.md#worker-old)" in guide  # its page is now at the same path
    assert "https://x.example/ops/worker-old.md" in guide and "[kept](ops/worker-old.md)" in guide  # URLs and code untouched
    assert "`[in code](ops/worker-old.md)`" in guide and "[r]: worker-runbook.md" in guide and guide.endswith("```\n")
    assert not (site / "docs" / "runbook.md").exists()  # retired input, unchanged since the run: removed
    assert (site / "docs" / "ops" / "worker-old.md").read_text().startswith('---\ntitle: "Worker (old)"')
    redirects = (site / "mkdocs.redirects.yml").read_text()
    assert '"runbook.md": "worker-runbook.md"' in redirects and "ops/worker-old.md" not in redirects  # no self-redirect
    # a hub at the root lists every page; the nav file names them all
    hub = (site / "docs" / "index.md").read_text()
    assert all(f"]({published_path(view, n)})" in hub for n in view.pages)
    nav = (site / "mkdocs.nav.yml").read_text()
    assert '"Home": "index.md"' in nav and all(published_path(view, n) in nav for n in view.pages)
    # publishing again changes nothing
    again = runner.invoke(app, ["publish", str(reviewed), "--to", str(site)])
    assert "0 files changed" in again.output


def test_publish_never_overwrites_a_file_it_did_not_write(tmp_path, reviewed):
    site = tmp_path / "site"
    write(site / "docs", first_page(reviewed), "# Mine\n")
    with pytest.raises(UsageError, match="was not written by consolidate; move it or pass --force"):
        publish(reviewed, site, "mkdocs")
    assert (site / "docs" / first_page(reviewed)).read_text() == "# Mine\n"
    res = publish(reviewed, site, "mkdocs", force=True)
    assert any(a.kind == "overwrite" for a in res.actions)
    # a file it wrote and the user changed since is not deleted without --force
    D.forget(reviewed, first_page(reviewed))
    (site / "docs" / first_page(reviewed)).write_text("changed by hand\n")
    with pytest.raises(UsageError, match="changed since consolidate published it"):
        publish(reviewed, site, "mkdocs")


@pytest.mark.parametrize("site_name,content,redirects", [("docusaurus", "docs", "redirects.json"),
                                                         ("starlight", "src/content/docs", "redirects.json")])
def test_publish_other_generators(tmp_path, reviewed, site_name, content, redirects):
    site = site_tree(tmp_path, content)
    publish(reviewed, site, site_name)
    page = (site / content / first_page(reviewed)).read_text()
    data = json.loads((site / redirects).read_text())
    guide = (site / content / "guide.md").read_text()
    if site_name == "docusaurus":
        assert page.startswith('---\nid: "background-worker"\ntitle: "Background worker"\nslug: "/background-worker"\n---')
        assert {"from": "/docs/runbook", "to": "/docs/worker-runbook"} in data
        assert "[r]: worker-runbook.md" in guide  # Docusaurus resolves file paths
        assert "sidebars.json" in {p.name for p in site.iterdir()}
    else:
        assert page.startswith('---\ntitle: "Background worker"\n---')
        assert data["/runbook/"] == "/worker-runbook/" and "/ops/worker-old/" not in data  # no self-redirect
        assert "[r]: /worker-runbook/" in guide  # Starlight resolves routes, not .md paths
        assert json.loads((site / "sidebar.json").read_text())[0] == {"label": "Home", "link": "/"}
    assert "\n# Background worker" not in page  # the title is the H1 these generators render


def test_only_accepted_pages_are_published(tmp_path):
    out = make_run(tmp_path, extras=False)
    page = first_page(out)
    decide(out, page, "accepted")
    res = publish(out, tmp_path / "site", "mkdocs")
    assert [a.path for a in res.actions if a.detail.startswith("page")] == [f"docs/{published_path(RunView.load(out), page)}"]
    assert {why for _, why in res.skipped} == {"pending review"}
    # the nav lists the published page and the pages the site keeps (guide.md is no input of the run)
    res = publish(out, site_tree(tmp_path), "mkdocs", dry_run=True)
    nav = next(a.text for a in res.actions if a.detail == "nav")
    assert f'"{published_path(RunView.load(out), page)}"' in nav and '"Guide": "guide.md"' in nav
    assert res.warnings == [f"{page} links to worker-runbook.md, which is not published (the link will be dead)"]
    with pytest.raises(UsageError, match="unknown site 'hugo'; known: docusaurus, mkdocs, starlight"):
        publish(out, tmp_path / "site", "hugo")


def test_static_review_still_written(tmp_path):
    out = make_run(tmp_path, extras=False)
    (out / "review.html").unlink()
    r = runner.invoke(app, ["review", str(out), "--static"])
    assert r.exit_code == 0 and (out / "review.html").exists()


def test_kept_pages_keep_their_images(tmp_path):
    docs = tmp_path / "docs"
    for rel, text in DOCS.items():
        write(docs, rel, text)
    write(docs, "worker.md", DOCS["worker.md"] + "\n![Retry flow](img/flow.png)\n")
    write(docs, "img/flow.png", b"\x89PNG fake")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"]).exit_code == 0

    def images():
        return sorted(p.relative_to(out / "pages").as_posix() for p in (out / "pages").rglob("*.png"))

    before = images()
    assert before
    for name in RunView.load(out).pages:
        decide(out, name, "accepted")
    r = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert images() == before
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0 and {d["backend"] for d in report["page_details"].values()} == {"review (kept)"}
    # publish copies the image beside the page
    publish(out, tmp_path / "site", "mkdocs")
    assert [(tmp_path / "site" / "docs" / rel).read_bytes() for rel in before] == [b"\x89PNG fake"]
