"""Links outside the input set are kept as links: relative links out of the roots and site-root
routes that match no input are `outside-link` warnings, not dead; only a relative link inside a
root to nothing is dead. --site-root (links.site_root) verifies routes against a site folder."""

import json

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.linkmap import LinkResolver, site_route_exists
from consolidate.stages.ingest import ingest

runner = CliRunner()

A = ("# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n\n"
     "See [merging](/manual/merge-pr.html), the [install page](/docs/install/) and [contributing](../CONTRIBUTING.md).\n\n"
     "Read the [missing page](missing.md) first.\n\n"
     "- The [runbook][rb] covers rollbacks.\n\n[rb]: /ops/runbook/\n")


@pytest.fixture
def tree(tmp_path):
    docs = tmp_path / "repo" / "docs"
    write(docs, "a.md", A)
    write(docs, "b.md", "# Setup\n\nInstall with `pip install tidectl`. Then [deploy](a.md).\n")
    write(tmp_path / "repo", "CONTRIBUTING.md", "# Contributing\n")
    site = tmp_path / "site"
    write(site, "manual/merge-pr.html", "<p>merge</p>")
    write(site, "ops/runbook/index.html", "<p>runbook</p>")
    return docs, site


def _run(docs, out, *extra):
    res = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q", *extra])
    report = json.loads((out / "report.json").read_text())
    text = "\n".join(p.read_text() for p in sorted((out / "pages").rglob("*.md")))
    return res, report, text


def _links(report, kind):
    return sorted(f["message"].split("'")[1] for f in report["findings"] if f["kind"] == kind)


def test_outside_links_are_kept_and_warned_not_dead(tree, tmp_path):
    docs, _ = tree
    res, report, text = _run(docs, tmp_path / "out")
    assert res.exit_code == 0 and report["errors"] == 0, res.output
    for kept in ["[merging](/manual/merge-pr.html)", "[install page](/docs/install/)", "[contributing](../CONTRIBUTING.md)",
                 "[runbook](/ops/runbook/)"]:
        assert kept in text
    assert "missing page" in text and "(missing.md)" not in text  # inside the root, to nothing: dead, text kept
    assert _links(report, "outside-link") == ["../CONTRIBUTING.md", "/docs/install/", "/manual/merge-pr.html", "/ops/runbook/"]
    assert _links(report, "dead-link") == ["missing.md"]
    assert all(f["severity"] == "warning" for f in report["findings"] if f["kind"] == "outside-link")
    assert runner.invoke(app, ["check", str(tmp_path / "out")]).exit_code == 0  # the checker agrees


def test_site_root_verifies_routes(tree, tmp_path):
    docs, site = tree
    res, report, text = _run(docs, tmp_path / "out", "--site-root", str(site))
    assert res.exit_code == 0, res.output
    assert "[merging](/manual/merge-pr.html)" in text and "[runbook](/ops/runbook/)" in text
    assert "install page" in text and "(/docs/install/)" not in text  # resolves to nothing there: dead
    assert _links(report, "outside-link") == ["../CONTRIBUTING.md"]
    assert _links(report, "dead-link") == ["/docs/install/", "missing.md"]
    out = tmp_path / "out"
    page = next(p for p in (out / "pages").rglob("*.md") if "merging" in p.read_text())
    page.write_text(page.read_text().replace("/manual/merge-pr.html", "/manual/gone.html"))
    r = runner.invoke(app, ["check", str(out), "--site-root", str(site), "--json"])
    assert r.exit_code == 1
    dead = [f["message"] for f in json.loads(r.output)["findings"] if f["kind"] == "dead-link"]
    assert any("/manual/gone.html" in m and "site root" in m for m in dead)
    assert runner.invoke(app, ["check", str(out), "--fail-on", "error"]).exit_code == 0  # without it: outside, a warning


def test_site_root_from_config_and_a_missing_folder_is_a_usage_error(tree, tmp_path):
    docs, site = tree
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[links]\nsite_root = "{site}"\n')
    _, report, _ = _run(docs, tmp_path / "out", "--config", str(cfg))
    assert _links(report, "dead-link") == ["/docs/install/", "missing.md"]
    r = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "out2"), "-q", "--site-root", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "--site-root" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out2").exists()  # stopped before it wrote anything


def test_resolver_kinds(tree, tmp_path):
    docs, site = tree
    ds, _, _ = ingest([docs], max_bytes=10**6)
    plain, with_site = LinkResolver(ds), LinkResolver(ds, site)
    assert plain.resolve("a.md", "b.md").kind == "doc"
    assert plain.resolve("a.md", "/b/").kind == "doc"  # a route that matches an input is that input
    assert plain.resolve("a.md", "../CONTRIBUTING.md").kind == "outside"
    assert plain.resolve("a.md", "/docs/install/").kind == "outside"
    assert plain.resolve("a.md", "missing.md").kind == "dead"
    assert with_site.resolve("a.md", "/manual/merge-pr.html").kind == "site"
    assert with_site.resolve("a.md", "/docs/install/").kind == "dead"
    assert with_site.resolve("a.md", "../CONTRIBUTING.md").kind == "outside"
    assert not site_route_exists(site, "/../../etc/passwd") and site_route_exists(site, "/ops/runbook")


def test_people_pages_keep_outside_links_as_warnings(tree, tmp_path):
    docs, site = tree
    pages = tmp_path / "after"
    write(pages, "p.md", "# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n\n"
                         "See [new route](/manual/new.html) and [up](../../x.md) and [gone](nowhere.md).\n")
    r = json.loads(runner.invoke(app, ["check", str(pages), "-s", str(docs), "--json"]).output)
    assert _links(r, "outside-link") == ["../../x.md", "/manual/new.html"] and _links(r, "dead-link") == ["nowhere.md"]
    r = json.loads(runner.invoke(app, ["check", str(pages), "-s", str(docs), "--json", "--site-root", str(site)]).output)
    assert _links(r, "outside-link") == ["../../x.md"] and _links(r, "dead-link") == ["/manual/new.html", "nowhere.md"]


def test_links_only_treats_outside_links_the_same_way(tree, tmp_path):
    docs, site = tree
    r = runner.invoke(app, ["check", str(docs), "--links-only", "--json"])
    data = json.loads(r.output)
    assert r.exit_code == 1 and data["errors"] == 1 and data["warnings"] == 4  # missing.md is dead
    assert _links(data, "outside-link") == ["../CONTRIBUTING.md", "/docs/install/", "/manual/merge-pr.html", "/ops/runbook/"]
    data = json.loads(runner.invoke(app, ["check", str(docs), "--links-only", "--json", "--site-root", str(site)]).output)
    assert _links(data, "outside-link") == ["../CONTRIBUTING.md"]
    assert _links(data, "dead-link") == ["/docs/install/", "missing.md"]
    (docs / "a.md").write_text(A.replace("[missing page](missing.md)", "missing page"))
    assert runner.invoke(app, ["check", str(docs), "--links-only"]).exit_code == 0  # warnings only
    assert runner.invoke(app, ["check", str(docs), "--links-only", "--fail-on", "warning"]).exit_code == 1
    r = runner.invoke(app, ["check", str(docs), "--links-only", "--site-root", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "--site-root" in r.output
