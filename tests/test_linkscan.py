"""The whole-tree link checker (checks/linkscan.py): `check --links-only`, and the links of `check --sources`.

One test per false class found against lychee on the large tree (issue 16)."""

import json

from typer.testing import CliRunner

from conftest import write
from consolidate.checks.linkscan import anchors_in, check_tree_links, scan_links
from consolidate.cli import app
from consolidate.markdown.slugs import Slugger, strip_inline

runner = CliRunner()


def _dead(root, **kw) -> list[tuple[str, int, str]]:
    dead, _ = check_tree_links(str(root), **kw)
    return [(d.file, d.line, d.target) for d in dead if not d.outside]


def test_escaped_characters_in_a_heading_are_text_in_its_anchor(tmp_path):
    # `### Stream \<String\>` is "Stream <String>" on the page: anchor stream-string, not stream-
    assert strip_inline(r"Stream \<String\>") == r"Stream \<String\>"  # kept escaped: it is still markdown
    assert strip_inline(r"a \*b\* _c_") == r"a \*b\* c"
    assert Slugger("github")(r"Stream \<String\>") == "stream-string"
    assert Slugger("mkdocs")(r"Wait \<SwitchParameter\>") == "wait-switchparameter"
    assert strip_inline("Plain <b>bold</b> tag") == "Plain bold tag"  # a real tag is still markup
    write(tmp_path, "a.md", "# A\n\n### Stream \\<String\\>\n\n### Path \\<String\\>\n")
    write(tmp_path, "b.md", "# B\n\n[s](a.md#stream-string) [p](a.md#path-string) [x](a.md#stream-)\n")
    assert _dead(tmp_path) == [("b.md", 3, "a.md#stream-")]


def test_links_and_headings_inside_html_comments_are_not_read(tmp_path):
    text = "# T\n\n<!-- [old](gone.md)\n## Hidden\n[older](gone2.md) -->\n[live](t.md#t) <!-- [x](gone3.md) --> [also](gone4.md)\n"
    write(tmp_path, "t.md", text)
    assert [t for _, t in scan_links(text)] == ["t.md#t", "gone4.md"]
    assert anchors_in(text, "github") == {"t"}
    assert _dead(tmp_path) == [("t.md", 6, "gone4.md")]
    # a comment opener inside fenced code opens no comment
    code = "# C\n\n```html\n<!--\n```\n\n[after](gone.md)\n"
    assert [t for _, t in scan_links(code)] == ["gone.md"]


def test_a_target_with_balanced_parentheses_is_read_whole(tmp_path):
    text = "See [Event Selection](/previous-versions/aa385231(v=vs.85)). And [b](b(1).md) then (aside).\n"
    assert [t for _, t in scan_links(text)] == ["/previous-versions/aa385231(v=vs.85)", "b(1).md"]
    write(tmp_path, "a.md", "# A\n\n" + text)
    write(tmp_path, "b(1).md", "# B\n")
    assert _dead(tmp_path) == []


def test_html_img_src_and_a_href_are_read(tmp_path):
    write(tmp_path, "a.md", '# A\n\n<img src="img/there.png" alt="x">\n<IMG alt="y" SRC="img/missing.png">\n'
                            '<a href="b.md#b">b</a> <a class="c" href="b.md#nope">c</a>\n`<img src="code.png">`\n')
    write(tmp_path, "b.md", "# B\n")
    write(tmp_path, "img/there.png", b"\x89PNG")
    assert _dead(tmp_path) == [("a.md", 4, "img/missing.png"), ("a.md", 5, "b.md#nope")]


def test_root_relative_links_are_verified_under_root_dir(tmp_path):
    docs, site = tmp_path / "docs", tmp_path / "site"
    write(docs, "a.md", "# A\n\n[in](/guide/setup/) and [out](/guide/gone/)\n")
    write(site, "guide/setup/index.md", "# Setup\n")
    data = json.loads(runner.invoke(app, ["check", str(docs), "--links-only", "--json"]).output)
    assert data["errors"] == 0 and data["warnings"] == 2  # unverified without a root folder
    r = runner.invoke(app, ["check", str(docs), "--links-only", "--json", "--root-dir", str(site)])
    data = json.loads(r.output)
    assert r.exit_code == 1 and [f["message"].split("'")[1] for f in data["findings"]] == ["/guide/gone/"]
    assert data["findings"][0]["kind"] == "dead-link"


def test_check_with_sources_uses_the_same_link_checker(tmp_path):
    # the five classes hold for `check PAGES --sources` too, and a URL must be one the sources hold
    write(tmp_path / "src", "s.md", "# S\n\nSee https://example.org/a for the setup steps.\n")
    write(tmp_path / "pages", "p.md", "# P\n\n### Stream \\<String\\>\n\n[s](#stream-string) "
                                      "[e](/x/aa385231(v=vs.85)) <!-- [c](gone.md) --> [u](https://example.org/a) "
                                      "[v](https://example.org/new)\n")
    r = runner.invoke(app, ["check", str(tmp_path / "pages"), "-s", str(tmp_path / "src"), "--json", "--fail-on", "never"])
    links = [f for f in json.loads(r.output)["findings"] if f["kind"] in ("dead-link", "outside-link")]
    assert [(f["kind"], f["message"].split("'")[1]) for f in links] == [("outside-link", "/x/aa385231(v=vs.85)"),
                                                                         ("dead-link", "https://example.org/new")]


def test_processes_find_what_one_process_finds(tmp_path):
    for i in range(1000):  # processes start at 1,000 pages
        write(tmp_path, f"d{i % 2}/p{i}.md", f"# P{i}\n\n## Part\n\n[n](p{i + 2}.md#part) [m](../d0/p0.md#nope)\n")
    one, stats = check_tree_links(str(tmp_path), workers=1)
    two, _ = check_tree_links(str(tmp_path), workers=2)
    assert stats["pages"] == 1000 and stats["links"] == 2000
    assert one == two and len(one) == 1000 + 2  # every #nope; p1000.md and p1001.md do not exist


def test_check_of_one_page_with_sources_reports_that_page_only(tmp_path):
    write(tmp_path / "src", "s.md", "# S\n\nUse port 8080.\n")
    write(tmp_path / "pages", "p.md", "# P\n\nUse port 8080.\n\n[x](sub/q.md#q) [y](gone.md)\n")
    write(tmp_path / "pages", "sub/q.md", "# Q\n\n[z](nope.md)\n")
    r = runner.invoke(app, ["check", str(tmp_path / "pages/p.md"), "-s", str(tmp_path / "src"), "--json"])
    dead = [f["message"] for f in json.loads(r.output)["findings"] if f["kind"] == "dead-link"]
    assert dead == ["p.md:5: link 'gone.md' points to no file or folder in the tree"]


def test_starlight_reads_relative_page_links_from_the_page_route(tmp_path):
    """Starlight serves `admin/jobs/index.md` at /admin/jobs/ and `admin/jobs/overview.md` at
    /admin/jobs/overview/: a relative link is read by the browser from that route, and a `.md`
    path is a 404 there (issue 14: cocoa's `./overview.md`, accepted before, is what lychee finds)."""
    write(tmp_path, "admin/jobs/index.md", "# Jobs\n\n[o](./overview.md) [r](overview/) [g](../guide/#setup)\n")
    write(tmp_path, "admin/jobs/overview.md", "# Overview\n\n[up](../) [sib](../../guide/) [bad](../guide/) "
                                               "[img](./shot.png) [top](../../../x/) [far](../../../../x/)\n")
    write(tmp_path, "admin/jobs/shot.png", "png")
    write(tmp_path, "admin/guide.md", "# Guide\n\n## Setup\n\n[index](../jobs/#jobs) [anchor](../jobs/#nope)\n")
    assert _dead(tmp_path, style="starlight") == [
        ("admin/guide.md", 5, "../jobs/#nope"),  # the route's page is read for its anchors
        ("admin/jobs/index.md", 3, "./overview.md"),  # served at /admin/jobs/overview.md: a 404
        ("admin/jobs/overview.md", 3, "../guide/"),  # /admin/jobs/guide/ from /admin/jobs/overview/
        ("admin/jobs/overview.md", 3, "../../../x/")]  # /x/: no page there
    # the file-path reading (mkdocs, docusaurus: they rewrite .md links when they build) differs
    assert ("admin/jobs/index.md", 3, "./overview.md") not in _dead(tmp_path, style="github")
    assert ("admin/jobs/overview.md", 3, "../../guide/") in _dead(tmp_path, style="github")
    dead, _ = check_tree_links(str(tmp_path), style="starlight")
    assert [d.target for d in dead if d.outside] == ["../../../../x/"]  # above the site's root
    assert "answers /admin/jobs/overview.md with a 404" in dead[1].message
