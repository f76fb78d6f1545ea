"""End-to-end: the main job on corpus/, stage commands, determinism, resume, edited plans, the checker."""

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, write
from consolidate.checks.claims import parse_page
from consolidate.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path_factory.mktemp("run") / "out"
    result = runner.invoke(app, ["run", str(CORPUS), "--out", str(out), "--quiet"])
    mp.undo()
    assert result.exit_code == 0, result.output
    return out, result.output


def test_every_input_document_is_in_redirects(corpus_run):
    out, _ = corpus_run
    redirects = json.loads((out / "redirects.json").read_text())
    inputs = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix in (".md", ".mdx", ".markdown"))
    assert sorted(redirects) == inputs
    pages = {p.relative_to(out / "pages").as_posix() for p in (out / "pages").rglob("*.md")}
    assert all(targets and set(targets) <= pages for targets in redirects.values())
    assert redirects["docs/api/python-client.md"] == ["docs/api/python-client.md"]  # in its section's folder
    assert "redirect_maps:" in (out / "redirects.yml").read_text()


def test_report_has_counts_findings_and_timings(corpus_run):
    out, summary = corpus_run
    r = json.loads((out / "report.json").read_text())
    assert r["documents"] == 29 and r["chunks"] > 100 and r["pages"] == len(list((out / "pages").rglob("*.md")))
    assert r["errors"] == 0
    assert set(r["timings"]) >= {"ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"}
    kinds = {f["kind"] for f in r["findings"]}
    assert {"dead-link", "conflict"} <= kinds  # corpus/ plants both
    assert all(set(f) >= {"severity", "kind", "page", "message"} for f in r["findings"])
    assert "documents ->" in summary and "0 errors" in summary


def test_every_sentence_has_a_resolving_citation(corpus_run):
    out, _ = corpus_run
    chunks = {c["id"]: c for c in json.loads((out / ".state" / "chunks.json").read_text())["data"]["chunks"]}
    n = 0
    for page in (out / "pages").rglob("*.md"):
        parsed = parse_page(page.read_text())
        for claim in parsed.claims:
            assert claim.labels, f"{page.name}:{claim.line} uncited: {claim.text[:60]}"
            for label in claim.labels:
                ref = parsed.refs[label]
                c = chunks[ref.chunk]
                assert c["doc"] == ref.doc and c["start"] <= ref.start <= ref.end <= c["end"]
                n += 1
    assert n > 200


def test_conflicts_are_surfaced_in_pages(corpus_run):
    out, _ = corpus_run
    text = "\n".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    assert "**Sources disagree:**" in text
    r = json.loads((out / "report.json").read_text())
    conflicts = [f["message"] for f in r["findings"] if f["kind"] == "conflict"]
    assert any("8" in m and "4" in m for m in conflicts), conflicts  # worker concurrency 8 vs 4


def test_code_blocks_stay_verbatim(corpus_run):
    out, _ = corpus_run
    text = "\n".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    assert "```mermaid" in text
    assert re.search(r"^\|.*\|$", text, re.M), "a table survived"


def test_check_command_passes_and_catches_a_tampered_fact(corpus_run, tmp_path):
    out, _ = corpus_run
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 0, res.output
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    page = next(p for p in sorted((copy / "pages").rglob("*.md")) if "default is 8" in p.read_text())
    page.write_text(page.read_text().replace("default is 8", "default is 16", 1))
    res = runner.invoke(app, ["check", str(copy), "--json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert any(f["kind"] == "unsupported-fact" and "'16'" in f["message"] for f in data["findings"])


def test_check_catches_uncited_sentence_and_dead_link(corpus_run, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(corpus_run[0], copy)
    page = sorted((copy / "pages").rglob("*.md"))[0]
    page.write_text(page.read_text().replace("\n## Sources", "\nAn invented claim.\n\nSee [gone](missing.md#x).[^1]\n\n## Sources", 1))
    res = runner.invoke(app, ["check", str(copy), "--json"])
    kinds = {f["kind"] for f in json.loads(res.output)["findings"]}
    assert res.exit_code == 1 and {"uncited", "dead-link"} <= kinds


def test_two_runs_give_byte_identical_pages(corpus_run, tmp_path):
    out, _ = corpus_run
    other = tmp_path / "again"
    assert runner.invoke(app, ["run", str(CORPUS), "--out", str(other), "-q"]).exit_code == 0
    for name in ("redirects.json", "redirects.yml", "plan.json", "review.html", "ledger.json"):
        assert (out / name).read_bytes() == (other / name).read_bytes(), name
    a = {p.name: p.read_bytes() for p in (out / "pages").rglob("*.md")}
    b = {p.name: p.read_bytes() for p in (other / "pages").rglob("*.md")}
    assert a == b


def test_runs_in_processes_with_other_string_hashes_give_the_same_bytes(corpus_run, tmp_path):
    """Set and dict order of strings follows a per-process hash seed; no output may depend on it."""
    import os
    import subprocess
    import sys

    out, _ = corpus_run
    for seed in ("1", "2"):
        other = tmp_path / f"seed{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "consolidate", "run", str(CORPUS), "--out", str(other), "-q"],
                              env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        for name in ("redirects.json", "plan.json", "review.html", "ledger.json"):
            assert (out / name).read_bytes() == (other / name).read_bytes(), (seed, name)
        assert {p.name: p.read_bytes() for p in (out / "pages").rglob("*.md")} == \
            {p.name: p.read_bytes() for p in (other / "pages").rglob("*.md")}, seed


def test_rerun_reuses_stages_and_an_edit_recomputes(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"]).exit_code == 0
    again = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    every = ["ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"]
    assert "reused: " + ", ".join(every) in again.output
    r = json.loads((out / "report.json").read_text())
    assert r["reused_stages"] == every
    (docs / "docs" / "worker" / "overview.md").write_text("# Worker\n\nThe worker is new.\n")
    third = runner.invoke(app, ["run", str(docs), "--out", str(out), "-q"])
    assert third.exit_code == 0 and "reused" not in third.output


def test_edited_plan_is_used(corpus_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(corpus_run[0], out)
    plan = json.loads((out / "plan.json").read_text())
    first, second = plan["pages"][0], plan["pages"][1]
    first["chunk_ids"] += second["chunk_ids"]
    first["title"] = "Everything merged"
    del plan["pages"][1]
    (out / "edited.json").write_text(json.dumps(plan))
    res = runner.invoke(app, ["draft", "--out", str(out), "--plan", str(out / "edited.json"), "-q"])
    assert res.exit_code == 0, res.output
    assert not (out / "pages" / f"{second['slug']}.md").exists()
    assert "# Everything merged" in (out / "pages" / f"{first['slug']}.md").read_text()
    redirects = json.loads((out / "redirects.json").read_text())
    assert all(second["slug"] + ".md" not in v for v in redirects.values())
    res = runner.invoke(app, ["run", str(CORPUS), "--out", str(out), "--plan", str(out / "edited.json"), "-q"])
    assert res.exit_code == 0 and len(list((out / "pages").rglob("*.md"))) == len(plan["pages"])


def test_plan_with_unknown_chunk_is_a_clear_error(corpus_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(corpus_run[0], out)
    plan = json.loads((out / "plan.json").read_text())
    plan["pages"][0]["chunk_ids"].append("cdeadbeef0000")
    (out / "bad.json").write_text(json.dumps(plan))
    res = runner.invoke(app, ["draft", "--out", str(out), "--plan", str(out / "bad.json")])
    assert res.exit_code == 2 and "not in the current inputs" in res.output and "Traceback" not in res.output


def test_plan_and_review_commands(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["plan", str(CORPUS), "--out", str(out), "-q"])
    assert res.exit_code == 0 and (out / "plan.json").exists() and not (out / "pages").exists()
    assert runner.invoke(app, ["draft", "--out", str(out), "-q"]).exit_code == 0
    (out / "review.html").unlink()
    assert runner.invoke(app, ["review", str(out), "--static"]).exit_code == 0
    html = (out / "review.html").read_text()
    assert '<script>alert("xss")</script>' not in html  # corpus/docs/worker/troubleshooting.md carries one


def test_usage_errors_are_one_line_exit_2(tmp_path):
    res = runner.invoke(app, ["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "no such folder" in res.output
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["run", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "no markdown files" in res.output


def test_refuses_to_write_into_a_foreign_folder(tmp_path):
    precious = write(tmp_path, "mine/notes.txt", "keep me")
    res = runner.invoke(app, ["run", str(CORPUS), "--out", str(tmp_path / "mine")])
    assert res.exit_code == 2 and "not empty" in res.output
    assert precious.read_text() == "keep me" and sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_bad_files_warn_and_the_run_goes_on(tmp_path):
    docs = tmp_path / "docs"
    write(docs, "a.md", "# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n")
    write(docs, "b.md", "# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n\nRollback takes 5 minutes.\n")
    write(docs, "bin.md", b"\x00\x00")
    write(docs, "bad.md", b"\xff\xfe\xfa")
    write(docs, "fm.md", "---\ntitle: [unclosed\n---\n# FM\n\nBody.\n")
    res = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output
    r = json.loads((tmp_path / "out" / "report.json").read_text())
    msgs = [f["message"] for f in r["findings"] if f["severity"] == "warning"]
    assert any("bin.md" in m for m in msgs) and any("bad.md" in m for m in msgs) and any("fm.md" in m for m in msgs)
    page = (tmp_path / "out" / "pages").rglob("*.md")
    text = "\n".join(p.read_text() for p in page)
    assert text.count("Deploy with `tidectl deploy` on port 8080.") == 1  # said twice, kept once, cites both
