"""OUT/pages keeps the section folders (issue 14 item 1): `pages/<section>/<slug>.md`. The page's
file is its name in review.json, report.json, the ledger and the review app; links between pages
are relative paths between those files, and every reader of the output reads them so."""

import json

from starlette.testclient import TestClient
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.web.app import create_app

runner = CliRunner()
ADMIN = ("# Rotating the harbor keys\n\nRotate the signing keys of the harbor gateway every ninety days with the "
         "rotate command.\nThe gateway reloads the new keys without dropping open sessions.\n\n![diagram](keys.png)\n\n"
         "The client side is in [the client guide](../developer/client.md#retries).\n"
         "The old notes are in [the archive](../../outside.md).\n")
DEV = ("# Harbor client library\n\n## Retries\n\nThe client library retries failed uploads three times with "
       "exponential backoff and a jittered delay.\nOperators rotate keys as [the admin guide](../admin/keys.md) says.\n"
       "The design is in [the design notes](../../design.md#uploads).\n")


def _run(tmp_path):
    write(tmp_path / "site" / "docs", "admin/keys.md", ADMIN)
    write(tmp_path / "site" / "docs", "admin/keys.png", b"\x89PNG\r\n")
    write(tmp_path / "site" / "docs", "developer/client.md", DEV)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(tmp_path / "site" / "docs"), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def test_pages_are_written_in_their_section_folders_and_link_each_other_relatively(tmp_path):
    out = _run(tmp_path)
    files = sorted(p.relative_to(out / "pages").as_posix() for p in (out / "pages").rglob("*") if p.is_file())
    assert [f for f in files if f.endswith(".md")] == ["admin/rotating-the-harbor-keys.md", "developer/harbor-client-library.md"]
    admin = (out / "pages" / "admin/rotating-the-harbor-keys.md").read_text()
    dev = (out / "pages" / "developer/harbor-client-library.md").read_text()
    assert "[the client guide](../developer/harbor-client-library.md#retries)" in admin
    assert "[the admin guide](../admin/rotating-the-harbor-keys.md)" in dev
    asset = next(f for f in files if f.endswith("keys.png"))
    assert f"![diagram](../{asset})" in admin  # assets/ stays at the top of pages/
    assert "[the archive](../../outside.md)" in admin  # where it led from its source, which sat in admin/ too
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0 and sorted(report["page_details"]) == ["admin/rotating-the-harbor-keys.md",
                                                                         "developer/harbor-client-library.md"]
    assert [f["kind"] for f in report["findings"] if f["page"] == "admin/rotating-the-harbor-keys.md"] == ["outside-link"]
    assert json.loads((out / "redirects.json").read_text())["admin/keys.md"] == ["admin/rotating-the-harbor-keys.md"]
    assert (out / "review" / "admin~rotating-the-harbor-keys.html").is_file()
    r = runner.invoke(app, ["check", str(out), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["errors"] == 0, r.output


def test_review_accept_and_publish_read_the_folders(tmp_path):
    out = _run(tmp_path)
    name = "admin/rotating-the-harbor-keys.md"
    client = TestClient(create_app(out, token="t"), base_url="http://127.0.0.1")
    assert "Rotating the harbor keys" in client.get(f"/page/{name}").text
    assert client.get(f"/page/{name}/diff?doc=admin/keys.md").status_code == 200
    r = runner.invoke(app, ["accept", str(out), name])
    assert r.exit_code == 0 and f"accepted {name}" in r.output, r.output
    assert json.loads((out / "review.json").read_text())["pages"][name]["status"] == "accepted"
    assert runner.invoke(app, ["accept", str(out), "--all"]).exit_code == 0
    site = tmp_path / "published"
    r = runner.invoke(app, ["publish", str(out), "--to", str(site), "--site", "mkdocs"])
    assert r.exit_code == 0, r.output
    admin = (site / "docs" / name).read_text()
    assert "[the client guide](../developer/harbor-client-library.md#retries)" in admin
    r = runner.invoke(app, ["publish", str(out), "--to", str(tmp_path / "star"), "--site", "starlight"])
    assert r.exit_code == 0, r.output
    star = (tmp_path / "star" / "src/content/docs" / name).read_text()
    assert "[the client guide](/developer/harbor-client-library/#retries)" in star


def test_a_page_moved_to_another_section_leaves_no_file_or_empty_folder_behind(tmp_path):
    out = _run(tmp_path)
    plan = json.loads((out / "plan.json").read_text())
    for p in plan["pages"]:
        if p["section"] == "developer":
            p["section"] = "reference/client"
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    r = runner.invoke(app, ["run", str(tmp_path / "site" / "docs"), "--out", str(out), "-q", "--plan", str(tmp_path / "plan.json")])
    assert r.exit_code == 0, r.output
    assert not (out / "pages" / "developer").exists()
    assert (out / "pages" / "reference/client/harbor-client-library.md").is_file()
    admin = (out / "pages" / "admin/rotating-the-harbor-keys.md").read_text()
    assert "[the client guide](../reference/client/harbor-client-library.md#retries)" in admin
    dev = (out / "pages" / "reference/client/harbor-client-library.md").read_text()
    assert "[the design notes](../../../design.md#uploads)" in dev  # re-based: it still leads where its source's did
