from pathlib import Path

import pytest

from conftest import write
from consolidate.errors import UsageError
from consolidate.markdown.blocks import scan_blocks
from consolidate.markdown.slugs import Slugger
from consolidate.stages.chunk import chunk_documents
from consolidate.stages.ingest import ingest, parse_document

DOC = """---
title: Worker guide
tags: [ops]
---
# Worker

Intro with a [link](other.md#setup) and <https://example.com/a>.
See [the ref][r] and ![diagram](img/arch.png).

[r]: ../deploy/prod.md

## Setup

| key | default |
|-----|---------|
| concurrency | 8 |

```bash
# not a heading
tidectl worker start --dry-run
```

- one
- two
"""


def test_parse_document_front_matter_headings_links_and_blocks():
    doc, lines, findings = parse_document(DOC, "docs/worker.md", "/r", "x")
    assert findings == []
    assert doc.title == "Worker guide" and doc.front_matter["tags"] == ["ops"]
    assert doc.body_start == 5
    assert [(h.text, h.anchor, h.line) for h in doc.headings] == [("Worker", "worker", 5), ("Setup", "setup", 12)]
    kinds = {(l.kind, l.target, l.line) for l in doc.links}
    assert ("inline", "other.md#setup", 7) in kinds
    assert ("autolink", "https://example.com/a", 7) in kinds
    assert ("reference", "../deploy/prod.md", 8) in kinds
    assert ("image", "img/arch.png", 8) in kinds
    spans = [(b.kind, b.start, b.end) for b in doc.blocks]
    assert ("table", 14, 16) in spans and ("code", 18, 21) in spans and ("list", 23, 24) in spans
    assert "# not a heading" in lines[18]


def test_slugger_github_and_mkdocs_rules():
    s = Slugger("github")
    assert [s("Retries & DLQ"), s("Retries & DLQ"), s("Set `TIDEWATER_X`")] == ["retries--dlq", "retries--dlq-1", "set-tidewater_x"]
    m = Slugger("mkdocs")
    assert [m("Retries & DLQ"), m("Retries & DLQ")] == ["retries-dlq", "retries-dlq_1"]
    assert Slugger("github")("Custom {#my-id}") == "my-id"


def test_setext_and_unclosed_fence():
    scan = scan_blocks(["Title", "=====", "", "```", "code"], 1)
    assert [(b.kind, b.start, b.end) for b in scan.blocks] == [("heading", 1, 2), ("code", 4, 5)]
    assert scan.unclosed_fence == 4


def test_chunks_keep_exact_spans_and_never_split_code_or_tables(tmp_path):
    big_code = "```python\n" + "\n".join(f"x_{i} = {i}" for i in range(300)) + "\n```"
    big_para = "\n".join(f"Sentence number {i} talks about the worker queue." for i in range(200))
    write(tmp_path, "a.md", f"# A\n\n{big_para}\n\n## Code\n\n{big_code}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    docs, texts, _ = ingest([tmp_path], max_bytes=10**7)
    chunks, findings = chunk_documents(docs, texts, max_tokens=200)
    for c in chunks:
        assert "\n".join(texts[c.doc][c.start - 1:c.end]) == c.text
        assert c.text.count("```") % 2 == 0, "a chunk boundary fell inside a code fence"
    assert any(f.kind == "oversized-block" for f in findings)
    prose = [c for c in chunks if "Sentence number" in c.text]
    assert len(prose) > 1 and all(c.tokens <= 200 for c in prose)
    assert len({c.id for c in chunks}) == len(chunks)
    again, _ = chunk_documents(docs, texts, max_tokens=200)
    assert [c.id for c in again] == [c.id for c in chunks]


def test_bad_files_are_warnings_not_crashes(tmp_path):
    write(tmp_path, "good.md", "# Good\n\nFine text.\n")
    write(tmp_path, "binary.md", b"\x00\x01\x02binary")
    write(tmp_path, "latin1.md", "caf\xe9".encode("latin-1"))
    write(tmp_path, "big.md", "# Big\n\n" + "x" * 5000)
    write(tmp_path, "empty.md", "")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "self").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "dangling.md")
    locked = write(tmp_path, "locked.md", "# Locked\n")
    locked.chmod(0)
    docs, _, findings = ingest([tmp_path], max_bytes=1000)
    assert [d.path for d in docs] == ["good.md"] + (["locked.md"] if _root() else [])
    msgs = " | ".join(f.message for f in findings)
    for needle in ("binary.md: skipped: binary", "latin1.md: skipped: not valid UTF-8", "big.md: skipped",
                   "empty.md: skipped: empty", "symlink loop", "dangling.md: skipped"):
        assert needle in msgs, needle
    assert all(f.severity == "warning" for f in findings)


def _root() -> bool:
    import os
    return os.geteuid() == 0  # root reads mode-000 files, so the unreadable case can't be produced


def test_missing_or_empty_root_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        ingest([tmp_path / "nope"], max_bytes=100)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no markdown files"):
        ingest([tmp_path / "empty"], max_bytes=100)


def test_several_roots_are_prefixed(tmp_path):
    write(tmp_path, "a/docs/x.md", "# X\n")
    write(tmp_path, "b/docs/x.md", "# Y\n")
    docs, _, _ = ingest([tmp_path / "a", tmp_path / "b"], max_bytes=100)
    assert [d.path for d in docs] == ["a/docs/x.md", "b/docs/x.md"]


def test_doubled_and_other_extensions(tmp_path):
    for name in ("a.md", "b.mdx", "c.markdown", "d.html.md", "e.txt"):
        write(tmp_path, name, "# T\n\ntext\n")
    docs, _, _ = ingest([tmp_path], max_bytes=100)
    assert [d.path for d in docs] == ["a.md", "b.mdx", "c.markdown", "d.html.md"]


def test_text_after_a_fence_nested_in_a_list_goes_on_with_the_list():
    # at the large tree: an indented paragraph after a nested fence was read as an indented code
    # block, copied as such after the list in a page, where it became uncited list text
    lines = ["1. Edit the file.", "", "   - Enable keys:", "", "     ```", "     Pubkey yes", "     ```", "",
             "     For more information, see the manpage.", "", "   - Add a subsystem.", "", "Then:", "",
             "    indented code"]
    kinds = [(b.kind, b.start) for b in scan_blocks(lines).blocks]
    assert kinds == [("list", 1), ("code", 5), ("paragraph", 9), ("list", 11), ("paragraph", 13), ("code", 15)]
