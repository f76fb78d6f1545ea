"""accept from the command line, sections and audiences in the plan, metadata, archive, hubs, shaping per generator."""

import json

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.publish import publish, shape
from consolidate.publish.hubs import describe
from consolidate.publish.meta import carried
from consolidate.publish.sites import SITES, link, route
from consolidate.records import Document
from consolidate.stages.sections import audience_of
from consolidate.web.app import create_app
from consolidate.web.runview import RunView
from reviewkit import first_page, make_run, run_args

runner = CliRunner()


def test_accept_writes_review_json_exactly_as_the_browser_does(tmp_path):
    a, b = make_run(tmp_path / "a", extras=False), make_run(tmp_path / "b", extras=False)
    page = first_page(a)
    client = TestClient(create_app(b, token="t"), base_url="http://127.0.0.1")
    assert client.post(f"/page/{page}/decision", data={"token": "t", "action": "accept"}, follow_redirects=False).status_code == 303
    r = runner.invoke(app, ["accept", str(a), page])
    assert r.exit_code == 0 and f"accepted {page}" in r.output, r.output
    assert (a / "review.json").read_bytes() == (b / "review.json").read_bytes()
    again = runner.invoke(app, ["accept", str(a), "--all"])
    assert "1 already accepted" in again.output and again.exit_code == 0


def test_accept_only_clean_skips_pages_with_checker_errors_and_usage_errors_are_one_line(tmp_path):
    out = make_run(tmp_path, extras=False)
    report = json.loads((out / "report.json").read_text())
    bad = first_page(out)
    report["findings"].append({"severity": "error", "kind": "unsupported", "page": bad, "message": "m", "line": 3})
    (out / "report.json").write_text(json.dumps(report))
    r = runner.invoke(app, ["accept", str(out), "--all", "--only-clean"])
    assert r.exit_code == 0 and f"not accepted: {bad}: 1 checker error(s) (--only-clean)" in r.output
    assert RunView.load(out).status(bad) == "pending" and all(
        RunView.load(out).status(n) == "accepted" for n in RunView.load(out).pages if n != bad)
    for args, msg in ((["nope.md"], "nope.md: no such page"), ([], "name the pages to accept"),
                      ([bad, "--all"], "name the pages to accept")):
        r = runner.invoke(app, ["accept", str(out)] + args)
        assert r.exit_code == 2 and msg in r.output and "Traceback" not in r.output


def test_publish_with_nothing_accepted_exits_1_with_a_reason(tmp_path):
    out = make_run(tmp_path, extras=False)
    r = runner.invoke(app, ["publish", str(out), "--to", str(tmp_path / "site")])
    assert r.exit_code == 1 and "error: nothing to publish: no page of" in r.output and "--only-clean" in r.output
    assert not (tmp_path / "site").exists()


def test_sections_and_audiences_are_plan_fields_a_person_edits(tmp_path):
    out = make_run(tmp_path, extras=False)
    plan = json.loads((out / "plan.json").read_text())
    assert {p["section"] for p in plan["pages"]} == {"", "ops"}
    assert {p["audience"] for p in plan["pages"] if p["section"] == "ops"} == {"admin"}
    plan["pages"][0]["section"] = "guides/worker"
    (out / "plan.json").write_text(json.dumps(plan))
    runner.invoke(app, ["accept", str(out), "--all"])
    publish(out, tmp_path / "site", "mkdocs")
    assert (tmp_path / "site" / "docs" / "guides" / "worker" / f"{plan['pages'][0]['slug']}.md").is_file()
    assert (tmp_path / "site" / "docs" / "guides" / "worker" / "index.md").is_file()  # its section's hub
    plan["pages"][0]["section"] = "../up"
    (out / "plan.json").write_text(json.dumps(plan))
    r = runner.invoke(app, ["publish", str(out), "--to", str(tmp_path / "site")])
    assert r.exit_code == 2 and ".section '../up': a section is a folder path" in r.output


def test_a_topic_is_split_by_the_audience_its_sources_state(tmp_path):
    text = "# Jobs\n\nThe job queue retries a failed job three times before it gives up on it.\n"
    write(tmp_path / "docs", "admin/jobs.md", text + "\nAdmins watch the queue depth on the dashboard.\n")
    write(tmp_path / "docs", "developer/jobs.md", text + "\nDevelopers register a job type in the registry module.\n")
    (tmp_path / "cluster.toml").write_text("[cluster]\nthreshold = 0.1\ncentre_docs = 0\n")
    assert runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q",
                               "--config", str(tmp_path / "cluster.toml")]).exit_code in (0, 1)
    pages = json.loads((tmp_path / "out" / "plan.json").read_text())["pages"]
    assert sorted((p["section"], p["audience"]) for p in pages) == [("admin", "admin"), ("developer", "developer")]


def doc(path, **fm):
    return Document(path=path, root="/r", sha256="0", title="t", front_matter=fm, line_count=1)


def test_metadata_newest_wins_and_disagreements_are_reported():
    docs = {"a.md": doc("a.md", owner="sre", last_verified="2024-01-10", description="Old words."),
            "b.md": doc("b.md", owner="platform", last_verified="2025-03-01", review_cycle="90d"),
            "c.md": doc("c.md", owner="nobody")}
    meta, notes = carried(("a.md", "b.md", "c.md"), docs)
    assert meta == {"description": "Old words.", "owner": "platform", "last_verified": "2025-03-01", "review_cycle": "90d"}
    assert notes == ["owner: kept 'platform' from b.md (newest); a.md says 'sre'; c.md says 'nobody'",
                     "last_verified: kept '2025-03-01' from b.md (newest); a.md says '2024-01-10'"]


def test_historical_pages_are_archived_with_a_banner(tmp_path):
    out = make_run(tmp_path, extras=False)
    plan = json.loads((out / "plan.json").read_text())
    page = first_page(out)
    entry = next(p for p in plan["pages"] if f"{p['slug']}.md" == page)
    (tmp_path / "docs" / entry["sources"][0]).write_text(
        "---\nstatus: historical\n---\n" + (tmp_path / "docs" / entry["sources"][0]).read_text())
    assert runner.invoke(app, run_args(tmp_path)).exit_code in (0, 1)
    runner.invoke(app, ["accept", str(out), "--all"])
    publish(out, tmp_path / "site", "starlight")
    archived = tmp_path / "site" / "src" / "content" / "docs" / "archive" / page
    assert archived.is_file() and ":::caution[Archived]" in archived.read_text()
    assert json.loads((tmp_path / "site" / "redirects.json").read_text())["/worker/"] == f"/archive/{page[:-3]}/"
    hub = (tmp_path / "site" / "src" / "content" / "docs" / "index.md").read_text()
    assert hub.index("## Archive") < hub.index(f"(/archive/{page[:-3]}/)")  # listed apart, last
    assert json.loads((tmp_path / "site" / "sidebar.json").read_text())[-1]["label"] == "Archive"


def test_one_h1_and_callouts_as_each_generator_writes_them():
    body = ["# Title", "", "Text.", "", '<Callout type="warning">', "  Careful here.", "</Callout>", "", "# Second", "",
            "```", "# not a heading", "<Callout>", "```", "<Tabs>"]
    for name, h1, aside in (("mkdocs", "# Title", ["!!! caution", "", "    Careful here."]),
                            ("starlight", None, [":::caution", "Careful here.", ":::"]),
                            ("docusaurus", None, [":::warning", "Careful here.", ":::"])):
        lines, first = shape.one_h1(SITES[name], body)
        lines, other = shape.asides(SITES[name], lines)
        assert first == "Title" and (lines[0] == h1 if h1 else lines[0] == "Text.")
        assert "## Second" in lines and "# not a heading" in lines and "<Callout>" in lines  # code untouched
        text = "\n".join(lines)
        assert "\n".join(aside) in text and other == ["Tabs"]


def test_routes_and_links_per_generator():
    s, m, d = SITES["starlight"], SITES["mkdocs"], SITES["docusaurus"]
    assert route(s, "Ops/Deploying.html.md") == "ops/deploying" and route(m, "ops/deploying.html.md") == "ops/deploying.html"
    assert route(s, "admin/README.md") == "admin/readme" and route(m, "admin/README.md") == "admin"
    assert link(s, "a/b.md", "c/index.md", "x") == "/c/#x" and link(m, "a/b.md", "c/d.md") == "../c/d.md"
    assert link(d, "a/b.md", "a/b.md", "x") == "#x"


def test_hub_descriptions_carry_their_citations():
    page = ("---\ntitle: T\n---\n\n# T\n\n## Intro\n\nThe [worker](w.md) runs jobs. It also retries them.[^1][^2]\n\n"
            "[^1]: `a.md:3-3`\n[^2]: `b.md:4-5`\n")
    assert describe(page) == ("The worker runs jobs. It also retries them.", ["`a.md:3-3`", "`b.md:4-5`"])
    assert describe(page, longest=10) == describe(page) and describe("# T\n\nNo citation here.\n") is None


@pytest.mark.parametrize("path,expected", [("admin/jobs/x.md", "admin"), ("handbook/ops/runbook.md", "admin"),
                                           ("developer/api.md", "developer"), ("docs/getting-started/q.md", "overview")])
def test_audience_from_paths(path, expected):
    assert audience_of(path, "Page", {}) == expected


def test_only_folders_the_deletes_empty_are_removed(tmp_path):
    from consolidate.publish import _emptied
    for rel in ("docs/a/x.md", "docs/a/b/y.md", "docs/c/z.md", "docs/c/img.png", "docs/d/w.md"):
        write(tmp_path, rel, "x")
    deletes = {"docs/a/x.md", "docs/a/b/y.md", "docs/c/z.md", "docs/d/w.md"}
    assert _emptied(tmp_path, deletes, {"docs/d/new.md"}) == ["docs/a/b", "docs/a"]  # c keeps its image, d gets a page


def test_nav_and_redirect_yaml_keep_non_ascii_titles_whole():
    import yaml
    from consolidate.publish.sites import nav_file, redirect_file
    nav = yaml.safe_load(nav_file(SITES["mkdocs"], [("Overview", [("\U0001f6a6 Quick start \u2705", "a/\u00e9t\u00e9.md")])], None))
    assert nav["nav"] == [{"Overview": [{"\U0001f6a6 Quick start \u2705": "a/\u00e9t\u00e9.md"}]}]  # no lone surrogates
    red = yaml.safe_load(redirect_file(SITES["mkdocs"], {"\u00e9t\u00e9.md": "a/\u00e9t\u00e9.md"}))
    assert red["plugins"][0]["redirects"]["redirect_maps"] == {"\u00e9t\u00e9.md": "a/\u00e9t\u00e9.md"}
