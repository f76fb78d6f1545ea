"""The review app over HTTP (Starlette's test client): list, side by side, decisions, edits, safety."""

import json
import re

import pytest
from starlette.testclient import TestClient

from consolidate.web.app import create_app
from consolidate.decisions import load_decisions
from reviewkit import XSS, first_page, make_run

TOKEN = "test-token"


@pytest.fixture()
def run_out(tmp_path):
    return make_run(tmp_path)


@pytest.fixture()
def client(run_out):
    return TestClient(create_app(run_out, token=TOKEN), base_url="http://127.0.0.1")


def post(client, path, **data):
    return client.post(path, data=data, headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)


def test_pages_list_shows_verdict_coverage_conflicts_backend_status(client, run_out):
    html = client.get("/").text
    page = first_page(run_out)
    row = re.search(rf'<tr data-page="{re.escape(page)}">.*?</tr>', html, re.S).group(0)
    assert "90%" in row and ">1<" in row and "extractive" in row and 'data-status="pending"' in row
    assert html.count("<tr data-page=") == 3
    assert "not available" not in html  # this run has a ledger and conflicts


def test_missing_ledger_and_conflicts_say_not_available(tmp_path):
    out = make_run(tmp_path, extras=False)
    c = TestClient(create_app(out, token=TOKEN), base_url="http://127.0.0.1")
    assert "Coverage: not available" in c.get("/").text
    html = c.get(f"/page/{first_page(out)}").text
    assert "Not available: this run wrote no <code>ledger.json</code>" in html
    assert "has no <code>conflicts</code>" in html


def test_side_by_side_cites_sources_conflicts_ledger(client, run_out):
    page = first_page(run_out)
    html = client.get(f"/page/{page}").text
    # a citation links to its source line; the cited lines are highlighted in the sources panel
    assert re.search(r'<a href="#src-0-L4" class="cite" data-src="0" data-doc="worker.md" data-start="4" data-end="4"', html)
    assert '<div class="ln cited" id="src-0-L4" data-line="4">' in html
    # a sentence carries its citations for hover
    assert re.search(r'<span class="sent" data-cites="\d+" title="worker.md:3-4">The worker takes jobs[^<]*Set concurrency to 8', html)
    # conflicts with both sides, ledger dropped/merged with reasons
    conflicts = html[html.index('id="conflicts"'):html.index('id="ledger"')]
    assert "Set concurrency to 8" in conflicts and "Set concurrency to 4" in conflicts and "ops/worker-old.md:4-4" in conflicts
    ledger = html[html.index('id="ledger"'):]
    assert "Dropped (1)" in ledger and "boilerplate" in ledger and "Merged as duplicates (1)" in ledger
    assert f"/page/{page}/diff?doc=worker.md" in html


def test_document_content_is_escaped(client, run_out):
    html = client.get(f"/page/{first_page(run_out)}").text
    shown = re.sub(r"link to &#39;javascript:alert\(1\)&#39; uses an unsafe scheme", "", html)  # the unsafe-link finding names it
    assert XSS not in html and "javascript:" not in shown.replace("[click me](javascript:alert(1))", "")
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;xss&quot;)" in html
    assert 'href="javascript:' not in html
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js">']
    resp = client.get(f"/page/{first_page(run_out)}")
    assert "script-src 'self'" in resp.headers["content-security-policy"]


def test_diff_against_a_source(client, run_out):
    page = first_page(run_out)
    html = client.get(f"/page/{page}/diff", params={"doc": "worker.md"}).text
    assert 'class="d file"' in html and '<span class="d add">+## Overview</span>' in html
    assert client.get(f"/page/{page}/diff", params={"doc": "runbook.md"}).status_code == 404


def test_accept_reject_reset_persist(client, run_out):
    page = first_page(run_out)
    r = post(client, f"/page/{page}/decision", token=TOKEN, action="accept")
    assert r.status_code == 303
    d = load_decisions(run_out)[page]
    assert d.status == "accepted" and d.text == (run_out / "pages" / page).read_text()
    # survives a restart: a new app over the same folder
    again = TestClient(create_app(run_out, token="other"), base_url="http://127.0.0.1")
    assert 'data-status="accepted"' in again.get("/").text
    post(client, f"/page/{page}/decision", token=TOKEN, action="reject")
    assert load_decisions(run_out)[page].status == "rejected"
    post(client, f"/page/{page}/decision", token=TOKEN, action="reset")
    assert page not in load_decisions(run_out)


def test_edit_with_an_unsupported_number_is_flagged_and_cannot_be_accepted(client, run_out):
    page = first_page(run_out)
    text = (run_out / "pages" / page).read_text()
    bad = text.replace("Set concurrency to 8 for most installs.", "Set concurrency to 8 for most installs. It handles 9999 jobs per second.")
    assert bad != text
    assert post(client, f"/page/{page}/edit", token=TOKEN, text=bad).status_code == 303
    d = load_decisions(run_out)[page]
    assert d.status == "edited" and d.errors >= 1
    assert any(f["kind"] == "unsupported-fact" and "9999" in f["message"] for f in d.findings)
    html = client.get(f"/page/{page}").text
    assert "Your edit is flagged by the checker" in html and "9999" in html
    assert re.search(r'<p class="flagged">[^\n]*It handles 9999 jobs per second', html)
    assert post(client, f"/page/{page}/decision", token=TOKEN, action="accept").status_code == 409
    assert load_decisions(run_out)[page].status == "edited"
    good = text.replace("one by one.", "one at a time.", 1)
    post(client, f"/page/{page}/edit", token=TOKEN, text=good)
    assert load_decisions(run_out)[page].errors == 0
    post(client, f"/page/{page}/decision", token=TOKEN, action="accept")
    d = load_decisions(run_out)[page]
    assert d.status == "accepted" and "one at a time" in d.text


def test_posts_need_the_token_and_same_origin(client, run_out):
    page = first_page(run_out)
    assert post(client, f"/page/{page}/decision", token="wrong", action="accept").status_code == 403
    assert post(client, f"/page/{page}/decision", action="accept").status_code == 403
    r = client.post(f"/page/{page}/decision", data={"token": TOKEN, "action": "accept"},
                    headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    assert not (run_out / "review.json").exists()
    # DNS rebinding: a foreign Host is refused
    assert TestClient(create_app(run_out, token=TOKEN), base_url="http://evil.example").get("/").status_code == 400


@pytest.mark.parametrize("path", ["/page/..%2F..%2Fetc%2Fpasswd", "/page/../../etc/passwd", "/page/%2e%2e%2freport.json",
                                  "/static/..%2F..%2Fpipeline.py", "/static/../app.py", "/page/.consolidate",
                                  "/page/worker.md/diff?doc=../../../etc/passwd", "/page/worker.md/diff?doc=/etc/passwd"])
def test_no_request_reaches_outside_the_run(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "root:" not in r.text and "import " not in r.text


def test_traversal_posts_write_nothing(client, run_out, tmp_path):
    r = post(client, "/page/..%2F..%2Fevil.md/edit", token=TOKEN, text="x")
    assert r.status_code == 404
    assert not (run_out / "review.json").exists() and not list(tmp_path.rglob("evil.md"))


def test_review_command_serves_on_loopback_and_prints_the_url(run_out):
    import subprocess
    import sys
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "consolidate", "review", str(run_out), "--no-open"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200 and "Pages" in resp.read().decode()
        # the port it holds is refused to a second server, with a one-line error
        port = url.rsplit(":", 1)[1].strip("/")
        busy = subprocess.run([sys.executable, "-m", "consolidate", "review", str(run_out), "--no-open", "--port", port],
                              capture_output=True, text=True, timeout=60)
        assert busy.returncode == 2 and busy.stderr.startswith(f"error: port {port}:") and "Traceback" not in busy.stderr
    finally:
        proc.terminate()
        proc.wait(10)


def test_app_follows_a_later_run(client, run_out):
    from typer.testing import CliRunner

    from conftest import write
    from consolidate.cli import app
    from reviewkit import DOCS

    page = first_page(run_out)
    post(client, f"/page/{page}/decision", token=TOKEN, action="accept")
    docs = run_out.parent / "docs"
    write(docs, "worker.md", DOCS["worker.md"].replace("one by one", "in order"))
    assert CliRunner().invoke(app, ["run", str(docs), "--out", str(run_out), "-q"]).exit_code in (0, 1)
    html = client.get(f"/page/{page}").text
    assert "in order" in html and 'data-status="pending"' in html and "stale" in html


def test_a_page_with_many_source_lines_loads_each_source_when_needed(client, run_out, monkeypatch):
    import consolidate.web.app as web_app

    monkeypatch.setattr(web_app, "INLINE_SOURCE_LINES", 0)
    page = first_page(run_out)
    html = client.get(f"/page/{page}").text
    assert 'class="ln' not in html  # no source line is in the page itself
    lazy = re.search(r'<div class="lines" data-idx="0" data-lazy="([^"]+)">', html)
    assert lazy and lazy.group(1) == f"/page/{page}/source?doc=worker.md"
    r = client.get(lazy.group(1))
    data = r.json()
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert "Set concurrency to 8" in data["lines"][3] and 4 in data["cited"]
    assert XSS in "\n".join(data["lines"])  # text as JSON; the page puts it in with textContent
    assert client.get(f"/page/{page}/source?doc=nothere.md").status_code == 404
    assert client.get(f"/page/{page}/source?doc=../../etc/passwd").status_code == 404


def test_long_ledger_lists_are_cut_with_a_pointer_to_ledger_json(client, run_out, monkeypatch):
    import consolidate.web.app as web_app

    monkeypatch.setattr(web_app, "LEDGER_SHOWN", 0)
    html = client.get(f"/page/{first_page(run_out)}").text
    ledger = html[html.index('id="ledger"'):]
    assert "Dropped (1)" in ledger and "boilerplate" not in ledger
    assert "The first 0 are listed; 1 more are in <code>ledger.json</code>" in ledger


def test_a_claim_citing_many_sources_links_twenty_and_counts_the_rest():
    from consolidate.web import pageview

    marks = "".join(f"[^{i}]" for i in range(1, 26))
    defs = "\n".join(f"[^{i}]: `d{i}.md:1-1` (chunk `c{i}`)" for i in range(1, 26))
    html, cites = pageview.render(f"# P\n\nSaid everywhere.{marks}\n\n## Sources\n\n{defs}\n", [f"d{i}.md" for i in range(1, 26)])
    assert len(cites) == 25 and html.count('class="cite"') == 20 and "+5 more</span>" in html
    assert 'title="d1.md:1-1; ' in html and "; and 5 more" in html
