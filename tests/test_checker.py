"""The checker on its own: facts, support, negation, links, standalone trees, conflicts, stale pages, ledger."""

import json

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, write
from consolidate.checks import facts as F
from consolidate.checks.conflicts import find_conflicts
from consolidate.checks.support import SpanText, support
from consolidate.cli import app

runner = CliRunner()


def kinds(text):
    return {(f.kind, f.value) for f in F.extract(text)}


@pytest.mark.parametrize("text,fact", [
    ("Set `tide worker --queue default` first.", ("code", "tide worker --queue default")),
    ("Call POST /v1/jobs to enqueue.", ("http", "POST /v1/jobs")),
    ("Released on 2023-04-19.", ("date", "2023-04-19")),
    ("Requires Redis 6.2 or later.", ("version", "6.2")),
    ("Edit config/worker.toml now.", ("path", "config/worker.toml")),
    ("Export DATABASE_URL before starting.", ("env", "DATABASE_URL")),
    ("Pass --max-cost to stop early.", ("flag", "--max-cost")),
    ("The retry_limit and MaxRetries options.", ("identifier", "retry_limit")),
    ("The retry_limit and MaxRetries options.", ("identifier", "MaxRetries")),
    ("Read worker.concurrency from the file.", ("identifier", "worker.concurrency")),
    ('The status becomes "dead letter" then.', ("quoted", "dead letter")),
    ("Uploads up to 50MB are accepted.", ("number", "50 mb")),
    ("Each job retries three times.", ("number", "3")),
    ("We store state in PostgreSQL and Redis.", ("product", "Redis")),
    ("See https://example.com/docs for more.", ("url", "https://example.com/docs")),
])
def test_fact_kinds(text, fact):
    assert fact in kinds(text)


@pytest.mark.parametrize("claim,span,ok", [
    ("Runs 8 workers.", "runs 8 workers", True),
    ("Runs 8 workers.", "runs 80 workers", False),
    ("Runs 8 workers.", "runs 1.8 workers", False),
    ("Uploads up to 50MB.", "uploads up to 50 MB", True),
    ("Retries three times.", "retries 3 times", True),
    ("Retries 3 times.", "retries three times", True),
    ("Wait 60 seconds.", "wait 60s", True),
    ("Wait 60 minutes.", "wait 60 s", False),
    ("Up to 5,000 rows.", "up to 5000 rows", True),
    ("Use Redis here.", "use Redisson here", False),
    ("Use WORKER_URL.", "use worker_url", False),
    ("Requires PostgreSQL 15.", "requires PostgreSQL 14", False),
])
def test_fact_normalisation(claim, span, ok):
    s = F.normalise_span(span)
    assert all(F.contains(s, f) for f in F.extract(claim)) is ok


def test_negation_and_weak_support():
    spans = [SpanText("Workers retry failed jobs five times. Do not run two schedulers.")]
    assert not support("Workers retry failed jobs five times.", spans).negation_mismatch
    assert support("Workers do not retry failed jobs five times.", spans).negation_mismatch
    assert support("You can run two schedulers.", spans).negation_mismatch
    assert support("Invoices are emailed monthly to billing contacts.", spans).overlap < 0.5


def _tree(tmp_path):
    src = tmp_path / "before"
    write(src, "a.md", "# Deploy\n\nRun `make deploy` with 4 workers on PostgreSQL 15.\n\nSee [guide](https://example.com/guide).\n")
    write(src, "b.md", "# Ops\n\nAlerts page the on-call within 5 minutes.\n\nMore in [the site](/manual/other.html).\n")
    pages = tmp_path / "after"
    write(pages, "deploy.md", "# Deploy\n\n## Steps\n\nRun `make deploy` with 4 workers on PostgreSQL 15.\n\n"
                             "Alerts page the on-call within 5 minutes.\n\nSee [steps](#steps) and [guide](https://example.com/guide).\n"
                             "More in [the site](/manual/other.html).\n")
    return src, pages


def test_standalone_check_clean_tree_exits_0_with_fail_on_error(tmp_path):
    src, pages = _tree(tmp_path)
    r = runner.invoke(app, ["check", str(pages), "--sources", str(src), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    kinds_found = {f["kind"] for f in data["findings"]}
    assert kinds_found == {"uncited", "outside-link"}  # human pages cite nothing; the route link was outside before too
    r = runner.invoke(app, ["check", str(pages), "--sources", str(src), "--fail-on", "warning"])
    assert r.exit_code == 1


def test_standalone_check_finds_invented_fact_and_dead_links(tmp_path):
    src, pages = _tree(tmp_path)
    write(pages, "deploy.md", "# Deploy\n\nRun `make deploy` with 6 workers on PostgreSQL 16.\n\n"
                             "See [missing](#nowhere), [gone](old.md) and [new](https://example.org/x).\n")
    r = runner.invoke(app, ["check", str(pages), "--sources", str(src), "--json"])
    assert r.exit_code == 1
    msgs = [f["message"] for f in json.loads(r.output)["findings"] if f["severity"] == "error"]
    assert any("number '6'" in m and "none of the 2 source documents" in m for m in msgs)
    assert any("16" in m for m in msgs)
    assert any("#nowhere" in m for m in msgs) and any("'old.md'" in m for m in msgs)
    assert any("https://example.org/x" in m for m in msgs)


def test_check_usage_errors_exit_2(tmp_path):
    src, pages = _tree(tmp_path)
    r = runner.invoke(app, ["check", str(pages)])
    assert r.exit_code == 2 and "--sources" in r.output
    r = runner.invoke(app, ["check", str(pages), "--sources", str(src), "--fail-on", "sometimes"])
    assert r.exit_code == 2 and "--fail-on" in r.output
    r = runner.invoke(app, ["check", str(pages), "--sources", str(src), "--site", "hugo"])
    assert r.exit_code == 2 and "mkdocs" in r.output


def test_anchor_rules_follow_the_site_generator(tmp_path):
    src = tmp_path / "src"
    write(src, "a.md", "# A\n\nText.\n")
    pages = tmp_path / "pages"
    write(pages, "p.md", "# A\n\n## Foo -- Bar\n\nText.\n\nSee [x](#foo----bar).\n")
    gh = json.loads(runner.invoke(app, ["check", str(pages), "-s", str(src), "--json"]).output)
    mk = json.loads(runner.invoke(app, ["check", str(pages), "-s", str(src), "--json", "--site", "mkdocs"]).output)
    assert not [f for f in gh["findings"] if f["kind"] == "dead-link"]
    assert [f for f in mk["findings"] if f["kind"] == "dead-link"]


class U:
    def __init__(self, doc, start, text, kind="sentence"):
        self.doc, self.start, self.end, self.text, self.kind, self.chunk = doc, start, start, text, kind, "c0"
        self.section, self.parent_heading, self.parent, self.para = "", "", "", (doc, start)


def test_conflicts_settings_versions_and_negations():
    units = [
        U("a.md", 3, "concurrency = 8", "code"), U("b.md", 9, "concurrency = 4", "code"),
        U("a.md", 5, "Tidewater requires PostgreSQL 15 or later."), U("b.md", 2, "Tidewater requires PostgreSQL 14 or later."),
        U("r.md", 4, "Tidewater has no background worker; jobs run in the web process."),
        U("a.md", 7, "The background worker pulls jobs from Redis."), U("b.md", 8, "Scale background workers by queue depth."),
    ]
    found = {(c.kind, c.subject): c for c in find_conflicts(units, stale=frozenset({"r.md"}))}
    assert ("value", "concurrency") in found
    assert ("value", "PostgreSQL minimum version") in found
    neg = found[("negation", "background worker")]
    assert neg.resolution == "stale" and any(s.stale for s in neg.sides)
    assert found[("value", "concurrency")].resolution == ""


def test_absences_as_report_labels_and_contractions_but_not_error_states():
    describes = [U("a.md", 7, "A background worker processes each job."), U("b.md", 3, "Restart the background worker."),
                 U("b.md", 5, "Tidewater requires Redis 6.2 or later.")]
    for said in ("1. **No Background Worker**: jobs are created but nothing runs them",
                 "There's no background worker yet.", "Tidewater doesn't have a background worker."):
        found = find_conflicts([U("r.md", 4, said, "list_item")] + describes)
        assert [(c.kind, c.subject, sorted({s.doc for s in c.sides})) for c in found] == \
            [("negation", "background worker", ["a.md", "b.md", "r.md"])], said
    redis = find_conflicts([U("m.md", 2, "There is no separate Redis dependency.")] + describes)
    assert [(c.subject, sorted({s.doc for s in c.sides})) for c in redis] == [("separate Redis", ["b.md", "m.md"])]
    # an error state, and a common last word alone, are not claims that a thing does not exist
    assert find_conflicts([U("r.md", 4, "The page says there are no workers available."),
                           U("a.md", 2, "Two workers available at night.")]) == []
    assert find_conflicts([U("r.md", 4, "There's no background service."), U("a.md", 2, "The service restarts.")]) == []


def test_a_note_whose_subject_holds_a_colon_and_a_number_checks_clean(tmp_path):
    # at 10k chunks a note read "`ascii`: Uses ... (8-bit): ascii, 7 vs ascii, 8" and the checker
    # took the subject's 8 for the first side's value (a model writes such subjects too)
    line = "- `ascii`: Uses the encoding for the ASCII ({}-bit) character set.\n"
    write(tmp_path / "src", "a.md", "# Encodings\n\n" + line.format(7))
    write(tmp_path / "src", "b.md", "# Encodings\n\n" + line.format(8))
    note = ("> **Sources disagree:** `ascii`: Uses the encoding for the ASCII (8-bit): ascii, {} vs ascii, {}. "
            "Check which is current before relying on either.[^1][^2]\n\n[^1]: `a.md:3-3`\n[^2]: `b.md:3-3`\n")
    for values, errors in (((7, 8), 0), ((8, 7), 2)):  # the right sides check clean; swapped ones do not
        write(tmp_path / "pages", "p.md", "# Encodings\n\n" + note.format(*values))
        r = runner.invoke(app, ["check", str(tmp_path / "pages"), "-s", str(tmp_path / "src"), "--json"])
        found = [f for f in json.loads(r.output)["findings"] if f["severity"] == "error"]
        assert len(found) == errors, (values, found)


def test_a_list_item_going_on_after_a_blank_line_is_two_sentences(tmp_path):
    # at 10k chunks: an item's NOT and its nested note's "not" were read as one sentence against
    # a cited sentence with one negation, a false `negation` error
    item = ("- The attribute is NOT valid for Create operations and should be set to false.\n\n"
            "  > This operation is not valid for a URI if Shell operations are also supported.\n")
    write(tmp_path / "src", "a.md", "# Create\n\n" + item)
    write(tmp_path / "pages", "p.md", "# Create\n\n" + item.rstrip("\n") + "[^1]\n\n[^1]: `a.md:3-5`\n")
    r = runner.invoke(app, ["check", str(tmp_path / "pages"), "-s", str(tmp_path / "src"), "--json"])
    assert [f for f in json.loads(r.output)["findings"] if f["severity"] == "error"] == []


def test_one_statement_in_many_documents_is_one_conflict_with_a_side_per_value():
    # six versions of a page saying the same with three different numbers: one disagreement
    versions = [U(f"v{i}.md", 4, f"The worker keeps up to {n} jobs in memory before it writes them out.")
                for i, n in enumerate((7, 7, 8, 8, 9, 7))]
    (c,) = find_conflicts(versions, similar=True)
    assert sorted(v for s in c.sides for v in s.values) == ["7", "8", "9"]
    assert c.subject.startswith("The worker keeps")


def test_step_numbers_are_not_values_and_a_subject_is_plain_words():
    # the same step numbered 2 on one page and 3 on another is no disagreement (a real case had it)
    same = [U("a.md", 5, "2. **[Deploy guide](DEPLOY.md)** - local setup (10 min)", "list_item"),
            U("b.md", 9, "3. **[Deploy guide](DEPLOY.md)** - local setup (10 min)", "list_item")]
    assert find_conflicts(same, similar=True) == []
    differ = [U("a.md", 5, "2. **[Deploy guide](DEPLOY.md)** - local setup takes about 10 min", "list_item"),
              U("b.md", 9, "3. **[Deploy guide](DEPLOY.md)** - local setup takes about 20 min", "list_item")]
    (c,) = find_conflicts(differ, similar=True)
    assert "](" not in c.subject and "**" not in c.subject and not c.subject.startswith("2")  # no link in a note
    assert [s.values for s in c.sides] == [("10 min",), ("20 min",)]


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("chk") / "out"
    r = runner.invoke(app, ["run", str(CORPUS), "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    return out


def test_corpus_stale_report_is_found_and_left_out(corpus_out):
    report = json.loads((corpus_out / "report.json").read_text())
    assert [s["doc"] for s in report["stale"]] == ["docs/reports/worker-verification-2023-04.md"]
    neg = [c for c in report["conflicts"] if c["kind"] == "negation" and c["subject"] == "background worker"]
    assert neg and neg[0]["resolution"] == "stale"
    pages = "".join(p.read_text() for p in (corpus_out / "pages").rglob("*.md"))
    assert "has no background worker" not in pages


def test_corpus_conflicts_are_noted_in_pages(corpus_out):
    report = json.loads((corpus_out / "report.json").read_text())
    subjects = {c["subject"] for c in report["conflicts"]}
    assert {"concurrency", "PostgreSQL minimum version"} <= subjects
    assert all(c["resolution"] in ("noted", "stale", "context-differs") for c in report["conflicts"])
    assert not [f for f in report["findings"] if f["kind"] == "silent-resolution"]
    # one disagreement, one id: the PostgreSQL minimum version found as a setting and as look-alike
    # sentences on several pages is one conflict holding every side
    pg = {c["id"] for c in report["conflicts"] if "PostgreSQL" in c["subject"] and c["kind"] == "value"}
    assert len(pg) == 1
    # a value given only for local development is a context-differs warning, not a noted conflict
    differs = [c for c in report["conflicts"] if c["resolution"] == "context-differs"]
    assert differs and all(any(s["context"] for s in c["sides"]) for c in differs)
    assert {f["kind"] for f in report["findings"]} >= {"context-differs"}
    # every source giving a side is a side, also one whose line repeats another's word for word
    (c,) = {c["id"]: c for c in report["conflicts"] if c["subject"] == "PostgreSQL minimum version"}.values()
    assert {"handbook/onboarding/local-setup.markdown", "docs/getting-started/installation.md"} <= {s["doc"] for s in c["sides"]}
    # a page's own pair of look-alike sentences is noted under the subject of the conflict it joined
    pages = "".join(p.read_text() for p in (corpus_out / "pages").rglob("*.md"))
    assert ("**Sources disagree:** PostgreSQL minimum version: 15 (docs/reference/configuration.md) vs 14 "
            "(docs/getting-started/installation.md, handbook/onboarding/local-setup.markdown).") in pages
    assert "Tidewater requires PostgreSQL or later" not in pages
    # eval/corpus_notes.md's planted contradictions 3, 5 and 6, said inside longer sentences
    for note in ("**Sources disagree:** Usage is metered every: 300 seconds (docs/billing/metering.md) vs 60 seconds",
                 "**Sources disagree:** Production deploys happen: Tuesday, 10:00, 16:00 (docs/deploy/production.md) vs "
                 "Monday, 09:00, 17:00 (handbook/ops/deploying.html.md)",
                 "**Sources disagree:** If the failure rate goes above: 2%, five (docs/deploy/production.md) vs 5%, ten"):
        assert note in pages


def test_silent_resolution_is_flagged(corpus_out, tmp_path):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(corpus_out, out)
    report = json.loads((out / "report.json").read_text())
    # (the `concurrency` setting is a context-differs warning now: a local-setup value is one side)
    c = next(c for c in report["conflicts"] if c["subject"] == "PostgreSQL minimum version")
    page = out / "pages" / c["page"]
    lines = page.read_text().splitlines()
    # drop the disagreement note and the block citing its second side
    kept = [ln for ln in lines if not (ln.startswith("> **Sources disagree:** PostgreSQL minimum version"))]
    page.write_text("\n".join(kept) + "\n")
    second = c["sides"][1]
    text = page.read_text()
    import re
    labels = [m.group(1) for m in re.finditer(r"^\[\^(\d+)\]: `" + re.escape(second["doc"]) + rf":{second['start']}-", text, re.M)]
    for lab in labels:
        text = re.sub(rf"\[\^{lab}\](?!:)", "", text)
    page.write_text(text)
    r = runner.invoke(app, ["check", str(out), "--json"])
    kinds_found = {f["kind"] for f in json.loads(r.output)["findings"]}
    assert "silent-resolution" in kinds_found


def test_ledger_accounts_for_every_unit(corpus_out):
    ledger = json.loads((corpus_out / "ledger.json").read_text())
    cov = ledger["coverage"]
    assert cov["accounted"] == 1.0 and cov["unaccounted"] == 0 and cov["units"] == len(ledger["entries"]) > 500
    assert cov["kept"] + cov["merged"] + cov["linked_to"] + cov["dropped"] == cov["lines"] > 1000
    nonblank = sum(1 for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".md", ".mdx", ".markdown")
                   for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip())
    assert cov["lines"] == nonblank  # every non-blank line of every input, counted from the files
    assert sum(r["lines"] for runs in ledger["lines"].values() for r in runs) == nonblank
    statuses = {e["status"] for e in ledger["entries"]}
    assert statuses == {"kept", "merged", "linked-to", "dropped"}
    # said on the FAQ and on the metering page: kept on the section about it, linked from the FAQ
    linked = [e for e in ledger["entries"] if e["status"] == "linked-to"]
    assert [(e["doc"], e["page"], e["to"]) for e in linked] == [
        ("docs/community/faq.md", "docs/community/frequently-asked-questions.md", "docs/billing/usage-metering.md#metering-interval")]
    merged = next(e for e in ledger["entries"] if e["status"] == "merged")
    assert merged["duplicate_of"]["doc"] and merged["page"]
    dropped = {e["reason"] for e in ledger["entries"] if e["status"] == "dropped"}
    assert "stale" in dropped
    stale_doc = ledger["documents"]["docs/reports/worker-verification-2023-04.md"]
    assert stale_doc["coverage"] == 0.0
    report = json.loads((corpus_out / "report.json").read_text())
    assert all(d["coverage"] is not None for d in report["page_details"].values())


def test_inbound_links_to_retired_pages_are_listed(tmp_path):
    site = tmp_path / "site"
    write(site, "docs/deploy.md", "# Deploy\n\nRun `make deploy` to ship the web app to production.\n")
    write(site, "docs/deploy-old.md", "# Deploy\n\nRun `make deploy` to ship the web app to production today.\n")
    write(site, "blog/post.md", "# Post\n\nRead [deploying](../docs/deploy-old.md#deploy) and [home](../index.md).\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(site / "docs"), "--out", str(out), "--quiet"]).exit_code == 0
    r = runner.invoke(app, ["check", str(out), "--inbound", str(site), "--json"])
    inbound = [f for f in json.loads(r.output)["findings"] if f["kind"] == "inbound-link"]
    assert len(inbound) == 1
    assert inbound[0]["page"] == "blog/post.md" and "deploy-old.md" in inbound[0]["message"]
    assert "rewrite '../docs/deploy-old.md#deploy' to 'deploy.md'" in inbound[0]["message"]


def test_links_only_reads_atx_and_setext_headings_outside_code():
    from consolidate.checks.linkscan import anchors_in

    text = ("Title\n===\n\nSub heading\n---\n---\n# Closing hashes #\n  ## Two words ##  \n"
            "```\n# not a heading\nnor this\n---\n```\n- item\n---\nA\n ===\n ---\n")
    # "---" under a list item or under another underline is a rule; an underline cannot be reused
    assert sorted(anchors_in(text, "github")) == ["a", "closing-hashes", "sub-heading", "title", "two-words"]


def test_links_only_checks_any_tree_offline(tmp_path):
    tree = tmp_path / "site"
    write(tree, "index.md", "# Home\n\n## Get started\n\nSee [setup](guide/setup.md#install), [missing](guide/gone.md),\n"
                            "[bad anchor](guide/setup.md#nope), [start](#get-started), [folder](guide/), [web](https://x.org/a).\n\n"
                            "```md\n[in code](nowhere.md)\n```\n\nAnd `[inline](nowhere.md)` too.\n\n[ref]: guide/old.md\n")
    write(tree, "guide/setup.md", "# Setup\n\nInstall\n=======\n\nText.\n\nA [route](/manual/page.html#steps) below the site root.\n")
    write(tree, "source/manual/page.html.md", "# Page\n\n## Steps\n\nText.\n")
    r = runner.invoke(app, ["check", str(tree), "--links-only", "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output)
    dead = sorted((f["line"], f["message"].split("link ")[1].split(" ")[0]) for f in data["findings"])
    assert dead == [(5, "'guide/gone.md'"), (6, "'guide/setup.md#nope'"), (14, "'guide/old.md'")]
    assert data["external"] == 1
    assert runner.invoke(app, ["check", str(tree), "--links-only", "--fail-on", "never"]).exit_code == 0


def _errors(tmp_path, source: str, page: str) -> list[dict]:
    """Errors of `consolidate check` on one page citing one source file, a.md."""
    write(tmp_path / "src", "a.md", source)
    write(tmp_path / "pages", "p.md", page)
    r = runner.invoke(app, ["check", str(tmp_path / "pages"), "-s", str(tmp_path / "src"), "--json"])
    return [f for f in json.loads(r.output)["findings"] if f["severity"] == "error"]


@pytest.mark.parametrize("claim,kinds_found", [
    ("Ecma TR/84, _Common Language Infrastructure - Partition IV XML File_, June 2006.", []),
    ("Ecma TR/84, _Common Language Infrastructure - Partition IV XML File_, June 2007.", ["unsupported-fact"]),
    ("Ecma TR/84, _Common Language Infrastructure - Partition IV JSON File_, June 2006.", ["unsupported-fact"]),
])
def test_emphasis_wrapped_over_two_source_lines_is_read_as_words(tmp_path, claim, kinds_found):
    # at the large tree: `_Common ... from\nPartition IV XML File_` kept its underscores in the span
    # (emphasis was only stripped within a line), so the verbatim claim's "Common" was not found
    source = "# Refs\n\nEcma TR/84, _Common Language Infrastructure - Partition IV\nXML File_, June 2006.\n"
    found = _errors(tmp_path, source, f"# Refs\n\n{claim}[^1]\n\n[^1]: `a.md:3-4`\n")
    assert sorted({f["kind"] for f in found} & {"unsupported-fact"}) == kinds_found, found
    assert bool(found) == bool(kinds_found), found


@pytest.mark.parametrize("second,kinds_found", [
    ("_named-block-list_ is described in §8.10.7.", []),
    ("_named-block-list_ is described in a later section.", ["dropped-fact"]),
])
def test_sentences_of_a_span_are_split_on_the_markdown_not_the_plain_text(tmp_path, second, kinds_found):
    # `. _named-block-list_` starts a sentence; without its underscores it read as one sentence with
    # the one before, whose §8.10.9 the second claim then "dropped"
    source = "# Blocks\n\n_param-block_ is described in [§8.10.9][a]. _named-block-list_ is described in [§8.10.7][b].\n"
    page = f"# Blocks\n\n_param-block_ is described in §8.10.9.[^1] {second}[^2]\n\n[^1]: `a.md:3-3`\n[^2]: `a.md:3-3`\n"
    assert [f["kind"] for f in _errors(tmp_path, source, page)] == kinds_found


def test_a_long_number_ending_a_wrapped_sentence_is_not_a_list_ordinal():
    span = SpanText("79228162514264337593543950335. The actual representation of decimal is implementation defined.")
    assert span.sentences == ["79228162514264337593543950335.", "The actual representation of decimal is implementation defined."]
    assert SpanText("3. Restart the worker.").sentences == ["Restart the worker."]  # a list ordinal still is one


def test_a_negation_is_checked_against_the_fullest_of_equally_close_sentences():
    # a span starting mid-sentence gives "transaction." beside "The other transaction is not.": both
    # hold all of the claim's content words; the one that reads like the claim is its source
    spans = [SpanText("transaction. The other transaction is not.")]
    assert not support("The other transaction is not.", spans).negation_mismatch
    assert support("The other transaction is.", spans).negation_mismatch
    spans = [SpanText("One command is part of the\ntransaction. The other transaction is not.")]
    assert support("One command is not part of the transaction.", spans).negation_mismatch


def test_a_list_item_going_on_after_a_blank_line_with_inline_code_is_two_sentences():
    # a blank line then a code span ("`<?xml ... ?>`") was not a sentence break (the masked code read
    # as more blank space), so the item's "doesn't" and the XML were one sentence
    spans = [SpanText("Add the following XML headers. PowerShell doesn't validate the file.\n\n"
                      '`<?xml version="1.0" ?> <helpItems schema="maml">`')]
    claim = 'Add the following XML headers. PowerShell doesn\'t validate the file. \n\n `<?xml version="1.0" ?> <helpItems schema="maml">`'
    assert not support(claim, spans).negation_mismatch
    assert support(claim.replace("doesn't", "does"), spans).negation_mismatch


def test_a_question_mark_in_a_reference_link_does_not_end_the_sentence():
    from consolidate import sentences
    text = "- [No Cmdlet to Stop Something? Check for Methods][use-methods]"
    assert sentences.split(text) == [(0, len(text))]
    claim = "[No Cmdlet to Stop Something? Check for Methods](https://example.com/methods)"
    assert not support(claim, [SpanText(text)]).negation_mismatch


@pytest.mark.parametrize("values,errors", [("`n, 1 vs `t, 2", 0), ("`n, 2 vs `t, 1", 2)])
def test_note_values_holding_a_backtick_are_read_one_side_at_a_time(tmp_path, values, errors):
    # PowerShell escapes (`n, `t) in two values paired into one code span across " vs ", a fact
    # no side holds
    write(tmp_path / "src", "a.md", "# Escapes\n\n- The newline escape is `n and takes 1 character.\n")
    write(tmp_path / "src", "b.md", "# Escapes\n\n- The newline escape is `t and takes 2 characters.\n")
    note = (f"> **Sources disagree:** The newline escape: {values}. "
            "Check which is current before relying on either.[^1][^2]\n\n[^1]: `a.md:3-3`\n[^2]: `b.md:3-3`\n")
    write(tmp_path / "pages", "p.md", "# Escapes\n\n" + note)
    r = runner.invoke(app, ["check", str(tmp_path / "pages"), "-s", str(tmp_path / "src"), "--json"])
    found = [f for f in json.loads(r.output)["findings"] if f["severity"] == "error"]
    assert len(found) == errors, found


def test_a_sentence_starting_with_a_link_is_a_sentence_of_its_own():
    # a page that reduced a link to its text split "... PRs). Deploying should ..." in two, while the
    # cited span, its link masked as one lower-case word, read as one sentence with a "not"
    from consolidate import sentences
    text = "Merge it so changes do not back up (see [bots](#bots) PRs). [Deploying](/deploying.html) is as usual."
    assert [text[s:e] for s, e in sentences.split(text)] == [
        "Merge it so changes do not back up (see [bots](#bots) PRs).", "[Deploying](/deploying.html) is as usual."]
    assert not support("Deploying is as usual.", [SpanText(text)]).negation_mismatch


def test_emphasis_over_two_sentences_is_stripped_from_both():
    # "_with no spaces. On the output: ..._" cut into sentences left "_with" behind, an identifier
    # the claim restating that sentence "dropped"
    span = SpanText("- _with no spaces in the string. On the output: place the number first,_")
    assert span.sentences == ["with no spaces in the string.", "On the output: place the number first,"]


def test_a_link_target_with_parentheses_is_not_read_as_words():
    """A resolved reference link to wiki/Shell_(computing)#Overview gave the fact 'Wikipedia#Overview'
    (the target cut at its first ')'), which no source says: an unsupported-fact error on the large tree."""
    text = "[Wikipedia](https://wikipedia.org/wiki/Shell_(computing)#Overview) includes this description of a shell:"
    assert F.prose(text) == "Wikipedia includes this description of a shell:"
    assert not any("#" in v for _, v in kinds(text))
