"""Issue 13 item 6: a model's verdict on the conflicts the deterministic pass is unsure of, over
the loopback server (tests/llm_server.py); the default run stays model-free."""

import json

import pytest

from conftest import write
from llm_server import LLMServer, echo_page
from consolidate import pipeline
from consolidate.settings import load_settings

DOCS = {"local-development.md": "# Local development\n\nRun a small pool on a laptop:\n\n```toml\n[worker]\nconcurrency = 2\n```\n",
        "reference.md": "# Worker settings\n\nThe worker reads its pool size from the file:\n\n```toml\n[worker]\nconcurrency = 8\n```\n"}


def verdict_or_page(cites):
    def reply(body):
        system = body["messages"][0]["content"]
        if "You compare passages" in system:
            return json.dumps({"verdict": "different", "cites": cites, "why": "a laptop pool and the default"})
        return echo_page(body)
    return reply


@pytest.fixture
def docs(tmp_path):
    return [write(tmp_path / "docs", rel, text) for rel, text in DOCS.items()][0].parent


def settings(server=None):
    llm = {"backend": "openai", "base_url": server.url, "model": "test-model", "max_retries": 0, "timeout": 5} if server else {}
    return load_settings(overrides={"cluster": {"min_size": 1, "threshold": 1.05}, "llm": llm}, env={})


def verdict_requests(server):
    return [b for path, b in server.requests if path.endswith("/chat/completions") and "You compare passages" in b["messages"][0]["content"]]


def test_model_verdict_cites_both_sides_and_is_cached(docs, tmp_path):
    with LLMServer() as server:
        server.default = verdict_or_page(["S1", "S2"])
        out = tmp_path / "out"
        pipeline.run([docs], out, settings(server))
        report = json.loads((out / "report.json").read_text())
        unsure = {c["id"] for c in report["conflicts"] if c["resolution"] == "context-differs"}
        assert len(unsure) == 1 and set(report["verdicts"]) == unsure
        v = report["verdicts"][unsure.pop()]
        assert v["verdict"] == "different" and v["model"] == "test-model"
        assert sorted(v["cites"]) == ["local-development.md:5-8", "reference.md:5-8"]
        assert len(verdict_requests(server)) == 1
        pipeline.run([docs], out, settings(server))  # a rerun asks nothing again
        assert len(verdict_requests(server)) == 1


def test_a_verdict_citing_one_side_is_not_used(docs, tmp_path):
    with LLMServer() as server:
        server.default = verdict_or_page(["S1"])
        out = tmp_path / "out"
        pipeline.run([docs], out, settings(server))
        report = json.loads((out / "report.json").read_text())
        assert report["verdicts"] == {}
        assert [f["kind"] for f in report["findings"] if f["kind"].startswith("model-verdict")] == ["model-verdict-unchecked"]


def test_default_run_has_no_verdicts(docs, tmp_path):
    out = tmp_path / "out"
    pipeline.run([docs], out, settings())
    report = json.loads((out / "report.json").read_text())
    assert report["verdicts"] == {} and any(c["resolution"] == "context-differs" for c in report["conflicts"])
