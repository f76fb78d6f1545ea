"""Issue 13: design-level disagreements read from code blocks and diagrams (payload keys, protocols)."""

from consolidate.checks.conflicts import find_conflicts
from consolidate.claims.diagrams import edges, families
from consolidate.claims.payloads import objects


class U:
    def __init__(self, doc, start, text, kind="code", section=""):
        self.doc, self.start, self.end, self.text, self.kind, self.chunk = doc, start, start, text, kind, "c0"
        self.section, self.parent_heading, self.parent, self.para = section, "", "", (doc, start)


def _block(lang, body):
    return f"```{lang}\n{body}\n```"


def _subjects(units):
    return {c.subject: c for c in find_conflicts(units)}


def test_objects_read_top_level_keys_names_and_nested_paths():
    js = _block("javascript", "// ask\nws.send(JSON.stringify({\n  type: 'follow',  // the kind\n  id: 'x', opts: {deep: 1},\n}));\n"
                              "const cfg = { 'url': \"https://a/b\", retry: [1, 2] };")
    got = objects(js)
    assert [(o.name, o.keys) for o in got] == [("follow", ("type", "id", "opts")), ("", ("url", "retry"))]
    assert "opts.deep" in got[0].paths
    mermaid = _block("mermaid", 'graph TB\n  M["<b>ready</b><br/>{<br/>  type: \'ready\',<br/>  slot: 2<br/>}"]')
    assert [(o.name, o.keys) for o in objects(mermaid)] == [("ready", ("type", "slot"))]
    assert objects(_block("bash", '{"type": "x"}')) == []  # not a payload language


def test_one_named_payload_with_one_field_under_two_names_but_not_optional_fields():
    a = U("guide.md", 1, _block("json", '{"type": "run_started", "run_id": "r1", "max_steps": 3, "timestamp": 1}'))
    b = U("ref.md", 1, _block("json", '{"type": "run_started", "ticket_id": "t1", "max_total_steps": 3, "scope": {"all": 1}}'))
    c = _subjects([a, b])["keys of the run_started payload"]
    assert c.kind == "list" and [(s.doc, s.values) for s in c.sides] == [
        ("guide.md", ("max_steps", "run_id")), ("ref.md", ("max_total_steps", "ticket_id"))]
    # near-misses: one page only adds a key; only the envelope (timestamp, id) differs; each page
    # shows an optional field the other leaves out, or keys that share only a modifier
    for other in ('{"type": "run_started", "run_id": "r1", "max_steps": 3, "scope": "all"}',
                  '{"type": "run_started", "run_id": "r1", "max_steps": 3, "id": 7}',
                  '{"type": "run_started", "run_id": "r1", "queue_name": "ci"}',
                  '{"type": "run_started", "run_id": "r1", "max_wait": 30}'):
        b.text = _block("json", other)
        assert "keys of the run_started payload" not in _subjects([a, b]), other


def test_an_unnamed_payload_with_one_field_under_two_names():
    body = '"events": ["done"], "auth": {"scheme": "bearer", "secret": "x"}'
    a = U("guide.md", 1, _block("json", '{"hook_url": "https://a", ' + body + "}"), section="Hook setup")
    b = U("ref.md", 1, _block("json", '{"url": "https://a", ' + body + ', "retries": 3}'), section="Hook registration")
    c = _subjects([a, b])["keys of the hook payload"]
    assert [s.values for s in c.sides] == [("hook_url",), ("url",)]
    # near-misses: extra keys alone (no renamed field); headings with no word in common
    b.text = _block("json", '{"hook_url": "https://a", ' + body + ', "retries": 3}')
    assert not [s for s in _subjects([a, b]) if s.startswith("keys of")]
    b.text, b.section = _block("json", '{"url": "https://a", ' + body + "}"), "Storage"
    assert not [s for s in _subjects([a, b]) if s.startswith("keys of")]


def test_diagram_edges_and_protocol_families():
    text = _block("mermaid", 'flowchart LR\n  subgraph "Edge Tier"\n    Gw[Gateway]\n  end\n'
                             "  App1[Phone App] -.->|HTTPS / REST| Gw\n  Gw -- SSE stream --> App1\n  Gw --> Db[(Store)]")
    got = edges(text)
    assert [(sorted(a), sorted(ag), sorted(b), label) for a, ag, b, _, label in got] == [
        (["phone"], [], ["gateway"], "HTTPS / REST"), (["gateway"], ["edge", "tier"], ["phone"], "SSE stream")]
    assert families("HTTP POST / WebSocket") == {"http", "websocket"}
    assert families("/ws/client/") == frozenset() and families("TCP") == frozenset()
    assert edges(_block("mermaid", "sequenceDiagram\n  A->>B: HTTP")) == []


def test_two_diagrams_joining_the_same_components_by_different_protocols():
    a = U("guide.md", 1, _block("mermaid", "graph TB\n  Web[Web Client] -->|HTTP REST| Api[Public API]\n"
                                           "  Bot[Build Bot] -->|gRPC| Api"))
    b = U("design.md", 1, _block("mermaid", 'graph TB\n  subgraph "Public API"\n    Ws[Socket Hub]\n  end\n'
                                            "  Client[Web Client] -.->|WebSocket| Ws\n  Bot[Build Bot] -->|gRPC| Ws"))
    c = _subjects([a, b])["protocol between api and client"]
    assert [(s.doc, s.values) for s in c.sides] == [("design.md", ("WebSocket",)), ("guide.md", ("HTTP REST",))]
    assert not [s for s in _subjects([a, b]) if "bot" in s]  # gRPC both ways: they agree
    # near-miss: the other diagram also lets the web client use HTTP (families overlap)
    b.text = b.text.replace("|WebSocket|", "|WebSocket / HTTP|")
    assert not [s for s in _subjects([a, b]) if s.startswith("protocol between")]


def test_sequence_steps_read_actor_item_recipient_and_calls():
    from consolidate.claims.sequences import steps
    text = _block("mermaid", "sequenceDiagram\n  participant W as Worker2\n  participant S as Store\n"
                             "  W->>S: LPOP queue:ready (fetch the next job)\n  Api->>Bus: Worker claims job via pickJob()\n"
                             "  W->>S: Update job status\n  W->>S: Submit task")
    assert steps(text) == [(("worker", "job"), "Store", ("LPOP",)), (("worker", "job"), "", ("pickJob()",))]
    assert steps(_block("mermaid", "graph TB\n  A -->|get job| B")) == []


def test_one_step_drawn_with_mechanisms_that_share_nothing():
    a = U("guide.md", 1, _block("mermaid", "sequenceDiagram\n  Worker->>Broker: Request job\n  Client->>Api: Submit job"))
    b = U("design.md", 1, _block("mermaid", "sequenceDiagram\n  participant W as Worker\n  participant Q as Queue\n"
                                            "  W->>Q: ZPOPMIN jobs (get the top job)\n  Client->>Gateway: Submit job"))
    c = _subjects([a, b])["how a worker gets a job"]
    assert [(s.doc, s.values) for s in c.sides] == [("design.md", ("Queue", "ZPOPMIN")), ("guide.md", ("Broker",))]
    assert len([s for s in _subjects([a, b]) if s.startswith("how a")]) == 1  # submitting is not taking work
    # near-miss: both ask the queue, one naming the command it uses
    a.text = a.text.replace("Worker->>Broker", "Worker->>Queue")
    assert not [s for s in _subjects([a, b]) if s.startswith("how a")]


def test_headings_use_the_preferred_term_and_quoted_text_stays(tmp_path):
    import json

    from consolidate import pipeline
    from consolidate.settings import Settings
    root = tmp_path / "docs"
    root.mkdir()
    (root / "voters.md").write_text("# Voter loading\n\n## Running voter_import\n\n"
                                    "Start voter_import from the admin page before the nightly window.\n")
    (root / "schedule.md").write_text("# Voter loading schedule\n\n## Nightly window\n\n"
                                      "The import_voters job runs at 02:00 and loads the county register.\n")
    (root / "admin.md").write_text("# Voter loading admin\n\n## Admin page\n\n"
                                   "The admin page lists each import_voters run with its row count.\n")
    out = tmp_path / "out"
    pipeline.run([root], out, Settings())
    report = json.loads((out / "report.json").read_text())
    assert [(a["preferred"], a["aliases"]) for a in report["aliases"]] == [("import_voters", ["voter_import"])]
    assert report["errors"] == 0 and report["coverage"]["unaccounted"] == 0
    text = "\n".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    assert "Running import_voters" in text and "Running voter_import" not in text
    assert "Start voter_import from the admin page" in text  # the source's words stay as written
    ledger = json.loads((out / "ledger.json").read_text())
    line = next(r for r in ledger["lines"]["voters.md"] if r["start"] <= 3 <= r["end"])
    assert line["status"] == "kept" and line.get("as") == "heading"


def test_copies_of_a_page_make_one_conflict_not_one_per_pair():
    guide = _block("mermaid", "graph TB\n  Web[Web Client] -->|HTTP| Api[Public API]")
    design = _block("mermaid", "graph TB\n  Web[Web Client] -.->|WebSocket| Api[Public API]")
    payload_a = _block("json", '{"type": "ping", "node_id": "n1"}')
    payload_b = _block("json", '{"type": "ping", "host_id": "h1"}')
    units = [U(f"v{i}/guide.md", 1, guide) for i in range(3)] + [U(f"v{i}/design.md", 1, design) for i in range(3)]
    units += [U(f"v{i}/guide.md", 5, payload_a) for i in range(3)] + [U(f"v{i}/design.md", 5, payload_b) for i in range(3)]
    found = [c for c in find_conflicts(units) if c.subject.startswith(("protocol", "keys"))]
    assert sorted(c.subject for c in found) == ["keys of the ping payload", "protocol between api and client"]
    keys = next(c for c in found if c.subject.startswith("keys"))
    assert [(s.doc, s.values) for s in keys.sides] == [("v0/design.md", ("host_id",)), ("v0/guide.md", ("node_id",))]


def test_heading_terms_leave_code_spans_and_headings_about_the_rename():
    from consolidate.claims.aliases import heading_to_preferred
    from consolidate.records import Alias
    table = [Alias(preferred="new-name", aliases=("old-name",), sources={})]
    assert heading_to_preferred("Installing old-name", table) == "Installing new-name"
    assert heading_to_preferred("The `old-name` package", table) == "The `old-name` package"
    assert heading_to_preferred("Rename: old-name → new-name", table) == "Rename: old-name → new-name"


def test_one_endpoint_at_two_paths_is_an_alias_but_not_two_versions_or_a_parameter_spelling():
    from consolidate.claims.routes import route_aliases
    texts = {"a.md": ["Submit with `POST /api/jobs` and read one with `GET /api/jobs/{id}`.", "List: GET /v1/jobs"],
             "b.md": ["POST /api/v1/jobs", "GET /api/jobs/:job_id", "GET /v2/jobs"],
             "c.md": ["Jobs are created by POST /api/v1/jobs."]}
    found = route_aliases(texts)
    assert [(a.preferred, a.aliases, a.sources) for a in found] == [
        ("POST /api/v1/jobs", ("POST /api/jobs",), {"POST /api/v1/jobs": ["b.md", "c.md"], "POST /api/jobs": ["a.md"]})]
    assert route_aliases({"a.md": ["POST /api/jobs"], "b.md": ["POST /api/jobs", "POST /jobs"]}) != []
    assert route_aliases({"a.md": ["POST /api/jobs and POST /jobs"]}) == []  # one document's own spellings
