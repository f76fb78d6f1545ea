"""An unchanged rerun reads the settings the last run validated (config.py) and its results as JSON,
and imports no pydantic; settings whose sources changed are validated again."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, write
from consolidate import pipeline
from consolidate.cli_run import run_command
from consolidate.config import SavedSettings, read_sources
from consolidate.runner import CODE, REGISTRY, Context, stage_fingerprint
from consolidate.settings import Settings
from consolidate.state import OutputDir

from test_rerun import EDITED, outputs

HEAVY = ("pydantic", "numpy", "yaml", "typer", "rich")
PROBE = """
import sys
from consolidate.cli_run import fast_main
try:
    fast_main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(sorted({m.split('.')[0] for m in sys.modules} & set(%r)), code)
""" % (HEAVY,)


@pytest.fixture
def docs(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "docs")
    return tmp_path / "docs"


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSOLIDATE_", "OPENAI_"))}
    env |= {"SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, env=env, capture_output=True, text=True)


def test_an_unchanged_rerun_imports_no_pydantic_numpy_or_yaml(tmp_path):
    write(tmp_path / "docs", "a.md", "# Install\n\nRun `tool install` to install the tool.\n")
    write(tmp_path / "docs", "b.md", "---\ntitle: Setup\n---\n# Setup\n\nRun `tool install` first. Then run `tool init`.\n")
    first = _run("run", "docs", "--out", "out", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stdout  # the first run validates the settings and builds records
    again = _run("run", "docs", "--out", "out", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "[] 0"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["reused_stages"] == ["ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"]
    # a settings change is validated (pydantic), and reruns the stages it touches
    write(tmp_path, "consolidate.toml", "[draft]\nmax_page_words = 60\n")
    changed = _run("run", "docs", "--out", "out", "-q", cwd=tmp_path)
    assert changed.returncode == 0 and "pydantic" in changed.stdout.splitlines()[-1]
    assert "draft" not in json.loads((tmp_path / "out" / "report.json").read_text())["reused_stages"]


def test_saved_settings_give_the_fingerprints_validated_ones_give(tmp_path):
    over = {"ingest": {"follow_links_into": ["/x"]}, "cluster": {"threshold": 0.35, "doc_weight": 0.1},
            "draft": {"max_page_words": 700}, "llm": {"prices": {"m": {"input": 1.5}}, "temperature": 0.2}}
    sources = read_sources(overrides=over, env={})
    od = OutputDir(tmp_path / "out")
    settings = sources.validate()
    assert sources.saved(od, CODE) is None
    sources.save(od, CODE, settings)
    saved = sources.saved(od, CODE)
    assert isinstance(saved, SavedSettings) and read_sources(overrides=over | {"draft": {}}, env={}).saved(od, CODE) is None
    assert read_sources(overrides=over, env={}).saved(od, "other code") is None
    assert saved.model_dump() == settings.model_dump(mode="json")
    assert saved.cluster.threshold == 0.35 and saved.ingest.follow_links_into == ["/x"]
    if "plan" not in REGISTRY:
        pipeline.register_stages()
    real = Context(od, settings, lambda *a: None, options={"plan_file": None})
    read_back = Context(od, saved, lambda *a: None, options={"plan_file": None})
    for name, stage in REGISTRY.items():
        if stage.key is None:
            for ctx in (real, read_back):
                ctx.fingerprints |= {i: "same" for i in stage.inputs}
            assert stage_fingerprint(stage, read_back) == stage_fingerprint(stage, real), name
    assert read_back.validated() == settings and read_back.settings == settings


def test_invalid_settings_after_a_run_are_still_reported(docs, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_command([docs], out, None, True, False) == 0
    bad = write(tmp_path, "bad.toml", "[chunk]\nmax_tokens = 3\n")
    assert run_command([docs], out, bad, True, False) == 2
    assert "bad.toml: invalid settings: chunk.max_tokens" in capsys.readouterr().err


def test_an_edit_rerun_with_saved_settings_gives_a_fresh_runs_bytes(docs, tmp_path):
    out = tmp_path / "out"
    assert run_command([docs], out, None, True, False) == 0
    text = (docs / EDITED).read_text()
    (docs / EDITED).write_text(text.replace("and lightly edited.", "and edited with great care."))
    saved = read_sources(env={}).saved(OutputDir(out), CODE)
    assert isinstance(saved, SavedSettings)
    res = pipeline.run([docs], out, saved)
    assert isinstance(res.ctx.settings, Settings)  # validated before the first stage that ran
    fresh = tmp_path / "fresh"
    pipeline.run([docs], fresh, Settings())
    assert outputs(out) == outputs(fresh)
