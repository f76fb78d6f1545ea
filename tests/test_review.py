import json
import re

from consolidate.review import render_review

XSS = '<script>alert("xss")</script>'

PAGE = f"""---
title: "Background worker"
sources:
  - "docs/worker/overview.md"
generated: "2026-11-22"
generator: "consolidate 0.1.0 (extractive)"
topic: t03
---

# Background worker

## Overview

First sentence {XSS}.[^1] Second sentence.[^2][^3]

- a list item with **bold** and `code`[^1]
- see [other](other.md#setup) and [site](https://example.com/a?b=1&c=2) and [bad](javascript:alert(1))

```bash
tidectl worker start {XSS}
```

| Key | Value |
| --- | ----- |
| a | 1[^2] |

> **Sources disagree:** 8 vs 4. Check which is current before relying on either.[^2][^3]

## Sources

[^1]: `docs/worker/overview.md:12-12` (chunk `c1a2b3c4d5e6f`)
[^2]: `docs/worker/overview.md:13-14` (chunk `c1a2b3c4d5e6f`)
[^3]: `docs/missing.md:1-2` (chunk `deadbeef0001`)
"""

OTHER = """---
title: "Other"
---

# Other

## Setup

Do it.[^1]

## Sources

[^1]: `docs/worker/overview.md:1-1` (chunk `aaaa`)
"""

SOURCES = {"docs/worker/overview.md": [f"line {i} {XSS if i == 12 else ''}" for i in range(1, 41)]}

FINDINGS = [
    {"severity": "error", "kind": "uncited", "page": "background-worker.md",
     "line": PAGE.splitlines().index(next(ln for ln in PAGE.splitlines() if ln.startswith("First"))) + 1,
     "message": f"no citation for {XSS}"},
    {"severity": "warning", "kind": "conflict", "page": "background-worker.md", "line": None,
     "message": "page level warning"},
    {"severity": "error", "kind": "broken-link", "page": "docs/worker/overview.md", "line": 3,
     "message": "run level finding"},
]


def render():
    return render_review([("background-worker.md", PAGE), ("other.md", OTHER)], SOURCES, FINDINGS)


def test_content_is_escaped_and_only_own_scripts():
    html = render()
    assert XSS not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.I)
    assert scripts == ['<script type="application/json" id="data">', "<script>"]
    # the JSON block cannot be closed by content and still round-trips
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    raw = m.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    assert data["sources"]["docs/worker/overview.md"][11] == f"line 12 {XSS}"
    # unsafe link schemes are not turned into links
    assert "javascript:" not in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html


def test_citations_are_clickable_and_point_at_spans():
    html = render()
    assert re.search(r'<a href="#" class="cite" data-doc="docs/worker/overview.md" data-start="12" '
                     r'data-end="12"[^>]*>1</a>', html)
    assert re.search(r'class="cite" data-doc="docs/worker/overview.md" data-start="13" data-end="14"[^>]*>2</a>', html)
    # a cited doc missing from sources is still clickable but flagged
    assert re.search(r'class="cite nosrc" data-doc="docs/missing.md" data-start="1" data-end="2"', html)
    # footnote definitions are not rendered as paragraphs
    assert "<p>[^1]:" not in html
    assert 'class="pagelink" data-page="other.md" data-file="other.html" data-anchor="setup"' in html
    assert 'id="p1-setup"' in html


def test_markdown_blocks_render():
    html = render()
    assert "<h1 id=\"p0-background-worker\">Background worker</h1>" in html
    assert "<pre><span class=\"lang\">bash</span><code>tidectl worker start &lt;script&gt;" in html
    assert "<th>Key</th>" in html and "<td>a</td>" in html
    assert "<blockquote><p><strong>Sources disagree:</strong>" in html
    assert "<ul><li>a list item with <strong>bold</strong> and <code>code</code>" in html
    assert "title: " not in html  # front matter skipped


def test_findings_placed():
    html = render()
    sec = re.search(r'<section class="page active" id="page-0".*?</section>', html, re.S).group(0)
    # the finding's line is the "First sentence" paragraph: the finding follows that block
    para = sec.index("First sentence")
    err = sec.index("no citation for &lt;script&gt;")
    assert para < err < sec.index("a list item")
    # page finding without line is at the top, before the first heading
    assert sec.index("page level warning") < sec.index("<h1")
    # run-level finding in the Run findings section
    run = re.search(r'<section class="page" id="page-2"><h1>Run findings</h1>.*?</section>', html, re.S).group(0)
    assert "run level finding" in run and "page level warning" not in run
    # counts in the selector
    nav = re.search(r'<nav id="nav">.*?</nav>', html, re.S).group(0)
    assert '<span class="fn">background-worker.md</span><span class="badge err">1</span><span class="badge warn">1</span>' in nav


def test_deterministic():
    assert render() == render()
    shuffled = dict(reversed(list({**SOURCES, "a.md": ["x"]}.items())))
    a = render_review([("p.md", PAGE)], shuffled, FINDINGS)
    b = render_review([("p.md", PAGE)], {"a.md": ["x"], **SOURCES}, FINDINGS)
    assert a == b


def test_empty_inputs():
    html = render_review([], {}, [])
    assert html.startswith("<!DOCTYPE html>") and "Run findings" in html


def test_a_claim_citing_many_sources_shows_twenty_marks_and_a_count():
    marks = "".join(f"[^{i}]" for i in range(1, 31))
    defs = "\n".join(f"[^{i}]: `d{i}.md:1-1` (chunk `c{i}`)" for i in range(1, 31))
    page = f"---\ntitle: \"P\"\n---\n\n# P\n\nSaid everywhere \ue010 5 \ue011.{marks}\n\n## Sources\n\n{defs}\n"
    html = render_review([("p.md", page)], {f"d{i}.md": ["x"] for i in range(1, 31)}, [])
    body = html[html.index("Said everywhere"):html.index('class="refs"')]
    assert body.count('class="cite"') == 20 and '<sup class="more"' in body and "+10 more</sup>" in body
    assert "\ue010" not in html and "Said everywhere  5 .<sup>" in body  # the page's own private-use marks are not read as a count
    refs = html[html.index('class="refs"'):]
    assert refs.count('class="cite"') == 30  # every source is still one click away in the list at the end


def test_a_link_between_pages_in_section_folders_names_the_page_and_its_review_file():
    """Pages sit in their sections' folders (docs/api/client.md): a relative link is read from the
    page's folder; the per-page review file of docs/api/client.md is review/docs~api~client.html."""
    from consolidate.review import page_file
    page = "---\ntitle: A\n---\n\n# A\n\nSee [the client](../api/client.md#setup).\n"
    html = render_review([("docs/guide/a.md", page), ("docs/api/client.md", OTHER)], SOURCES, [])
    assert 'data-page="docs/api/client.md" data-file="docs~api~client.html" data-anchor="setup"' in html
    assert page_file("docs/api/client.md") == "review/docs~api~client.html" and page_file("top.md") == "review/top.html"
