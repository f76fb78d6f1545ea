"""Issue 17: inputs, outputs and links stay inside their folders; every usage error is one line, exit 2."""

import json
import os
import re
import stat

import pytest
from typer.testing import CliRunner

from conftest import page_file, write
from consolidate.cli import app
from consolidate.errors import UsageError
from consolidate.fsio import confined, write_text
from consolidate.stages.ingest import ingest
from consolidate.web.runview import RunView
from reviewkit import first_page, make_run
from test_decisions_publish import decide, site_tree

runner = CliRunner()
DOC = "# Alpha\n\nAlpha runs on port 8080 in every install.\n"


def tree_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def one_line_error(r, *needles):
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.output
    for n in needles:
        assert n in lines[0], r.output


# ---- inputs --------------------------------------------------------------------------------

def test_symlinks_out_of_the_docs_folder_are_skipped_and_named(tmp_path):
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    write(docs, "a.md", DOC)
    write(outside, "secret.md", "# Secret\n\nThe secret word is swordfish.\n")
    os.symlink(outside / "secret.md", docs / "passwd.md")
    (docs / "sub").mkdir()
    os.symlink(outside, docs / "sub" / "out")
    os.symlink(docs / "a.md", docs / "inside.md")  # a link inside the root is followed
    docs_, texts, findings = ingest([docs], max_bytes=10**6)
    assert sorted(d.path for d in docs_) == ["a.md", "inside.md"]
    skipped = {f.page: f.message for f in findings if f.kind == "skipped-file"}
    assert set(skipped) == {"passwd.md", "sub/out"}
    assert str(outside / "secret.md") in skipped["passwd.md"] and "follow_links_into" in skipped["passwd.md"]
    assert str(outside) in skipped["sub/out"]
    # the option follows links into a named folder
    docs_, _, findings = ingest([docs], max_bytes=10**6, follow_into=[str(outside)])
    assert {"passwd.md", "sub/out/secret.md"} <= {d.path for d in docs_}
    # and through the CLI: nothing of the secret reaches a page, the warning is in report.json
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert not any("swordfish" in p.read_text() for p in (out / "pages").rglob("*.md"))
    report = json.loads((out / "report.json").read_text())
    assert {"passwd.md", "sub/out"} <= {f["page"] for f in report["findings"] if f["kind"] == "skipped-file"}
    r = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q", "--follow-links-into", str(outside)])
    assert r.exit_code == 0 and any("swordfish" in p.read_text() for p in (out / "pages").rglob("*.md"))


def test_utf16_is_named_not_called_binary(tmp_path):
    write(tmp_path, "a.md", DOC)
    write(tmp_path, "bom.md", "# U\n\nhello\n".encode("utf-16"))
    write(tmp_path, "le.md", "# U\n\nhello\n".encode("utf-16-le"))
    write(tmp_path, "be.md", "# U\n\nhello\n".encode("utf-16-be"))
    write(tmp_path, "bin.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    _, _, findings = ingest([tmp_path], max_bytes=10**6)
    why = {f.page: f.message for f in findings}
    for name in ("bom.md", "le.md", "be.md"):
        assert why[name].endswith("UTF-16; re-save it as UTF-8")
    assert "binary content" in why["bin.md"]


# ---- outputs -------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", ["../../elsewhere/x", "/tmp/abs-x", "a/b", ".hidden", "", "x" * 101, "a\\b"])
def test_plan_slug_is_validated_before_any_write(tmp_path, slug):
    write(tmp_path / "docs", "a.md", DOC)
    out = tmp_path / "work" / "out"
    assert runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"]).exit_code == 0
    plan = json.loads((out / "plan.json").read_text())
    plan["pages"][0]["slug"] = slug
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    before = tree_files(tmp_path)
    for args in (["run", str(tmp_path / "docs"), "--out", str(out), "-q"], ["draft", "--out", str(out), "-q"]):
        r = runner.invoke(app, args + ["--plan", str(tmp_path / "plan.json")])
        one_line_error(r, "plan.json: pages[0].slug", "a slug is a page's file name")
    assert tree_files(tmp_path) == before and not os.path.exists("/tmp/abs-x.md")


def test_no_write_leaves_the_output_folder_through_a_symlink(tmp_path):
    write(tmp_path / "docs", "a.md", DOC)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    assert runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"]).exit_code == 0
    elsewhere.mkdir()
    for p in (out / "pages").iterdir():
        p.unlink()
    (out / "pages").rmdir()
    os.symlink(elsewhere, out / "pages")
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"])
    one_line_error(r, str(out / "pages"), "outside the output folder")
    assert list(elsewhere.iterdir()) == []
    with confined(out), pytest.raises(UsageError, match="outside the output folder"):
        write_text(out / "pages" / "x.md", "x")
    assert list(elsewhere.iterdir()) == []


def test_publish_refuses_a_symlinked_content_folder(tmp_path):
    out = make_run(tmp_path, extras=False)
    for name in RunView.load(out).pages:
        decide(out, name, "accepted")
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    site.mkdir()
    os.symlink(elsewhere, site / "docs")
    for dry in ([], ["--dry-run"]):
        r = runner.invoke(app, ["publish", str(out), "--to", str(site)] + dry)
        one_line_error(r, "outside the site folder (--to)", str(site / "docs"))
    assert list(elsewhere.iterdir()) == [] and sorted(os.listdir(site)) == ["docs"]
    # a markdown file that leads out of the site keeps its links (and the file it points at) as they are
    (site / "docs").unlink()
    site = site_tree(tmp_path)
    target = elsewhere / "notes.md"
    target.write_text("# Notes\n\nSee [old](ops/worker-old.md).\n")
    os.symlink(target, site / "docs" / "notes.md")
    r = runner.invoke(app, ["publish", str(out), "--to", str(site)])
    assert r.exit_code == 0, r.output
    assert "warning: docs/notes.md leads out of the site" in r.output
    assert target.read_text() == "# Notes\n\nSee [old](ops/worker-old.md).\n"


def test_file_modes_follow_the_umask_and_publish_keeps_a_rewritten_files_mode(tmp_path):
    old = os.umask(0o002)
    try:
        from consolidate.fsio import _umask
        _umask.cache_clear()
        out = make_run(tmp_path, extras=False)
        for f in [out / "report.json", out / "pages" / first_page(out)]:
            assert stat.S_IMODE(f.stat().st_mode) == 0o664, f
        for name in RunView.load(out).pages:
            decide(out, name, "accepted")
        site = site_tree(tmp_path)
        guide = site / "docs" / "guide.md"
        guide.chmod(0o640)
        r = runner.invoke(app, ["publish", str(out), "--to", str(site)])
        assert r.exit_code == 0 and "rewrite-links" in r.output, r.output
        assert stat.S_IMODE(guide.stat().st_mode) == 0o640
        assert stat.S_IMODE((site / "docs" / first_page(out)).stat().st_mode) == 0o664
    finally:
        os.umask(old)
        _umask.cache_clear()


# ---- links -------------------------------------------------------------------------------

HOSTILE = """# Alpha

Alpha runs on port 8080 in every install.
See [js](javascript:alert(1)), [d](data:text/html;base64,PHNjcmlwdD4=), [f](file:///etc/passwd) and [ok](https://example.org/a).
Also [ref][v], <javascript:alert(3)>, [tab](<java\tscript:alert(4)>) and [![img](data:image/png;base64,AA)](https://example.org/b).

<a href="JaVa&#115;cript:alert(2)" title="t">click</a>

[v]: vbscript:msgbox
"""


def test_unsafe_links_are_reduced_to_text_and_reported(tmp_path):
    write(tmp_path / "docs", "a.md", HOSTILE)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    page = "".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    low = page.lower()
    for bad in ("](javascript", "](data:", "](file:", "](vbscript", "href=", "<javascript", "](<java"):
        assert bad not in low, bad
    assert "[ok](https://example.org/a)" in page and "<a title=\"t\">click</a>" in page
    report = json.loads((out / "report.json").read_text())
    unsafe = [f for f in report["findings"] if f["kind"] == "unsafe-link"]
    assert len(unsafe) == 8 and all(f["severity"] == "warning" for f in unsafe)
    assert report["errors"] == 0
    # the checker reports a page that carries one (an edit, a model's draft)
    name = next(p.name for p in (out / "pages").rglob("*.md"))
    text = (out / "pages" / name).read_text()
    (out / "pages" / name).write_text(text + '\n<img src=" javascript:x">\n\n[x](DATA:text/html,1)\n\n```\n[code](javascript:shown)\n```\n\nSee [y][z].\n\n[z]: file:///etc/passwd\n')
    r = runner.invoke(app, ["check", str(out), "--json"])
    found = [f for f in json.loads(r.output)["findings"] if f["kind"] == "unsafe-link"]
    assert r.exit_code == 1 and len(found) == 3 and all(f["severity"] == "error" for f in found), found


# ---- usage errors --------------------------------------------------------------------------

@pytest.mark.parametrize("plan, needle", [
    ({"pages": 5}, '"pages" must be a list'),
    ([1, 2], '"pages" must be a list'),
    ({"pages": [5]}, "pages[0]: Input should be a valid dictionary"),
    ({"pages": [{"slug": "a"}]}, "pages[0].title: Field required"),
    ({"pages": [{"slug": "a", "title": "A\n# injected", "topic": "t", "chunk_ids": [], "sources": []}]}, "pages[0].title"),
    ({"pages": []}, "the plan has no pages"),
    (None, "cannot read the plan file"),
])
def test_malformed_plans_are_one_line_errors(tmp_path, plan, needle):
    write(tmp_path / "docs", "a.md", DOC)
    if plan is None:
        (tmp_path / "plan.json").mkdir()
    else:
        (tmp_path / "plan.json").write_text(json.dumps(plan))
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q", "--plan", str(tmp_path / "plan.json")])
    one_line_error(r, "plan.json", needle)


def test_commands_without_a_run_and_bad_options_exit_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(runner.invoke(app, ["check", str(empty)]), str(empty))
    one_line_error(runner.invoke(app, ["review", str(empty), "--static"]), "no consolidate run found")
    one_line_error(runner.invoke(app, ["draft", "--out", str(empty)]), "no consolidate run found")
    one_line_error(runner.invoke(app, ["check", str(empty), "--site", "hugo"]), "--site hugo", "choose one of")
    one_line_error(runner.invoke(app, ["check", str(empty), "--links-only", "--site", "hugo"]), "--site hugo")


@pytest.mark.parametrize("content, needle", [
    (b"\xff\xfe[\x00", "not UTF-8"),
    (b"[ingest\n", "not valid TOML"),
    (b"ingest = 5\n", "invalid settings"),
    (b"[ingest]\nfollow_links_into = 3\n", "ingest.follow_links_into"),
    (b"[nope]\nx = 1\n", "invalid settings"),
    (None, "cannot read the config file"),
])
def test_bad_config_files_are_one_line_errors(tmp_path, content, needle):
    write(tmp_path / "docs", "a.md", DOC)
    cfg = tmp_path / "consolidate.toml"
    if content is None:
        cfg.mkdir()
    else:
        cfg.write_bytes(content)
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q", "--config", str(cfg)])
    one_line_error(r, str(cfg), needle)


# ---- size ------------------------------------------------------------------------------------

def test_review_app_edits_a_page_over_1_mb_and_still_refuses_huge_bodies(tmp_path):
    from starlette.testclient import TestClient

    from consolidate.web.app import create_app
    from consolidate.decisions import load_decisions

    out = make_run(tmp_path, extras=False)
    page = first_page(out)
    text = (out / "pages" / page).read_text()
    line = next(ln for ln in text.splitlines() if "Set concurrency to 8" in ln)
    big = text.replace(line, "\n\n".join([line] * 30000))  # the same cited sentence, 1.5 MB of it
    assert len(big.encode()) > 1_400_000
    (out / "pages" / page).write_text(big)
    client = TestClient(create_app(out, token="t0k"), base_url="http://127.0.0.1")
    assert client.get(f"/page/{page}").status_code == 200

    def post(body):
        return client.post(f"/page/{page}/edit", data={"token": "t0k", "text": body},
                           headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)

    assert post(big.replace("one by one.", "one at a time.")).status_code == 303
    assert "one at a time" in load_decisions(out)[page].text
    r = post("x" * (40 << 20))  # far over the largest page
    assert r.status_code == 400 and "exceeded maximum size" in r.text


def test_static_review_is_an_index_and_one_small_file_per_page(tmp_path):
    out = make_run(tmp_path, extras=False)
    pages = sorted(p.relative_to(out / "pages").as_posix() for p in (out / "pages").rglob("*.md"))
    assert len(pages) >= 2 and any("/" in n for n in pages)  # a page in its section's folder
    index = (out / "review.html").read_text()
    files = sorted(p.name for p in (out / "review").glob("*.html"))
    flat = {n: n[:-3].replace("/", "~") for n in pages}  # every review file in review/, `~` for a folder's `/`
    assert files == sorted(f + ".html" for f in flat.values())
    for name in pages:
        assert f'href="review/{flat[name]}.html"' in index
        html = (out / "review" / f"{flat[name]}.html").read_text()
        assert f'data-name="{name}"' in html and 'href="../review.html"' in html
        others = [n for n in pages if n != name]
        assert not any(f'<section class="page active" id="page-0" data-name="{o}"' in html for o in others)
        data = json.loads(html.split('<script type="application/json" id="data">')[1].split("</script>")[0])
        cited = set(re.findall(r"^\[\^\d+\]: `([^`]+):\d+-\d+`", (out / "pages" / name).read_text(), re.M))
        assert set(data["files"]) == cited and "sources" not in data  # only the sources this page cites, loaded on a click
        for doc, rel in data["files"].items():
            script = (out / "review" / rel).read_text()
            assert script.startswith(f"consolidateSource({json.dumps(doc)},[") and script.endswith("]);\n")
    # a page the plan no longer makes loses its review file
    plan = json.loads((out / "plan.json").read_text())
    gone = plan["pages"].pop()
    plan["pages"][0]["chunk_ids"] += gone["chunk_ids"]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    r = runner.invoke(app, ["draft", "--out", str(out), "-q", "--plan", str(tmp_path / "plan.json")])
    assert r.exit_code in (0, 1), r.output
    def review_file(entry):
        return out / "review" / (page_file(entry)[:-3].replace("/", "~") + ".html")
    assert not review_file(gone).exists() and review_file(plan["pages"][0]).exists()


S_WORKERS = "Workers renew leases every thirty seconds while running queued billing jobs safely."
M_WORKERS = "Workers renew leases for thirty seconds while running queued billing invoices through Redis streams."
CHAINS = {  # three statements of three sources: short, medium, long (merge/statements.absorb_restated)
    # the medium one restates the short one (9 of its 11 content words), the long one restates the
    # medium one (11 of 13) but not the short one (7 of 11): "jobs", "safely", "running", "while" gone
    "does not say them": ("sentence", (S_WORKERS, M_WORKERS,
        "The scheduler hands queued billing invoices through Redis streams to workers that renew leases for thirty "
        "seconds on demand.")),
    # the long one restates both, but is over 1/MIN_SHARE times as long as the short one: the
    # checker wants every span a claim cites to hold a fifth of the claim's words
    "too long for them": ("sentence", (S_WORKERS, M_WORKERS,
        "Workers renew leases every thirty seconds while running queued billing work through Redis, and the "
        "scheduler tracks heartbeat timestamps, retry counters, dead letter entries, tenant quotas, priority "
        "classes, region affinity, memory budgets, processor limits, disk usage, network egress, audit trails, "
        "alert routes, dashboard panels and export formats.")),
}


@pytest.mark.parametrize("why", sorted(CHAINS))
def test_a_statement_others_were_merged_into_moves_only_where_their_citations_still_hold(why):
    """A statement restated page-wide moves to the restating one and its citations move with it,
    those of the statements merged into it before too. It moves only when the next one restates
    those as well and is not too long for them: otherwise the short one's citation would stand on a
    claim that does not say it (irrelevant-citation errors on the large tree, in the TypeName
    items and in the $MyInvocation paragraph of four PowerShell versions). The medium one stays,
    citing both."""
    from consolidate.merge.statements import merge_units
    from consolidate.units import Unit

    kind, texts = CHAINS[why]
    short, medium, long = (Unit(kind=kind, text=text, doc=doc, chunk="c" + doc, start=5, end=5, section="Lists",
                                para=(doc, 5)) for doc, text in zip(("short.md", "medium.md", "long.md"), texts))
    shown, _, _ = merge_units([long, medium, short])
    assert short.into is medium and medium.into is None, why
    assert shown["lists"] == [long, medium]
    assert {c.doc for c in medium.citations} == {"medium.md", "short.md"} and {c.doc for c in long.citations} == {"long.md"}


def test_a_short_statement_is_restated_page_wide_only_by_one_holding_every_word():
    """Under SHORT content words one word may be all it says: "If the worker dies, the lease expires
    and another worker picks the job up again." is not restated by "The worker running the job dies
    and the lease expires." (corpus/ lost the pick-up until this rule; so did "metald: ~1MB memory
    per 1000 VMs" beside "Memory usage: ~1MB per 1000 VMs")."""
    from consolidate.merge.statements import merge_units
    from consolidate.units import Unit

    short, other = (Unit(kind="sentence", text=text, doc=doc, chunk="c" + doc, start=5, end=5, section="Worker",
                         para=(doc, 5)) for doc, text in (
        ("overview.md", "If the worker dies, the lease expires and another worker picks the job up again."),
        ("retries.md", "The worker running the job dies and the lease expires. This counts as a failed attempt, so a "
                       "job that reliably crashes its worker still ends up in the dead-letter queue.")))
    shown, _, _ = merge_units([other, short])
    assert short.into is None and shown["worker"] == [other, short]


def test_a_short_statement_in_other_forms_of_its_words_is_still_restated():
    """"Nightly ledger backup written into the folder" is restated by "…writes a nightly backup of
    every ledger into the folder": `written` is another form of `writes` (merge/statements._inflected),
    not another word; "server" and "service" are not forms of one word."""
    from consolidate.merge.statements import _inflected

    assert _inflected(frozenset({"written"}), frozenset({"write", "nightly"}))
    assert not _inflected(frozenset({"server"}), frozenset({"service"}))
    assert not _inflected(frozenset({"pick"}), frozenset({"worker", "job", "lease"}))
