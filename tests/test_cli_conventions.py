"""Command-line conventions (issue 16): -h, --version, shell completion, one-line usage errors,
paths that work from any folder, progress lines off a terminal, run --json, config in parent folders."""

import io
import json
import os
import re
import shutil

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate import __version__
from consolidate.cli import app
from consolidate.progress import Lines
from consolidate.config import config_path

runner = CliRunner()

DOCS = {"a.md": "# Deploy\n\nDeploy with `tidectl deploy` on port 8080.\n\nRead [setup](b.md).\n",
        "b.md": "# Setup\n\nInstall with `pip install tidectl` first.\n"}


def _docs(root):
    for name, text in DOCS.items():
        write(root, name, text)
    return root


def test_short_help_version_and_completion():
    long_, short = runner.invoke(app, ["--help"]), runner.invoke(app, ["-h"])
    assert short.exit_code == 0 and short.output == long_.output and "check" in short.output
    assert runner.invoke(app, ["check", "-h"]).output == runner.invoke(app, ["check", "--help"]).output
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"consolidate {__version__}"
    r = runner.invoke(app, ["--show-completion", "bash"], prog_name="consolidate")
    assert r.exit_code == 0 and "_CONSOLIDATE_COMPLETE" in r.output


@pytest.mark.parametrize("args,needle", [
    (["review", "--port", "abc"], "'--port'"),
    (["run", "docs", "--concurrency", "many"], "'--concurrency'"),
    (["check", "--no-such-option"], "--no-such-option"),
    (["run"], "Missing argument"),
    (["nosuch"], "No such command"),
])
def test_a_bad_command_line_is_one_line_and_exit_2(args, needle):
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and r.output.startswith("error: ") and needle in r.output, r.output
    assert "--help'" in r.output and "Traceback" not in r.output and "╭" not in r.output


def test_a_run_is_checked_reviewed_and_redrafted_from_any_folder(tmp_path, monkeypatch):
    _docs(tmp_path / "work" / "docs")
    monkeypatch.chdir(tmp_path / "work")
    assert runner.invoke(app, ["run", "docs", "--out", "out", "-q"]).exit_code == 0
    stored = json.loads((tmp_path / "work/out/.state/documents.json").read_text())["data"]["documents"]
    assert {(d["root"], d["file"]) for d in stored} == {("../docs", "a.md"), ("../docs", "b.md")}
    monkeypatch.chdir(tmp_path)  # elsewhere: the stored paths still lead to the inputs
    r = runner.invoke(app, ["check", str(tmp_path / "work/out"), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["errors"] == 0, r.output
    assert runner.invoke(app, ["review", "--static", str(tmp_path / "work/out")]).exit_code == 0
    assert runner.invoke(app, ["draft", "--out", str(tmp_path / "work/out"), "-q"]).exit_code == 0
    shutil.move(tmp_path / "work", tmp_path / "moved")  # the output folder moved along with its inputs
    r = runner.invoke(app, ["check", str(tmp_path / "moved/out"), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["errors"] == 0, r.output
    (tmp_path / "moved/docs/b.md").unlink()
    r = runner.invoke(app, ["check", str(tmp_path / "moved/out"), "--json"])
    assert r.exit_code == 1 and "input file is gone" in r.output
    # a folder written before paths were stored relative: the message says why and what to do
    state = tmp_path / "moved/out/.state/documents.json"
    data = json.loads(state.read_text())
    data["data"] = [d | {"root": "docs", "file": f"docs/{d['file']}"} for d in data["data"]["documents"]]
    state.write_text(json.dumps(data))
    r = runner.invoke(app, ["check", str(tmp_path / "moved/out"), "--json"])
    assert r.exit_code == 1 and "stored it relative to the folder it ran in" in r.output


def test_run_json_summary_and_progress_lines_off_a_terminal(tmp_path):
    _docs(tmp_path / "docs")
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert (s["documents"], s["errors"], s["pages"]) == (2, 0, len(list((tmp_path / "out/pages").rglob("*.md"))))
    assert {"seconds", "timings", "drafted_by", "model", "config"} <= set(s)
    stages = [ln.split(":")[0] for ln in r.stderr.splitlines()]  # stderr is no terminal here: one line per stage
    assert stages[:3] == ["read", "ingest", "chunk"] and "draft" in stages and "check" in stages, r.stderr
    assert runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q"]).stderr == ""
    r = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "dry"), "-q", "--dry-run", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["dry_run"] is True and json.loads(r.stdout)["model_calls"] == 0


def test_progress_lines_every_interval_and_a_heartbeat_when_nothing_reports():
    now = [0.0]
    out = io.StringIO()
    lines = Lines(out, interval=10, clock=lambda: now[0])
    lines("embed", 10, 100)  # too soon for a line
    now[0] = 12.0
    lines("embed", 50, 100)
    now[0] = 15.0
    lines("embed", 100, 100)
    now[0] = 20.0
    lines.beat()  # 5 s since the last line: quiet
    now[0] = 26.0
    lines.beat()
    assert out.getvalue().splitlines() == ["embed: 50/100 (12s so far)", "embed: 100/100 in 15.0s",
                                           "working after embed: 11s (26s in all)"]


def test_config_is_found_in_a_parent_folder(tmp_path, monkeypatch):
    write(tmp_path / "proj", "consolidate.toml", "[chunk]\nmax_tokens = 5\n")
    (tmp_path / "proj/docs/deeper").mkdir(parents=True)
    assert config_path(start=tmp_path / "proj/docs/deeper") == tmp_path / "proj/consolidate.toml"
    assert config_path(start=tmp_path) is None
    _docs(tmp_path / "proj/docs")
    monkeypatch.chdir(tmp_path / "proj/docs/deeper")
    r = runner.invoke(app, ["run", "..", "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 2 and r.output.startswith(f"error: {tmp_path / 'proj/consolidate.toml'}: invalid settings"), r.output
    (tmp_path / "proj/consolidate.toml").write_text("[chunk]\nmax_tokens = 300\n")
    r = runner.invoke(app, ["run", "..", "--out", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["config"] == str(tmp_path / "proj/consolidate.toml")


def test_the_fast_link_check_start_says_what_the_typer_app_says(tmp_path):
    import subprocess
    import sys

    from consolidate.cli_links import parse

    write(tmp_path / "t", "a.md", "# A\n\n[b](b.md) [gone](gone.md) [route](/x/y/)\n")
    write(tmp_path / "t", "b.md", "# B\n")
    for args in (["--json"], ["--json", "--fail-on", "warning"], ["--site=mkdocs"], ["--root-dir", str(tmp_path)]):
        argv = ["check", str(tmp_path / "t"), "--links-only", *args]
        assert parse(argv) is not None
        fast = subprocess.run([sys.executable, "-m", "consolidate", *argv], capture_output=True, text=True)
        typer_run = runner.invoke(app, argv)
        assert (fast.returncode, fast.stdout) == (typer_run.exit_code, typer_run.stdout), args
    assert fast.returncode == 1 and "gone.md" in fast.stdout
    # anything else is the typer app's: help, other options, bad values, other commands
    for argv in (["check", "t", "--links-only", "-h"], ["check", "t"], ["check", "t", "--links-only", "--site", "hugo"],
                 ["check", "t", "--links-only", "--fail-on"], ["check", "a", "b", "--links-only"], ["run", "t"],
                 ["check", "t", "--links-only", "--inbound", "x"]):
        assert parse(argv) is None, argv
    r = subprocess.run([sys.executable, "-m", "consolidate", "check", str(tmp_path / "nope"), "--links-only"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr == f"error: {tmp_path / 'nope'}: no such folder; pass a folder of markdown pages\n"


def test_the_fast_run_start_says_what_the_typer_app_says(tmp_path):
    import subprocess
    import sys

    from consolidate.cli_run import parse

    _docs(tmp_path / "docs")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    for args in (["-q"], ["--json", "-q"], ["--quiet", "--out=OUT"]):
        out = tmp_path / "out"
        argv = ["run", str(tmp_path / "docs"), "--out", str(out), *args]
        if "--out=OUT" in args:
            argv = ["run", str(tmp_path / "docs"), f"--out={out}", "--quiet"]
        assert parse(argv, stderr_is_terminal=True) is not None
        shutil.rmtree(out, ignore_errors=True)
        fast = subprocess.run([sys.executable, "-m", "consolidate", *argv], capture_output=True, text=True, env=env)
        shutil.rmtree(out)
        typer_run = subprocess.run([sys.executable, "-c", "from consolidate.cli import main; main()", *argv],
                                   capture_output=True, text=True, env=env)
        strip = lambda s: re.sub(r"\d+\.\ds|\"seconds\": [\d.]+|\"[a-z]+\": \d+\.\d+", "", s)  # noqa: E731 (times)
        assert (fast.returncode, strip(fast.stdout), fast.stderr) == (typer_run.returncode, strip(typer_run.stdout),
                                                                      typer_run.stderr), args
    assert fast.returncode == 0 and "pages in" in fast.stdout
    # a bad config is the same one-line error from either start
    (tmp_path / "bad.toml").write_text("[chunk]\nmax_tokens = 5\n")
    argv = ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q", "--config", str(tmp_path / "bad.toml")]
    fast = subprocess.run([sys.executable, "-m", "consolidate", *argv], capture_output=True, text=True, env=env)
    assert fast.returncode == 2 and fast.stderr.startswith(f"error: {tmp_path / 'bad.toml'}: invalid settings"), fast.stderr
    # anything else is the typer app's: help, other options, no root, progress bars on a terminal
    for argv in (["run", "docs", "-h"], ["run", "docs", "--dry-run"], ["run", "--out", "x"], ["run", "docs", "--out"],
                 ["run", "docs", "--backend", "extractive"], ["plan", "docs"], ["run", "docs", "-o"]):
        assert parse(argv, stderr_is_terminal=False) is None, argv
    assert parse(["run", "docs"], stderr_is_terminal=True) is None
    assert parse(["run", "docs"], stderr_is_terminal=False) == {"roots": ["docs"], "out": "output", "config": None,
                                                                 "quiet": False, "as_json": False}
