"""An HTML comment is a block of its own that ends at `-->` (CommonMark's HTML block 2), and no
reader sees it: the ledger drops it as `comment`. Before, "<!-- link references -->" took the
link reference definitions under it into one HTML block, so the page showed the comment with a
`Sources:` line and every `[Get-Job][09]` link unresolved (PowerShell-Docs' about pages)."""

import json

from consolidate import pipeline
from consolidate.markdown.blocks import scan_blocks
from consolidate.settings import Settings

A = """# Remote jobs

Use [Receive-Job][01] to get the results of a job on the remote computer.

<!-- editors: keep the
link list below sorted -->

Jobs end when their session ends.

<!-- link references -->
[01]: https://example.com/receive-job
"""

B = """# Receive-Job

Receive-Job gets the results of background jobs in the current session.
"""


def test_a_comment_ends_at_its_closing_line_even_across_a_blank_line():
    lines = A.split("\n")
    kinds = [(b.kind, b.start, b.end) for b in scan_blocks(lines, 0).blocks]
    assert ("html", 5, 6) in kinds and ("html", 10, 10) in kinds and ("paragraph", 11, 11) in kinds


def test_comments_are_dropped_as_comment_and_references_resolve(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "remote-jobs.md").write_text(A)
    (root / "receive-job.md").write_text(B)
    out = tmp_path / "out"
    pipeline.run([root], out, Settings())
    pages = "\n".join(p.read_text() for p in sorted((out / "pages").rglob("*.md")))
    assert "<!--" not in pages and "][01]" not in pages
    assert "[Receive-Job](https://example.com/receive-job)" in pages  # inlined where the link is used
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0 and report["coverage"]["unaccounted"] == 0
    ledger = json.loads((out / "ledger.json").read_text())
    runs = ledger["lines"]["remote-jobs.md"]
    comment = [r for r in runs if r.get("reason") == "comment"]
    assert sorted(n for r in comment for n in range(r["start"], r["end"] + 1)) == [5, 6, 10]
