"""Model drafting over a real HTTP server on 127.0.0.1 driving the real `openai` client.

Asserts outcomes and request counts: good replies, a rerun from the cache (0 requests), one
edited document (only its page redrafted), 429 with Retry-After, 500, a timeout, invalid JSON then
a good re-ask, response_format ignored, a citation to an unknown id, --dry-run, --max-cost,
--strict, and a topic larger than the context drafted in parts.
"""

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import write
from llm_server import LLMServer, Reply, echo_page, sources_of
from consolidate import pipeline
from consolidate.cli import app
from consolidate.settings import load_settings

runner = CliRunner()

DOCS = {
    "worker.md": "# Worker\n\n## Concurrency\n\nSet `worker.concurrency` to 8 for most queues. The worker polls every 5 seconds.\n\n"
                 "## Retries\n\nA failed job is retried 3 times with backoff.\n",
    "worker-ops.md": "# Running the worker\n\n## Concurrency\n\nSet `worker.concurrency` to 4 for most queues. Restart the worker "
                     "after changing it.\n\n## Logs\n\nWorker logs go to `/var/log/tidewater/worker.log`.\n",
    "billing.md": "# Billing\n\n## Plans\n\nThe Free plan includes 1,000 runs per month. The Team plan includes 50,000 runs "
                  "per month.\n\n## Invoices\n\nInvoices are sent on the first day of each month.\n",
    "billing-faq.md": "# Billing FAQ\n\n## Do retries count?\n\nEvery attempt counts as a run. The Free plan includes 1,000 runs "
                      "per month.\n\n## Refunds\n\nRefunds are issued within 14 days.\n",
}


@pytest.fixture
def docs(tmp_path):
    root = tmp_path / "docs"
    for rel, text in DOCS.items():
        write(root, rel, text)
    return root


@pytest.fixture
def server():
    with LLMServer() as s:
        yield s


def settings(server, **llm):
    llm = {"backend": "openai", "base_url": server.url, "model": "test-model", "max_retries": 0, "timeout": 5,
           "concurrency": 2, "mode": "page"} | llm  # whole pages; tests/test_model_edits.py: the default, edits
    return load_settings(overrides={"cluster": {"min_size": 1, "threshold": 1.05}, "llm": llm}, env={})


def run(docs, out, s):
    return pipeline.run([docs], out, s)


def pages_of(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((out / "pages").rglob("*.md"))}


def test_sections_mode_asks_once_per_top_section(docs, tmp_path, server):
    from consolidate.stages.draft_sources import by_section

    res = run(docs, tmp_path / "out", settings(server, mode="sections"))
    by_id = {c.id: c for c in res.chunks}
    want = sum(len(by_section([by_id[i] for i in p.chunk_ids])) for p in res.plan.pages)
    assert len(server.chat_requests()) == want > len(res.plan.pages) and res.errors == 0
    for body in server.chat_requests():  # each request holds the chunks of one top section
        ids = [cid for cid, _ in sources_of(body)]
        assert len(by_section([by_id[i] for i in ids])) == 1


def test_model_drafts_pages_and_rerun_makes_no_request(docs, tmp_path, server):
    s = settings(server)
    res = run(docs, tmp_path / "out", s)
    assert len(res.plan.pages) == 2 and len(server.chat_requests()) == 2
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model_calls"] == 2 and report["tokens_in"] == 200 and report["tokens_out"] == 40
    for d in report["page_details"].values():
        assert d["backend"] == "openai" and d["model_calls"] == 1 and d["cache_hits"] == 0
        assert "--backend openai" in d["reason"]
    assert res.errors == 0, [f.message for f in res.findings if f.severity == "error"]
    first = pages_of(tmp_path / "out")
    assert all("generator: \"consolidate 0.1.0 (openai)\"" in t for t in first.values())
    # every source is cited, with a line span narrowed to its sentence, not the whole chunk
    assert any("`worker.md:5-5` (chunk" in t for t in first.values())
    # the prompt carried the conflict the extractive merge found (8 vs 4)
    user = [m["content"] for b in server.chat_requests() for m in b["messages"] if m["role"] == "user"]
    assert any("Conflicts found" in u and "to 8" in u and "to 4" in u for u in user)
    # response_format asked for a JSON schema
    assert server.chat_requests()[0]["response_format"]["type"] == "json_schema"

    server.requests.clear()
    res2 = run(docs, tmp_path / "out", s)
    assert server.chat_requests() == []  # unchanged inputs: all from the cache
    assert pages_of(tmp_path / "out") == first
    report2 = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report2["model_calls"] == 0 and report2["cache_hits"] == 2 and report2["cost"] == 0
    assert res2.errors == 0


def test_editing_one_document_redrafts_only_its_page(docs, tmp_path, server):
    s = settings(server)
    run(docs, tmp_path / "out", s)
    server.requests.clear()
    write(docs, "billing-faq.md", DOCS["billing-faq.md"].replace("14 days", "30 days"))
    run(docs, tmp_path / "out", s)
    reqs = server.chat_requests()
    assert len(reqs) == 1
    assert "billing-faq.md" in reqs[0]["messages"][1]["content"]
    assert "30 days" in reqs[0]["messages"][1]["content"]


def test_429_with_retry_after_is_honoured(docs, tmp_path, server):
    server.script = [Reply(status=429, headers={"Retry-After": "0.4"})]
    started = time.perf_counter()
    res = run(docs, tmp_path / "out", settings(server, max_retries=2, concurrency=1))
    assert time.perf_counter() - started >= 0.4
    assert len(server.chat_requests()) == 3  # the 429, its retry, the other page
    assert res.errors == 0
    assert all(d["backend"] == "openai" for d in res.report["page_details"].values())


def test_server_error_falls_back_to_extractive_loudly(docs, tmp_path, server):
    server.default = Reply(status=500)
    res = run(docs, tmp_path / "out", settings(server, max_retries=1))
    assert len(server.chat_requests()) == 4  # 2 pages x (1 try + 1 retry)
    failed = [f for f in res.findings if f.kind == "model-draft-failed"]
    assert len(failed) == 2 and all(f.severity == "error" for f in failed)
    assert "500" in failed[0].message
    for d in res.report["page_details"].values():
        assert d["backend"] == "extractive" and d["reason"].startswith("fallback from openai")
    assert all("(extractive)" in t for t in pages_of(tmp_path / "out").values())


def test_timeout_falls_back(docs, tmp_path, server):
    server.default = Reply(delay=1.5, content="{}")
    started = time.perf_counter()
    res = run(docs, tmp_path / "out", settings(server, timeout=0.3, max_retries=0))
    assert time.perf_counter() - started < 5
    failed = [f for f in res.findings if f.kind == "model-draft-failed"]
    assert len(failed) == 2 and "no answer within 0.3s" in failed[0].message


def test_invalid_json_then_good_reask(docs, tmp_path, server):
    server.script = [Reply(content="Sure! Here is the page: {not json")]
    res = run(docs, tmp_path / "out", settings(server, concurrency=1))
    reqs = server.chat_requests()
    assert len(reqs) == 3  # bad reply, the re-ask, the other page
    reask = reqs[1]["messages"]
    assert reask[-2]["role"] == "assistant" and "could not be used" in reask[-1]["content"]
    assert "not valid JSON" in reask[-1]["content"] or "no JSON object" in reask[-1]["content"]
    assert res.errors == 0
    assert all(d["backend"] == "openai" for d in res.report["page_details"].values())
    assert sum(d["model_calls"] for d in res.report["page_details"].values()) == 3


def test_invalid_twice_fails_the_page_only(docs, tmp_path, server):
    server.script = [Reply(content='{"sections": []}'), Reply(content='{"sections": "x"}')]
    res = run(docs, tmp_path / "out", settings(server, concurrency=1))
    failed = [f for f in res.findings if f.kind == "model-draft-failed"]
    assert len(failed) == 1 and "failed validation twice" in failed[0].message
    backends = sorted(d["backend"] for d in res.report["page_details"].values())
    assert backends == ["extractive", "openai"]
    server.requests.clear()
    run(docs, tmp_path / "out", settings(server, concurrency=1))
    assert len(server.chat_requests()) == 1  # the failed page is asked again; the good one is cached


def test_response_format_ignored_json_in_text(docs, tmp_path, server):
    server.default = lambda body: "Here you go:\n```json\n" + echo_page(body) + "\n```\nHope this helps."
    res = run(docs, tmp_path / "out", settings(server))
    assert res.errors == 0 and len(server.chat_requests()) == 2
    assert all(d["backend"] == "openai" for d in res.report["page_details"].values())


def test_server_rejecting_response_format_is_asked_without_it(docs, tmp_path, server):
    server.script = [Reply(status=400, raw={"error": {"message": "response_format is not supported"}})]
    res = run(docs, tmp_path / "out", settings(server, concurrency=1))
    reqs = server.chat_requests()
    assert "response_format" in reqs[0] and "response_format" not in reqs[1]
    assert res.errors == 0


def test_citation_to_unknown_id_is_an_error(docs, tmp_path, server):
    def bad(body):
        cid, text = sources_of(body)[0]
        return json.dumps({"sections": [{"heading": "Overview", "blocks": [
            {"kind": "sentence", "text": "Invoices are sent on the first day of each month.", "cites": ["c0000000000000000"]},
            {"kind": "sentence", "text": text.splitlines()[-1], "cites": [cid]}]}]})
    server.default = bad
    res = run(docs, tmp_path / "out", settings(server))
    unknown = [f for f in res.findings if f.kind == "unknown-citation"]
    assert len(unknown) == 2 and all(f.severity == "error" for f in unknown)
    assert "c0000000000000000" in unknown[0].message
    # the block is kept, uncited, so the checker reports it too: never silently dropped
    assert any(f.kind == "uncited" for f in res.findings)


def test_cli_dry_run_calls_nothing_and_max_cost_stops(docs, tmp_path, server, monkeypatch):
    monkeypatch.setenv("CONSOLIDATE_CLUSTER__MIN_SIZE", "1")
    monkeypatch.setenv("CONSOLIDATE_CLUSTER__THRESHOLD", "1.05")
    monkeypatch.setenv("CONSOLIDATE_LLM__MODE", "page")
    args = ["run", str(docs), "--out", str(tmp_path / "out"), "--quiet", "--backend", "openai",
            "--base-url", server.url, "--model", "gpt-4o"]
    r = runner.invoke(app, args + ["--dry-run"])
    assert r.exit_code == 0, r.output
    assert "dry run: 2 pages by openai (gpt-4o): 2 model calls" in r.output and "USD" in r.output
    assert server.requests == [] and not (tmp_path / "out" / "pages").exists()
    r = runner.invoke(app, args + ["--max-cost", "0.0001"])
    assert server.requests == []
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model_calls"] == 0
    assert [f["kind"] for f in report["findings"] if f["kind"] == "cost-limit"] == ["cost-limit"] * 2
    r = runner.invoke(app, args + ["--max-cost", "1"])
    assert r.exit_code == 0, r.output
    assert len(server.chat_requests()) == 2
    assert "drafted by openai: 2 pages" in r.output and "model: 2 calls" in r.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["cost"] == pytest.approx(2 * (100 * 2.5 + 20 * 10) / 1e6)


def test_strict_drops_unsupported_sentences(docs, tmp_path, server):
    def with_invention(body):
        page = json.loads(echo_page(body))
        cid = page["sections"][0]["blocks"][0]["cites"][0]
        page["sections"][0]["blocks"].append({"kind": "sentence", "text": "The limit is 9,999 runs.", "cites": [cid]})
        return json.dumps(page)
    server.default = with_invention
    res = run(docs, tmp_path / "out", settings(server))
    assert any(f.kind == "unsupported-fact" for f in res.findings)
    res = run(docs, tmp_path / "out", settings(server, strict=True))
    assert res.errors == 0
    dropped = res.report["strict_dropped"]
    assert len(dropped) == 2 and all(d["text"] == "The limit is 9,999 runs." for d in dropped)
    assert not any("9,999" in t for t in pages_of(tmp_path / "out").values())
    assert len(server.chat_requests()) == 2  # the strict rerun came from the cache


def test_large_topic_is_drafted_in_parts(docs, tmp_path, server):
    res = run(docs, tmp_path / "out", settings(server, context_tokens=1024, max_output_tokens=64, concurrency=1))
    reqs = server.chat_requests()
    assert len(reqs) > 2  # some page needed more than one request
    assert any("This is part 1 of" in m["content"] for b in reqs for m in b["messages"])
    assert res.errors == 0
    assert any("parts" in d["reason"] for d in res.report["page_details"].values())


def test_missing_key_and_unknown_backend_are_one_line_errors(docs, tmp_path):
    r = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "o"), "-q", "--backend", "openai"])
    assert r.exit_code == 2
    assert "OPENAI_API_KEY" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "o"), "-q", "--backend", "gpt"])
    assert r.exit_code == 2 and "known: auto, extractive, local, openai" in r.output


def test_auto_prefers_a_configured_server(docs, tmp_path, server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("CONSOLIDATE_CLUSTER__MIN_SIZE", "1")
    r = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "o"), "-q"])
    # worker.md (8) and worker-ops.md (4) land on different pages here, and the scripted replies
    # do not say the sources disagree: the checker must call that out, and nothing else
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    errors = {f["kind"] for f in report["findings"] if f["severity"] == "error"}
    assert errors <= {"silent-resolution"} and r.exit_code == (1 if errors else 0), r.output
    assert "auto: an OpenAI-compatible server is configured" in r.output
    assert [p for p, _ in server.requests][0].endswith("/models")  # no model named: the server's first model
    assert all(b["model"] == "test-model" for b in server.chat_requests())
