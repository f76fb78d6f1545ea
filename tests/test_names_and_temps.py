"""Any source file name works in citations (one footnote format, consolidate/footnotes.py), and a
resumed run removes the temporary files a killed write left behind."""

import json
import os

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate.checks.claims import parse_page
from consolidate.cli import app
from consolidate.footnotes import Ref, definition, parse_definition
from consolidate.fsio import remove_stale_temps, write_text

runner = CliRunner()

NAMES = ["Install Guide.md", "ünïcode guide.md", "it's \"quoted\".md", "setup (copy).md", "tick`name.md",
         "100% done.md", "a:1-2.md", "new\nline.md"]


@pytest.mark.parametrize("name", NAMES)
def test_a_definition_reads_back_the_name_it_was_written_with(name):
    line = definition(7, Ref(name, 3, 9, "c0123abcd"))
    assert "\n" not in line and parse_definition(line) == ("7", Ref(name, 3, 9, "c0123abcd"))
    page = parse_page(f"# T\n\nA sentence.[^7]\n\n## Sources\n\n{line}\n")
    assert page.refs["7"].doc == name and page.claims[0].labels == ["7"]


def test_a_hand_written_bare_definition_still_reads():
    assert parse_definition("[^2]: guide.md:4-6") == ("2", Ref("guide.md", 4, 6, ""))


@pytest.mark.skipif(os.name == "nt", reason="a newline in a file name")
def test_odd_file_names_pass_the_checker(tmp_path):
    docs = tmp_path / "docs"
    for i, name in enumerate(NAMES):
        write(docs, name, f"# Guide {i}\n\nRun `tidectl setup --step {i}` before you start.\n\n- Port {8000 + i} is used.\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0, [f["message"] for f in report["findings"] if f["severity"] == "error"]
    cited = set()
    for p in (out / "pages").rglob("*.md"):
        cited |= {r.doc for r in parse_page(p.read_text()).refs.values()}
    assert cited == set(NAMES)
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0


def test_remove_stale_temps_removes_only_ours(tmp_path):
    ours = tmp_path / ".guide.md.ab_c12x9.tmp"
    for p, text in [(ours, "half"), (tmp_path / ".notes.tmp", "x"), (tmp_path / "guide.md.ab_c12x9.tmp", "x"),
                    (tmp_path / ".guide.md.short.tmp", "x")]:
        p.write_text(text)
    os.symlink(tmp_path / "guide.md.ab_c12x9.tmp", tmp_path / ".link.md.zzzzzzzz.tmp")
    assert remove_stale_temps(tmp_path) == [ours]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".guide.md.short.tmp", ".link.md.zzzzzzzz.tmp", ".notes.tmp",
                                                          "guide.md.ab_c12x9.tmp"]
    assert remove_stale_temps(tmp_path / "absent") == []


def test_a_resumed_run_removes_temps_a_killed_write_left(tmp_path):
    docs = tmp_path / "docs"
    write(docs, "a.md", "# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"]).exit_code == 0
    page = next((out / "pages").rglob("*.md"))
    left = [page.parent / f".{page.name}.k1ll3d_x.tmp", out / ".report.json.0a1b2c3d.tmp", out / ".state" / ".findings.json.zz99yy88.tmp"]
    for p in left:
        p.write_text("half-written")
    theirs = out / "pages" / "notes.tmp"  # not named as ours: left alone
    theirs.write_text("keep")
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"]).exit_code == 0
    assert not any(p.exists() for p in left) and theirs.read_text() == "keep"


def test_write_text_leaves_no_temp(tmp_path):
    write_text(tmp_path / "x.md", "hello")
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_files_written_as_one_appear_together_after_one_sync(tmp_path, monkeypatch):
    from consolidate import fsio

    (tmp_path / "a.md").write_text("old\n")
    fsyncs = []
    monkeypatch.setattr(fsio.os, "fsync", lambda fd: fsyncs.append(fd))
    with fsio.synced_once():
        write_text(tmp_path / "a.md", "new\n")
        write_text(tmp_path / "sub" / "b.md", "b\n")
        assert (tmp_path / "a.md").read_text() == "old\n" and not (tmp_path / "sub" / "b.md").exists()
    assert (tmp_path / "a.md").read_text() == "new\n" and (tmp_path / "sub" / "b.md").read_text() == "b\n"
    assert len(fsyncs) <= 1  # one syncfs for the file system (an fsync each only where syncfs is missing)
    assert remove_stale_temps(tmp_path) == [] and remove_stale_temps(tmp_path / "sub") == []


def test_files_written_as_one_keep_the_old_files_when_the_block_fails(tmp_path):
    from consolidate import fsio

    (tmp_path / "a.md").write_text("old\n")
    with pytest.raises(RuntimeError):
        with fsio.synced_once():
            write_text(tmp_path / "a.md", "new\n")
            raise RuntimeError("stop")
    assert (tmp_path / "a.md").read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["a.md"]


def test_a_cache_write_is_not_synced(tmp_path, monkeypatch):
    from consolidate import fsio

    fsyncs = []
    monkeypatch.setattr(fsio.os, "fsync", lambda fd: fsyncs.append(fd))
    fsio.write_bytes(tmp_path / "c.pkl", b"x", sync=False)
    fsio.write_bytes(tmp_path / "d.md", b"y")
    assert (tmp_path / "c.pkl").read_bytes() == b"x" and len(fsyncs) == 1
