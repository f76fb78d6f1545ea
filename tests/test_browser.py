"""The review app in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

Skipped, with the reason printed, when /usr/bin/chromium or the playwright package is missing;
.ci/run installs Chromium so CI runs these.
"""

import json
import os
import shutil
import threading
import time
import warnings
from pathlib import Path

import pytest

from consolidate.web.app import bind, create_app
from conftest import page_file
from reviewkit import first_page, make_run

CHROMIUM = os.environ.get("CONSOLIDATE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None

REASON = ("BROWSER TESTS SKIPPED: " + ("the playwright package is not installed (pip install -e '.[test]')"
          if sync_playwright is None else f"{CHROMIUM} not found (apt-get install chromium)"))
if sync_playwright is None or not Path(CHROMIUM).exists():
    warnings.warn(REASON)  # shown in pytest's warnings summary, not only with -rs
    pytestmark = pytest.mark.skip(reason=REASON)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = make_run(tmp_path_factory.mktemp("browser"))
    mp.undo()
    sock = bind(0)
    srv = uvicorn.Server(uvicorn.Config(create_app(out), log_level="warning", lifespan="off"))
    t = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", out
    srv.should_exit = True
    t.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    ctx.close()


def test_click_a_citation_highlights_its_source_span(server, page):
    url, out = server
    name = first_page(out)
    page.goto(url + "/")
    page.click(f'tr[data-page="{name}"] a')
    page.wait_for_selector("#rendered")
    cite = page.locator('a.cite[data-doc="worker.md"][data-start="4"]').first
    cite.click()
    active = page.locator("#sources .ln.active")
    assert active.count() == 1
    assert active.first.get_attribute("id") == "src-0-L4"
    assert "Set concurrency to 8" in active.first.inner_text()
    assert page.locator("#srchead").inner_text() == "worker.md:4-4"
    assert active.first.is_visible()
    # hovering a sentence shows its citations (tooltip) and marks their lines
    sent = page.locator("span.sent", has_text="A failed job is retried").first
    sent.hover()
    assert sent.get_attribute("title") == "worker.md:5-5"
    assert page.locator("#sources .ln.hover").first.get_attribute("id") == "src-0-L5"
    # document content is text, never markup: the <script> in worker.md did not run
    assert page.dialogs == [] and "<script>" in page.locator("#src-0-L11").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-side-by-side.png"))


def test_a_lazy_source_panel_fills_on_a_citation_click(server, page, monkeypatch):
    import consolidate.web.app as web_app

    monkeypatch.setattr(web_app, "INLINE_SOURCE_LINES", 0)
    url, out = server
    page.goto(url + f"/page/{first_page(out)}")
    assert page.locator("#sources .ln").count() == 0
    page.locator('a.cite[data-doc="worker.md"][data-start="4"]').first.click()
    page.wait_for_selector("#sources .ln.active")
    assert page.locator("#sources .ln.active").first.get_attribute("id") == "src-0-L4"
    assert page.dialogs == [] and "<script>" in page.locator("#src-0-L11").inner_text()


def test_static_review_page_loads_a_cited_source_on_click(server, page):
    _, out = server
    page.goto((out / "review" / (first_page(out)[:-3] + ".html")).resolve().as_uri())
    assert page.locator("#srcbody .ln").count() == 0
    page.locator('a.cite[data-doc="worker.md"]').first.click()
    page.wait_for_selector("#srcbody .ln.hl")
    assert page.locator("#srchead").inner_text().startswith("worker.md")
    assert page.dialogs == [] and "<script>" in page.locator("#srcbody").inner_text()


def test_accept_a_page_writes_review_json(server, page):
    url, out = server
    name = [page_file(n) for n in json.loads((out / "plan.json").read_text())["pages"] if page_file(n) != first_page(out)][0]
    page.goto(f"{url}/page/{name}")
    page.click("#accept")
    page.wait_for_selector("#flash")
    assert page.locator(".bar .status").get_attribute("data-status") == "accepted"
    data = json.loads((out / "review.json").read_text())
    assert data["pages"][name]["status"] == "accepted"
    page.goto(url + "/")
    assert page.locator(f'tr[data-page="{name}"] .status').inner_text() == "accepted"


def test_an_edit_adding_an_unsupported_number_is_flagged(server, page):
    url, out = server
    name = first_page(out)
    page.goto(f"{url}/page/{name}")
    page.click("#editor summary")
    box = page.locator("#edit-text")
    text = box.input_value()
    assert "runs them one by one." in text
    box.fill(text.replace("runs them one by one.", "runs them one by one. Each worker runs 64 jobs at once.", 1))
    page.click("#save-edit")
    page.wait_for_selector("#recheck")
    flagged = page.locator("#recheck")
    assert "flagged by the checker" in flagged.inner_text() and "'64'" in flagged.inner_text()
    assert page.locator("#accept").is_disabled()
    assert "64 jobs at once" in page.locator("#rendered .flagged").first.inner_text()  # the sentence is marked in the page
    d = json.loads((out / "review.json").read_text())["pages"][name]
    assert d["status"] == "edited" and d["findings"][0]["kind"] == "unsupported-fact"
    # the edit survives a reload, shown on the left
    page.reload()
    assert "64 jobs at once" in page.locator("#rendered").inner_text()


def test_no_javascript_link_is_clickable(server, page):
    url, out = server
    page.goto(f"{url}/page/{first_page(out)}")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and not [h for h in hrefs if h.lower().startswith("javascript:")]
