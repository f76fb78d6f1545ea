"""Issue 13: claims across the run, context, one id per disagreement, aliases, stale and historical."""

import json
import shutil
from pathlib import Path

import pytest

from consolidate import pipeline
from consolidate.checks.conflicts import find_conflicts
from consolidate.checks.stale import find_stale
from consolidate.claims.aliases import find_aliases
from consolidate.claims.context import context_of
from consolidate.claims.extract import flags, labelled, table_rows
from consolidate.errors import UsageError
from consolidate.records import Document
from consolidate.settings import Settings
from consolidate.stages.plan import load_plan

FIXTURE = Path(__file__).resolve().parents[1] / "eval" / "fixtures" / "hard-kinds"


class U:
    def __init__(self, doc, start, text, kind="sentence", section=""):
        self.doc, self.start, self.end, self.text, self.kind, self.chunk = doc, start, start, text, kind, "c0"
        self.section, self.parent_heading, self.parent, self.para = section, "", "", (doc, start)


def _doc(path, title):
    return Document(path=path, root="/r", sha256="0", title=title, line_count=3)


def test_stale_completion_notes_prompts_and_old_versions_but_never_a_name_alone():
    docs = [_doc("guides/QUICKSTART_FINAL.md", "HSC JIT v3.1 - Quick Start Guide"),
            _doc("guides/QUICK_REFERENCE.md", "Quick reference"),
            _doc("guides/SETUP_COMPLETE.md", "Setup & Fixes Complete ✅"),
            _doc("billing-guide.md", "Billing Implementation Guide - COMPLETED ✅"),
            _doc("docs/v1/install.md", "Install"), _doc("docs/v2/install.md", "Install"),
            _doc("prompt.md", "Bootstrap")]
    texts = {d.path: ["# x", "", "Text."] for d in docs}
    found = {s["doc"]: s["reasons"] for s in find_stale(docs, texts, frozenset({"prompt.md"}))}
    assert set(found) == {"guides/SETUP_COMPLETE.md", "billing-guide.md", "docs/v1/install.md", "prompt.md"}
    assert found["docs/v1/install.md"][0].startswith("superseded version: docs/v2/install.md")
    assert found["prompt.md"] == ["written as instructions to a model"]


def test_extractors_read_labels_flags_and_target_tables():
    assert labelled("**Version:** v3.1") == [("Version", "v3.1")]
    assert labelled("**Batch size**: 100 households per query") == [("Batch size (households)", "100 households")]
    assert labelled("**Note:** read the whole page before you start") == []  # prose, not a value
    assert ("uvicorn app.main:app --port", "8001") in flags("```bash\nuvicorn app.main:app --port 8001\n```")
    assert flags("```json\n{\"a\": \"--port 1\"}\n```") == []
    assert table_rows("| Metric | Target |\n|---|---|\n| Uptime | 99.9% |") == [("Uptime Target", "99.9%")]


def test_negation_pairs_version_labels_and_context():
    units = [U("a.md", 1, "Cancelled jobs are marked as failed."), U("b.md", 1, "Cancelled jobs are not marked as failed."),
             U("a.md", 2, "**Version:** v3.1"), U("b.md", 2, "**Version:** v3.3"),
             U("local.md", 3, "```toml\nconcurrency = 2\n```", "code", "Local development"),
             U("prod.md", 3, "```toml\nconcurrency = 8\n```", "code", "Production")]
    found = {c.subject: c for c in find_conflicts(units)}
    neg = found["whether cancelled jobs are marked as failed"]
    assert neg.kind == "negation" and [s.values for s in neg.sides] == [("yes",), ("no",)]
    assert [s.values for s in found["Version"].sides] == [("v3.1",), ("v3.3",)]
    assert "concurrency" not in found  # dev against production: no conflict at all
    units[5] = U("ref.md", 3, "```toml\nconcurrency = 8\n```", "code", "Worker")
    c = next(c for c in find_conflicts(units) if c.subject == "concurrency")
    assert c.resolution == "context-differs" and {s.context for s in c.sides} == {"dev", ""}


def test_context_heading_wins_over_file():
    assert context_of("README_PRODUCTION.md", "Local Development (5 minutes)") == "dev"
    assert context_of("README_PRODUCTION.md", "Scaling") == "production"
    assert context_of("docs/guides/QUICKSTART.md", "Manual start") == ""


def test_aliases_reorderings_and_renames_not_plurals():
    texts = {"a.md": ["Run `import_voters` and read `job_type`."], "b.md": ["| `voter_import` | `job_types` |"],
             "CHANGELOG.md": ["### Repository Rename: emp-job-queue → emp-ai-backend"], "c.md": ["See emp-job-queue."], "d.md": ["`import_voters` runs nightly."]}
    got = {a.preferred: a for a in find_aliases(texts)}
    assert set(got) == {"import_voters", "emp-ai-backend"}
    assert got["import_voters"].aliases == ("voter_import",)
    assert got["emp-ai-backend"].sources == {"emp-ai-backend": ["CHANGELOG.md"], "emp-job-queue": ["c.md"]}
    del texts["d.md"]  # one document each: the later document's term
    assert {a.preferred for a in find_aliases(texts)} == {"voter_import", "emp-ai-backend"}


@pytest.fixture(scope="module")
def hard_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("hard") / "out"
    root = tmp_path_factory.mktemp("src") / "hard-kinds"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("gold.json"))
    (root / "SETUP_COMPLETE.md").write_text("# Setup Complete ✅\n\nThe worker was restarted on 3 March.\n")
    pipeline.run([root], out, Settings())
    return out


def test_hard_kinds_run_reports_each_disagreement_once_and_checks_clean(hard_out):
    report = json.loads((hard_out / "report.json").read_text())
    assert report["errors"] == 0 and report["coverage"]["unaccounted"] == 0
    by_id = {c["id"]: c for c in report["conflicts"]}
    kinds = sorted(c["kind"] for c in by_id.values())
    assert kinds == ["list", "negation", "negation", "value"]
    assert not any({s["doc"] for s in c["sides"]} == {"local-development.md", "production.md"} for c in by_id.values())
    assert [(a["preferred"], a["aliases"]) for a in report["aliases"]] == [("voter_import", ["import_voters"])]
    plan = json.loads((hard_out / "plan.json").read_text())
    assert plan["aliases"] == report["aliases"]
    historical = [p["slug"] for p in plan["pages"] if p["historical"]]
    assert [f"{s}.md" for s in historical] == report["historical_pages"] and len(historical) == 1
    assert "status: historical" in (hard_out / "pages" / f"{historical[0]}.md").read_text()
    for page in (hard_out / "pages").rglob("*.md"):  # one note per disagreement per page
        notes = [ln for ln in page.read_text().splitlines() if ln.startswith("> **Sources disagree:**")]
        assert len(notes) == len(set(n.split("[^")[0] for n in notes))


def test_plan_aliases_must_be_a_list(hard_out):
    res, _ = pipeline.resume_from_state(hard_out)
    data = json.loads((hard_out / "plan.json").read_text())
    with pytest.raises(UsageError, match="aliases"):
        load_plan(data | {"aliases": 5}, "plan.json", res.chunks, res.docs)
    with pytest.raises(UsageError, match=r"aliases\[0\]"):
        load_plan(data | {"aliases": [{"preferred": "x"}]}, "plan.json", res.chunks, res.docs)
    plan, _ = load_plan(data, "plan.json", res.chunks, res.docs)
    assert plan.aliases[0].preferred == "voter_import"


def test_one_port_for_two_things_and_joins_keep_every_side():
    from consolidate.claims.settle import join_groups
    from consolidate.records import Conflict, ConflictSide
    units = [U("hub.md", 1, "```bash\ndocker run -p 3001:3001 emp-job-queue:hub\n```", "code"),
             U("worker.md", 1, "```bash\nWORKER_BASE_A1111_PORT=3001\n```", "code"),
             U("ports.md", 1, "| Port | Service |\n|---|---|\n| 3001-3008 | Automatic1111 |", "table"),
             U("hub2.md", 1, "```bash\nHUB_PORT=3002\n```", "code"), U("hub3.md", 1, "```sh\ndocker run -p 3002:3002 hub:latest\n```", "code")]
    c = next(c for c in find_conflicts(units) if c.subject == "what the port is for")
    assert [s.values for s in c.sides] == [("emp-job-queue:hub", "3001"), ("Automatic1111", "3001-3008"),
                                           ("WORKER_BASE_A1111_PORT", "3001")]  # 3002 is the hub's in both

    def conflict(i, docs, value):
        return Conflict(id=f"k{i}", kind="value", subject="x", sides=tuple(
            ConflictSide(doc=d, start=1, end=1, chunk="c", text="t", values=(v,)) for d, v in zip(docs, value)))
    small = [conflict(0, ["a", "b"], ["1", "2"]), conflict(1, ["b", "c"], ["2", "3"])]
    assert join_groups(small) == [[0, 1]]
    big = small + [conflict(2, ["c", "d", "e", "f", "g"], ["3", "4", "5", "6", "7"])]
    assert join_groups(big) == [[0], [1], [2]]  # 7 sides: not joined, none lost


def test_a_rename_needs_an_arrow_or_two_code_names():
    texts = {"CHANGELOG.md": ["- **Goal**: Rename project to better reflect its purpose", "Renamed `old_cli` to `new_cli`."],
             "a.md": ["The project uses old_cli and better tools."]}
    assert [(a.preferred, a.aliases) for a in find_aliases(texts)] == [("new_cli", ("old_cli",))]


def test_one_websocket_connection_at_two_paths():
    units = [U("api.md", 1, "Connect to `ws://hub.example.com:3002`."),
             U("broadcast.md", 1, "Monitors connect to ws://host/ws/monitor/monitor-123 and clients to ws://host/ws/client/c-1.")]
    c = next(c for c in find_conflicts(units) if c.subject == "WebSocket endpoint")
    assert [s.values for s in c.sides] == [("ws://hub.example.com:3002",), ("/ws/monitor/monitor-123",)]
    units[0] = U("api.md", 1, "Connect to ws://hub/ws/x.")
    assert not [c for c in find_conflicts(units) if c.subject == "WebSocket endpoint"]


def test_notes_name_things_by_the_preferred_term_where_the_sides_hold_it():
    from consolidate.merge.notes import preferring
    from consolidate.records import Alias
    table = [Alias(preferred="import_voters", aliases=("voter_import",), sources={})]
    assert preferring("voter_import batch size", table, "runs import_voters with 100 rows") == "import_voters batch size"
    assert preferring("voter_import batch size", table, "runs voter_import with 100 rows") == "voter_import batch size"
    assert preferring("voter_imports", table, "import_voters") == "voter_imports"  # whole names only


def test_a_clause_said_with_other_values_inside_longer_sentences_is_a_conflict():
    units = [U("deploy/production.md", 77, "If the failure rate goes above 2% for more than five minutes, roll back."),
             U("ops/deploying.md", 47, "If the failure rate goes above 5% for more than ten minutes, roll back. "
                                       "The quickest way is to deploy the previous tag:"),
             U("deploy/production.md", 25, "Production deploys happen Tuesday to Thursday, 10:00 to 16:00 UTC. "
                                           "Outside that window you need approval from the on-call SRE."),
             U("ops/deploying.md", 23, "Production deploys happen Monday to Thursday, 09:00 to 17:00 UTC. "
                                       "Never deploy on a Friday."),
             # the same clause with the same values, and a clause too short to say what it is about
             U("billing/overview.md", 18, "Usage is metered every 60 seconds and aggregated into hourly buckets."),
             U("billing/invoices.md", 32, "Usage is metered every 60 seconds and aggregated into hourly buckets; "
                                          "the invoice sums the hourly buckets of the period."),
             U("a.md", 5, "It takes 5 minutes, then the page reloads."), U("b.md", 9, "It takes 9 minutes.")]
    found = {c.subject: c for c in find_conflicts(units, similar=True)}
    rate = found["If the failure rate goes above"]
    assert [s.values for s in rate.sides] == [("2%", "five"), ("5%", "ten")]
    window = found["Production deploys happen"]
    assert [s.values for s in window.sides] == [("Tuesday", "Thursday", "10:00", "16:00"), ("Monday", "Thursday", "09:00", "17:00")]
    # production.md's side is in the production context, the handbook's is unmarked: read together
    assert window.resolution == "" and {s.context for s in window.sides} == {"production", ""}
    assert len(found) == 2, sorted(found)


def test_a_release_given_to_a_command_is_not_a_setting_but_a_port_is():
    deploy = "```bash\ntidectl deploy --env production --version {v} --wait\n```"
    serve = "```bash\nuvicorn app.main:app --host 0.0.0.0 --port {v}\n```"
    units = [U("production.md", 3, deploy.format(v="2.4.1"), "code"), U("handbook.md", 9, deploy.format(v="2.4.0"), "code"),
             U("QUICKSTART.md", 3, serve.format(v="8000"), "code"), U("FINAL.md", 7, serve.format(v="8001"), "code")]
    subjects = [c.subject for c in find_conflicts(units)]
    assert subjects == ["uvicorn app.main:app --port"], subjects


def test_no_thing_in_a_condition_is_not_a_claim_that_it_does_not_exist():
    units = [U("export.md", 5, "If the session is closed when you import the module, and there are no active "
                               "remote sessions to the same computer, the commands fail."),
             U("import.md", 9, "You can pipe objects between active remote sessions without error."),
             U("report.md", 3, "The system has no background worker; jobs run in the web process."),
             U("worker.md", 4, "The background worker pulls jobs from the queue.")]
    subjects = [c.subject for c in find_conflicts(units) if c.kind == "negation"]
    assert subjects == ["background worker"], subjects
