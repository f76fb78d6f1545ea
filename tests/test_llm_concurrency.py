"""Unchanged inputs make no model call at any concurrency, and pages do not depend on it.

Over the loopback OpenAI-compatible server with no model named (the server's first listed model
is used), replies delayed by a varying time so pages finish in a different order each run."""

import itertools
import threading
from pathlib import Path

import pytest

from conftest import CORPUS
from llm_server import LLMServer, Reply, echo_page
from consolidate import pipeline
from consolidate.settings import load_settings

_delays = itertools.cycle([0.03, 0.0, 0.06, 0.01, 0.0, 0.04])
_lock = threading.Lock()


def slow_echo(body: dict) -> Reply:
    with _lock:
        delay = next(_delays)
    if "You compare passages" in body["messages"][0]["content"]:  # a verdict on an unsure conflict (claims/verdicts.py)
        return Reply(content='{"verdict": "different", "cites": ["S1", "S2"]}', delay=delay)
    return Reply(content=echo_page(body), delay=delay)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        mp.delenv(var, raising=False)
    out = {}
    try:
        with LLMServer() as server:
            server.default = slow_echo
            for conc in (1, 2, 8):
                s = load_settings(overrides={"llm": {"backend": "openai", "base_url": server.url, "max_retries": 0,
                                                     "timeout": 10, "concurrency": conc, "mode": "page"}}, env={})
                folder = tmp_path_factory.mktemp(f"c{conc}") / "out"
                calls = []
                for _ in range(2):
                    before = len(server.chat_requests())
                    res = pipeline.run([CORPUS], folder, s)
                    calls.append(len(server.chat_requests()) - before)
                pages = {p.name: p.read_bytes() for p in sorted((folder / "pages").rglob("*.md"))}
                out[conc] = (calls, pages, res)
    finally:
        mp.undo()
    return out


@pytest.mark.parametrize("conc", [1, 2, 8])
def test_unchanged_rerun_makes_no_model_call(runs, conc):
    calls, pages, res = runs[conc]
    unsure = len({c["id"] for c in res.report["conflicts"] if c["resolution"] == "context-differs"})
    assert calls[0] == len(res.plan.pages) + unsure and len(res.plan.pages) > 2 and calls[1] == 0
    assert unsure and len(res.report["verdicts"]) == unsure  # every verdict from the cache on the rerun
    assert res.report["model_calls"] == 0 and res.report["cache_hits"] == len(res.plan.pages)
    assert {d["model"] for d in res.report["page_details"].values()} == {"test-model"}


def test_pages_are_byte_identical_at_every_concurrency(runs):
    assert runs[1][1] == runs[2][1] == runs[8][1] and runs[1][1]
