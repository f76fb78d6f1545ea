"""Model edits (llm.mode = edits, the default) over a real HTTP server on 127.0.0.1 and the real openai client.

Two pages restate one statement in other words; the merge engine groups them, and the model is
asked to fuse the group. Scripted replies: a good one (written on the page, cited on both
sources, `written_by` in the ledger), and ones that add a fact, drop one, flip a negation or cite
an id not in the request (each rejected at once: the extractive statement stays, with a finding).
"""

import json

import pytest

from conftest import write
from llm_server import LLMServer, Reply
from consolidate import pipeline
from consolidate.checks.edits import fuse_problems
from consolidate.settings import load_settings

DOCS = {
    "worker.md": "# Worker\n\n## Polling\n\nThe worker polls the job queue every 5 seconds and never drops a job.\n\n"
                 "## Logs\n\nLogs go to `/var/log/worker.log`.\n",
    "worker-ops.md": "# Running the worker\n\n## Polling\n\nEvery 5 seconds, the worker polls the queue for jobs; it never "
                     "drops a job it has taken.\n\n## Restart\n\nRestart the worker with `systemctl restart worker`.\n",
}
EXTRACTIVE = "Every 5 seconds, the worker polls the queue for jobs; it never drops a job it has taken."
GOOD = "Every 5 seconds the worker polls the job queue, and it never drops a job it has taken."


@pytest.fixture
def docs(tmp_path):
    for rel, text in DOCS.items():
        write(tmp_path / "docs", rel, text)
    return tmp_path / "docs"


def settings(server):
    return load_settings(env={}, overrides={"cluster": {"min_size": 1, "threshold": 1.05}, "llm": {
        "backend": "openai", "base_url": server.url, "model": "test-model", "max_retries": 0, "timeout": 5}})


def reply(text, cites=("s1", "s2")):
    return json.dumps({"text": text, "cites": list(cites)})


NO_LEAD = json.dumps({"text": "", "cites": []})  # a section's lead (tests/test_prose_edits.py): rejected, none written


def no_lead(body):
    assert body["response_format"]["json_schema"]["name"] == "section_lead", "asked more than scripted"
    return Reply(content=NO_LEAD)


def run_with(docs, out, content):
    with LLMServer() as server:
        server.script = [Reply(content=content)]
        server.default = no_lead
        res = pipeline.run([docs], out, settings(server))
        return res, server.chat_requests()


def page_text(out):
    (page,) = (out / "pages").glob("*.md")
    return page.read_text()


def test_a_good_edit_is_written_cited_on_every_source_and_in_the_ledger(docs, tmp_path):
    res, requests = run_with(docs, tmp_path / "out", reply(GOOD))
    assert len(requests) == 1
    (user,) = [m["content"] for m in requests[0]["messages"] if m["role"] == "user"]
    assert user == ('<s id="s1">' + EXTRACTIVE + '</s>\n<s id="s2">The worker polls the job queue every 5 seconds and '
                    'never drops a job.</s>')  # the group only: its statements with request ids, nothing else
    assert requests[0]["response_format"]["json_schema"]["name"] == "fused_statement"
    text = page_text(tmp_path / "out")
    line = next(ln for ln in text.splitlines() if GOOD in ln)
    assert "worker-ops.md" in text and "worker.md" in text and EXTRACTIVE not in text
    assert line.count("[^") == 2  # the fused statement cites both sources
    edits = res.report["model_edits"]
    assert (edits["asked"], edits["written"], edits["rejected"]) == (1, 1, 0)
    assert res.report["page_details"]["running-the-worker.md"]["backend"] == "openai-edits"
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    polling = [e for e in ledger["entries"] if "polls" in e["text"]]
    assert {e["written_by"] for e in polling} == {"openai"} and {e["status"] for e in polling} == {"kept", "merged"}
    assert not [f for f in res.findings if f.severity == "error"], res.findings
    with LLMServer() as server:  # a rerun over unchanged inputs takes the reply from the cache
        again = pipeline.run([docs], tmp_path / "out", settings(server))
        assert server.chat_requests() == []
    assert again.report["model_calls"] == 0 and again.report["cache_hits"] == 1
    assert page_text(tmp_path / "out") == text


@pytest.mark.parametrize("content, problem", [
    (reply(GOOD.replace("job queue", "job queue on port 8080")), "adds number '8080'"),
    (reply("The worker polls the job queue and never drops a job it has taken."), "drops number '5 s' (of s1)"),
    (reply(GOOD.replace("never drops", "drops")), "changes a negation"),
    (reply(GOOD, cites=("s1", "s9")), "cites s9, not an id in the request"),
])
def test_a_bad_edit_keeps_the_extractive_statement_with_a_finding(docs, tmp_path, content, problem):
    res, requests = run_with(docs, tmp_path / "out", content)
    assert len(requests) == 1  # checked at once; not asked again
    text = page_text(tmp_path / "out")
    assert EXTRACTIVE in text and GOOD not in text
    (f,) = [f for f in res.findings if f.kind == "model-edit-rejected"]
    assert problem in f.message and "worker-ops.md:5-5, worker.md:5-5" in f.message, f.message
    edits = res.report["model_edits"]
    assert (edits["asked"], edits["written"], edits["rejected"]) == (1, 0, 1) and problem in edits["rejected_groups"][0]["problem"]
    assert res.report["page_details"]["running-the-worker.md"]["backend"] == "extractive"
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert not [e for e in ledger["entries"] if "written_by" in e]


def test_a_reply_that_is_not_json_is_asked_once_more_then_falls_back(docs, tmp_path):
    with LLMServer() as server:
        server.script = ["no json", "still none"]
        server.default = None
        res = pipeline.run([docs], tmp_path / "out", settings(server))
        assert len(server.chat_requests()) == 2
    assert EXTRACTIVE in page_text(tmp_path / "out")
    (f,) = [f for f in res.findings if f.kind == "model-edit-rejected"]
    assert "could not be had" in f.message


def test_fuse_problems_is_a_pure_check_of_one_edit():
    group = {"s1": "Set `workers` to 4 on Linux.", "s2": "On Linux, set `workers` to 4 (see [tuning](tuning.md))."}
    head = group["s2"]
    assert fuse_problems("On Linux, set `workers` to 4 (see [tuning](tuning.md)).", ["s1", "s2"], group, head) == []
    assert fuse_problems("On Linux, set `workers` to 4.", ["s1", "s2"], group, head) == ["changes the links"]
    assert "adds code '--fast'" in fuse_problems("On Linux, set `workers` to 4 with `--fast` (see [tuning](tuning.md)).",
                                                 ["s1", "s2"], group, head)[0]
    assert fuse_problems("On Linux, do not set `workers` to 4 (see [tuning](tuning.md)).", ["s2"], group, head) == [
        "changes a negation (not, no, never, without ...)"]
    assert fuse_problems("", ["s1"], group, head) == ["the statement is empty"]


def test_dry_run_counts_the_edit_requests_without_sending_them(docs, tmp_path):
    with LLMServer() as server:
        res, texts = pipeline.prepare([docs], tmp_path / "out", settings(server))
        est = pipeline.estimate_run(res, texts, settings(server))
        assert server.requests == []
    assert est["model_calls"] == 1 and est["tokens_in"] > 0


def test_unknown_mode_names_the_known_ones(docs, tmp_path):
    from consolidate.errors import ConfigError

    s = load_settings(env={}, overrides={"llm": {"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "mode": "x"}})
    with pytest.raises(ConfigError, match="unknown llm.mode 'x'; known: edits, page, sections"):
        pipeline.run([docs], tmp_path / "out", s)


PROCEDURE = {  # one task in two sources: each list has a step the other lacks
    "deploy.md": "# Deploy\n\n## Steps\n\n1. Build the image with `make image`.\n2. Push the image to the registry.\n"
                 "3. Run `kubectl apply -f deploy.yaml`.\n4. Check the pods with `kubectl get pods`.\n",
    "deploying.md": "# Deploying\n\n## Steps\n\n1. Build the image with `make image`.\n2. Tag the image as `v2`.\n"
                    "3. Push the image to the registry.\n4. Run `kubectl apply -f deploy.yaml`.\n",
}


def steps_reply(*steps):
    return json.dumps({"steps": [{"text": t, "cites": list(c)} for t, c in steps]})


GOOD_STEPS = [("Build the image with `make image` and tag it as `v2`.", ("p1", "p2")),
              ("Push the image to the registry.", ("p3",)), ("Run `kubectl apply -f deploy.yaml`.", ("p4",)),
              ("Check the pods with `kubectl get pods`.", ("p5",))]


@pytest.mark.parametrize("content, problem", [
    (steps_reply(*GOOD_STEPS), ""),
    (steps_reply(*GOOD_STEPS[:3]), "leaves out step p5"),
    (steps_reply(*GOOD_STEPS, ("Check the pods again.", ("p5",))), "tells step p5 twice"),
    (steps_reply(("Build the image with `make image` and tag it as `v3`.", ("p1", "p2")), *GOOD_STEPS[1:]),
     "step 1 adds code 'v3'"),
    (steps_reply(*GOOD_STEPS[:3], ("Check the pods with `kubectl get pods`.", ("p7",))), "cites p7, not an id in the request"),
])
def test_a_merged_procedure_is_one_ordered_list_or_stays_extractive(tmp_path, content, problem):
    for rel, text in PROCEDURE.items():
        write(tmp_path / "docs", rel, text)
    res, requests = run_with(tmp_path / "docs", tmp_path / "out", content)
    # the merged list, then the section's lead (a list only: it wants one) when two of its steps cite one
    # source each: the extractive list's "Tag" and "Check"; the model's list told "Tag" with "Build"
    req, *lead = requests
    assert [r["response_format"]["json_schema"]["name"] for r in lead] == ([] if not problem else ["section_lead"])
    assert req["response_format"]["json_schema"]["name"] == "merged_procedure"
    user = next(m["content"] for m in req["messages"] if m["role"] == "user")
    assert user.splitlines()[:2] == ['<step id="p1">Build the image with `make image`.</step>',
                                     '<step id="p2">Tag the image as `v2`.</step>']
    text = page_text(tmp_path / "out")
    steps = [ln.split("[^")[0] for ln in text.splitlines() if ln[:1].isdigit()]
    edits = res.report["model_edits"]["by_kind"]["procedure"]
    rejected = [g["problem"] for g in res.report["model_edits"]["rejected_groups"]]
    if not problem:
        assert steps == ["1. Build the image with `make image` and tag it as `v2`.", "2. Push the image to the registry.",
                         "3. Run `kubectl apply -f deploy.yaml`.", "4. Check the pods with `kubectl get pods`."]
        assert (edits["asked"], edits["written"]) == (1, 1)
        assert not [f for f in res.findings if f.severity == "error"], res.findings
        ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
        tag = next(e for e in ledger["entries"] if "Tag the image" in e["text"])
        assert tag["written_by"] == "openai" and tag["status"] == "merged"
    else:
        assert steps == ["1. Build the image with `make image`.", "2. Tag the image as `v2`.",
                         "3. Push the image to the registry.", "4. Run `kubectl apply -f deploy.yaml`.",
                         "5. Check the pods with `kubectl get pods`."]
        assert (edits["asked"], edits["written"]) == (1, 0) and problem in rejected[0]
        (f,) = [f for f in res.findings if f.kind == "model-edit-rejected" and "lead" not in f.message]
        assert "kept the extractive list" in f.message and problem in f.message
