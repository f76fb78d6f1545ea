"""Section leads and smoothed paragraphs (llm.mode = edits, stages/prose_edits.py) over a real HTTP
server on 127.0.0.1 and the real openai client, with scripted replies: a good one (written on the
page, cited, in the report and the ledger), and ones that add a fact, drop one, flip a negation or
cite an id not in the request (each rejected at once: the page keeps its extractive blocks, with
a finding).
"""

import json

import pytest

from conftest import write
from llm_server import LLMServer, Reply
from consolidate import pipeline
from consolidate.checks.edits import lead_cites, lead_problems, paragraph_problems
from consolidate.settings import load_settings

LEAD_DOCS = {  # a section of two sources that is only lists: it wants a lead
    "cache.md": "# Cache\n\n## Settings\n\n- `cache.size` sets the cache size in megabytes; the default is 256.\n"
                "- `cache.ttl` sets how long an entry lives, in seconds.\n",
    "cache-tuning.md": "# Tuning the cache\n\n## Settings\n\n- `cache.shards` splits the cache into shards; the default is 8.\n"
                       "- Shards do not share entries.\n",
}
LEAD_STATEMENTS = ['<s id="s1">`cache.size` sets the cache size in megabytes; the default is 256.</s>',
                   '<s id="s2">`cache.ttl` sets how long an entry lives, in seconds.</s>',
                   '<s id="s3">`cache.shards` splits the cache into shards; the default is 8.</s>',
                   '<s id="s4">Shards do not share entries.</s>']
LEAD = "The settings `cache.size`, `cache.ttl` and `cache.shards` set the cache size, how long an entry lives and the shards."

SMOOTH_DOCS = {  # two sources' paragraphs in one section: one paragraph of theirs
    "api.md": "# API\n\n## Rate limits\n\nThe API allows 100 requests per minute per key. Requests over the limit get status 429.\n",
    "api-limits.md": "# API limits\n\n## Rate limits\n\nLimits are not shared between keys. See "
                     "[the status page](https://status.example.com) for incidents.\n",
}
S1 = "Limits are not shared between keys. See [the status page](https://status.example.com) for incidents."
S2 = "The API allows 100 requests per minute per key. Requests over the limit get status 429."
GOOD_PARTS = [("The API allows 100 requests per minute per key, and requests over the limit get status 429.", ["s2"]),
              ("Limits are not shared between keys; see [the status page](https://status.example.com) for incidents.", ["s1"])]


def settings(server):
    return load_settings(env={}, overrides={"cluster": {"min_size": 1, "threshold": 1.05}, "llm": {
        "backend": "openai", "base_url": server.url, "model": "test-model", "max_retries": 0, "timeout": 5}})


def run_with(tmp_path, docs, replies):
    """A run over `docs` whose requests are answered by schema name (replies: name -> content);
    a request of another kind fails the test."""
    for rel, text in docs.items():
        write(tmp_path / "docs", rel, text)

    def answer(body):
        name = body["response_format"]["json_schema"]["name"]
        assert name in replies, f"unexpected {name} request"
        return Reply(content=replies[name])

    with LLMServer() as server:
        server.default = answer
        res = pipeline.run([tmp_path / "docs"], tmp_path / "out", settings(server))
        requests = server.chat_requests()
    (page,) = (tmp_path / "out" / "pages").glob("*.md")
    return res, requests, page.read_text()


def lead_reply(text, cites=("s1", "s2", "s3")):
    return json.dumps({"text": text, "cites": list(cites)})


def paragraph_reply(parts):
    return json.dumps({"sentences": [{"text": t, "cites": list(c)} for t, c in parts]})


def body_lines(text):
    """The page between its title and its Sources list."""
    return text.split("\n# ", 1)[1].split("\n## Sources")[0].splitlines()


def test_a_good_lead_opens_the_section_cited_and_the_statements_stay(tmp_path):
    res, requests, text = run_with(tmp_path, LEAD_DOCS, {"section_lead": lead_reply(LEAD)})
    (req,) = requests
    user = next(m["content"] for m in req["messages"] if m["role"] == "user")
    assert user.splitlines() == LEAD_STATEMENTS  # the section's statements only
    lines = body_lines(text)
    at = lines.index("## Settings")
    assert lines[at + 2] == LEAD + "[^1][^2][^3]"  # first in the section, citing the statements it uses
    for s in LEAD_STATEMENTS:  # a lead says less than the section: every statement stays, with its facts
        assert s.split(">", 1)[1].split("</s")[0] in text
    edits = res.report["model_edits"]
    assert edits["by_kind"] == {"lead": {"asked": 1, "written": 1}}
    assert res.report["page_details"]["cache.md"]["backend"] == "openai-edits"
    assert not [f for f in res.findings if f.severity == "error"], res.findings
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert not [e for e in ledger["entries"] if "written_by" in e]  # the statements show in their own words
    assert {e["status"] for e in ledger["entries"] if e["kind"] == "list_item"} == {"kept"}


@pytest.mark.parametrize("content, problem", [
    (lead_reply(LEAD.replace("cache size", "cache size of 512 megabytes")), "adds number '512'"),
    (lead_reply("These settings set the cache size, how long an entry lives and how the cache splits into shards."),
     "drops code 'cache.ttl' of the statement it restates most closely"),  # the page checker's dropped-fact
    (lead_reply("These settings size the cache and its entries. Shards share entries.", ("s1", "s2", "s4")),
     "changes a negation"),
    (lead_reply(LEAD, ("s1", "s9")), "cites s9, not an id in the request"),
    (lead_reply(LEAD.rstrip(".")), "is not a sentence"),  # a run of names or a title, no sentence
    (lead_reply("`cache.shards` splits the cache into shards; the default is 8.", ("s3",)), "copies s3 whole"),
    (lead_reply("The `cache.shards` setting splits the cache into shards, and the default is 8.", ("s3",)),
     "repeats a sentence of s3"),
    (lead_reply("Restart every node of the cluster after editing the configuration file."), "of a sentence's words"),
])
def test_a_bad_lead_leaves_the_section_as_it_was_with_a_finding(tmp_path, content, problem):
    res, requests, text = run_with(tmp_path, LEAD_DOCS, {"section_lead": content})
    assert len(requests) == 1  # checked at once; not asked again
    lines = body_lines(text)
    assert lines[lines.index("## Settings") + 2].startswith("- `cache.size`")
    (f,) = [f for f in res.findings if f.kind == "model-edit-rejected"]
    assert "left the section 'Settings' without a lead" in f.message and problem in f.message, f.message
    edits = res.report["model_edits"]
    assert edits["by_kind"] == {"lead": {"asked": 1, "written": 0}} and problem in edits["rejected_groups"][0]["problem"]
    assert res.report["page_details"]["cache.md"]["backend"] == "extractive"


def test_a_good_paragraph_is_one_paragraph_with_every_citation(tmp_path):
    res, requests, text = run_with(tmp_path, SMOOTH_DOCS, {"smoothed_paragraph": paragraph_reply(GOOD_PARTS)})
    (req,) = requests
    user = next(m["content"] for m in req["messages"] if m["role"] == "user")
    assert user == f'<s id="s1">{S1}</s>\n<s id="s2">{S2}</s>'
    lines = body_lines(text)
    at = lines.index("## Rate limits")
    assert lines[at + 1:] == ["", f"{GOOD_PARTS[0][0]}[^1] {GOOD_PARTS[1][0]}[^2]"]  # one paragraph, each sentence cited
    assert "[^1]: `api.md:5-5`" in text and "[^2]: `api-limits.md:5-5`" in text
    edits = res.report["model_edits"]
    assert edits["by_kind"] == {"smooth": {"asked": 1, "written": 1}} and edits["unchanged"] == 0
    assert not [f for f in res.findings if f.severity == "error"], res.findings
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    said = [e for e in ledger["entries"] if e["kind"] == "sentence"]
    assert {e["written_by"] for e in said} == {"openai"} and {e["status"] for e in said} == {"kept"}


@pytest.mark.parametrize("parts, problem", [
    ([(GOOD_PARTS[0][0].replace("per key", "per key over port 443"), ["s2"]), GOOD_PARTS[1]], "sentence 1 adds number '443'"),
    ([("The API allows 100 requests per minute per key.", ["s2"]), GOOD_PARTS[1]], "sentence 1 drops number '429' (of s2)"),
    ([GOOD_PARTS[0], (GOOD_PARTS[1][0].replace("are not shared", "are shared"), ["s1"])], "sentence 2 changes a negation"),
    ([GOOD_PARTS[0], (GOOD_PARTS[1][0], ["s3"])], "cites s3, not an id in the request"),
    ([GOOD_PARTS[0]], "leaves out statement s1"),
    ([GOOD_PARTS[0], (GOOD_PARTS[1][0].replace("; see [the status page](https://status.example.com) for incidents", ""),
                      ["s1"])], "sentence 2 changes the links"),
])
def test_a_bad_paragraph_keeps_the_extractive_paragraphs_with_a_finding(tmp_path, parts, problem):
    res, requests, text = run_with(tmp_path, SMOOTH_DOCS, {"smoothed_paragraph": paragraph_reply(parts)})
    assert len(requests) == 1
    lines = body_lines(text)
    at = lines.index("## Rate limits")
    assert lines[at + 1:] == ["", S1 + "[^1]", "", S2 + "[^2]"]
    (f,) = [f for f in res.findings if f.kind == "model-edit-rejected"]
    assert "kept the extractive paragraph for the group api-limits.md:5-5, api.md:5-5" in f.message, f.message
    assert problem in f.message, f.message
    assert res.report["model_edits"]["by_kind"] == {"smooth": {"asked": 1, "written": 0}}
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert not [e for e in ledger["entries"] if "written_by" in e]


def test_a_paragraph_of_the_statements_own_words_is_counted_unchanged(tmp_path):
    res, _, text = run_with(tmp_path, SMOOTH_DOCS, {"smoothed_paragraph": paragraph_reply([(S2 + " " + S1, ["s2", "s1"])])})
    assert f"{S2} {S1}[^1][^2]" in text
    assert res.report["model_edits"]["unchanged"] == 1


def test_conflict_sides_and_one_source_sections_are_not_asked(tmp_path):
    docs = {"a.md": "# Queue\n\n## Limits\n\nThe queue holds 500 jobs.\n\n- One worker runs per node.\n",
            "b.md": "# Queue notes\n\n## Limits\n\nThe queue holds 800 jobs.\n\n## Ops\n\n- Drain the queue first.\n"
                    "- Then stop the workers.\n\nWorkers exit when idle.\n"}
    res, requests, text = run_with(tmp_path, docs, {})
    assert requests == []  # the two sides of "holds 500 / 800 jobs" are no paragraph to smooth; Ops has one source
    assert "holds 500 jobs" in text and "holds 800 jobs" in text


def test_a_lead_is_asked_from_statements_of_one_citation():
    """A block citing several spans (statements merged into one) is not given to a lead: the lead would
    cite spans that hold none of it (the page checker's irrelevant-citation), and the ledger would read
    a merged statement as merged into the lead (seen with the 1.5B on corpus/ and cocoa)."""
    from consolidate.records import Citation, DraftBlock, DraftPage, DraftSection
    from consolidate.stages.prose_edits import prose_groups

    a5, a6, b5, b6 = (Citation(chunk="c", doc=d, start=n, end=n) for d, n in (("a.md", 5), ("a.md", 6), ("b.md", 5), ("b.md", 6)))
    blocks = (DraftBlock(kind="list_item", text="- One.", citations=(a5,), para=1),
              DraftBlock(kind="list_item", text="- Two, said twice.", citations=(a6, b5), para=1),
              DraftBlock(kind="list_item", text="- Three.", citations=(b6,), para=2))
    page = DraftPage(slug="p", title="P", topic="t", sources=("a.md", "b.md"),
                     sections=(DraftSection(heading="S", blocks=blocks),))
    spans = {"a.md": [(5, 5, a5), (6, 6, a6)], "b.md": [(5, 5, b5), (6, 6, b6)]}
    (g,) = prose_groups(page, spans, lambda t: t[2:])
    assert g.kind == "lead" and g.ids == {"s1": "One.", "s2": "Three."} and g.blocks == [0, 2]


def test_the_checks_are_pure_functions_of_one_reply():
    statements = {"s1": "Set `workers` to 4 on Linux.", "s2": "Workers never share a socket."}
    assert lead_problems("Set `workers` on Linux; workers never share a socket.", ["s1", "s2"], statements) == []
    assert lead_problems("Set `workers` to 8 on Linux.", ["s1"], statements) == [
        "adds number '8' not in the statements it cites", "drops number '4' of the statement it restates most closely",
        "repeats a sentence of s1 (the statement stays under the lead)"]
    assert lead_problems("Workers never share a socket and never set `workers`.", ["s2"], statements) == [
        "adds code 'workers' not in the statements it cites", "changes a negation (not, no, never, without ...)"]
    assert lead_problems("", ["s1"], statements) == ["the lead is empty"]
    # a lead cites the statements that hold some of it; an unknown id stays, to be reported
    lead = "Set `workers` on Linux; workers never share a socket."
    assert lead_cites(lead, ["s1", "s2", "s3", "s7"], statements | {"s3": "Logs rotate daily."}) == ["s1", "s2", "s7"]
    assert lead_cites("Logs rotate weekly.", ["s1"], statements) == ["s1"]  # none holds it: checked as cited
    parts = [("Set `workers` to 4 on Linux; workers never share a socket.", ["s1", "s2"])]
    assert paragraph_problems(parts, statements) == []
    assert paragraph_problems([(parts[0][0], ["s1"])], statements) == [
        "leaves out statement s2", "sentence 1 changes a negation (not, no, never, without ...)"]
    assert paragraph_problems(parts + [("Workers never share a socket.", ["s2"])], statements) == ["tells statement s2 twice"]
    # statements without facts: a sentence citing both must still say both (seen: the 0.5B on design-kinds)
    two = {"s1": "The coordinator keeps the build queue.", "s2": "Runners report their progress to the coordinator."}
    assert paragraph_problems([("The coordinator keeps the build queue.", ["s1", "s2"])], two) == [
        "sentence 1 leaves out most of the words of s2"]
    assert paragraph_problems([("The coordinator keeps the build queue, and runners report their progress to it.",
                                ["s1", "s2"])], two) == []
