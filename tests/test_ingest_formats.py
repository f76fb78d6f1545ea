"""Every file under a root is read, used as an asset, or listed in report.json with why it was not;
documentation in another format is named in a skipped-file warning; templated markdown is read."""

import json

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.linkmap import _stem, path_candidates
from consolidate.publish import route
from consolidate.stages.ingest import is_markdown, skip_reason

runner = CliRunner()

ERB = """---
title: Setup guide
---

# Setup guide

<%= partial "shared/banner" %>

Install the CLI with `pip install tidectl`. The default region is <%= current_region %>.

{% if beta %}Beta users set `TIDE_BETA=1`.{% endif %}

- Run `tidectl init` once.
- Then run `tidectl login`.
"""


@pytest.fixture(scope="module")
def tree_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    write(docs, "a.md", "# Deploy\n\nDeploy with `tidectl deploy` on port 8080. See the [setup guide](guide.html) first.\n\n"
                        "![Logo](img/logo.png)\n")
    write(docs, "guide.html.md.erb", ERB)
    write(docs, "ops/runbook.md.j2", "# Runbook\n\nPage {{ oncall }} when the queue backs up past 500 jobs.\n")
    write(docs, "notes.rst", "Title\n=====\n\nSome rst.\n")
    write(docs, "readme.txt", "plain\n")
    write(docs, "page.html", "<p>x</p>\n")
    write(docs, "old.HTM", "<p>x</p>\n")
    write(docs, "img/logo.png", b"\x89PNG\r\n")
    write(docs, "img/other.png", b"\x89PNG\r\n")
    write(docs, "Makefile", "all:\n")
    write(docs, ".git/HEAD", "x\n")
    write(docs, "node_modules/x/a.js", "x\n")
    out = root / "out"
    res = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out, json.loads((out / "report.json").read_text())


def test_templated_markdown_is_read_with_its_tags_verbatim(tree_run):
    out, report = tree_run
    assert report["documents"] == 3 and report["errors"] == 0
    text = "\n".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    for line in ['<%= partial "shared/banner" %>', "The default region is <%= current_region %>.",
                 "{% if beta %}Beta users set `TIDE_BETA=1`.{% endif %}", "Page {{ oncall }} when the queue"]:
        assert line in text
    redirects = json.loads((out / "redirects.json").read_text())
    assert set(redirects) == {"a.md", "guide.html.md.erb", "ops/runbook.md.j2"}
    assert f"[setup guide]({redirects['guide.html.md.erb'][0]})" in text  # `guide.html` is the templated page


def test_every_other_file_is_an_asset_or_listed_with_why(tree_run):
    out, report = tree_run
    skipped = {e["path"]: e["reason"] for e in report["skipped"]}
    assert set(skipped) == {".git/", "node_modules/", "notes.rst", "readme.txt", "page.html", "old.HTM", "img/other.png",
                            "Makefile"}  # img/logo.png is an asset of a page
    assert list(report["skipped"][0]) == ["path", "reason"]
    assert "not markdown (.png)" in skipped["img/other.png"] and "no extension" in skipped["Makefile"]
    assert any(p.name.endswith("logo.png") for p in (out / "pages" / "assets").iterdir())


def test_documentation_in_another_format_is_a_warning_naming_it(tree_run):
    _, report = tree_run
    warned = {f["page"]: f["message"] for f in report["findings"] if f["kind"] == "skipped-file"}
    assert set(warned) == {"notes.rst", "readme.txt", "page.html", "old.HTM"}  # images and the rest: listed, no warning
    assert "reStructuredText (.rst) is not read; convert it to markdown" in warned["notes.rst"]


@pytest.mark.parametrize("name", ["a.md.erb", "a.html.md.erb", "a.md.j2", "a.md.jinja", "a.md.liquid", "a.md.njk", "A.MD"])
def test_templated_names_are_markdown_and_link_like_markdown(name):
    assert is_markdown(name) and _stem("x/" + name).lower() == "x/a" and route(name).lower() == "a"
    assert not skip_reason(name)[1]


def test_a_html_route_finds_a_templated_page():
    assert "guide.html.md.erb" in path_candidates("guide.html") and "guide.md.erb" in path_candidates("guide")



def test_inbound_links_find_a_retired_templated_page(tree_run):
    out, _ = tree_run
    site = out.parent
    write(site, "blog/post.md", "# Post\n\nRead [the guide](../docs/guide.html) and [ops](../docs/ops/runbook.html).\n")
    r = runner.invoke(app, ["check", str(out), "--inbound", str(site), "--json"])
    inbound = sorted(f["message"] for f in json.loads(r.output)["findings"] if f["kind"] == "inbound-link")
    assert len(inbound) == 2 and "retired page guide.html.md.erb" in inbound[0] and "ops/runbook.md.j2" in inbound[1]
