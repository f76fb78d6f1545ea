"""Nothing lost: generated trees of long and nested lists, long paragraphs, fences (some unclosed),
tables and headings, chunked at any size from 20 to 4,000 tokens. Every non-blank source line is in
the line ledger, none is unaccounted, and every kept list item and sentence is on a page verbatim."""

import json
import re
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from consolidate.pipeline import run
from consolidate.settings import Settings
from consolidate.stages.chunk import chunk_documents
from consolidate.stages.ingest import ingest

WORDS = ("queue worker deploy billing invoice tenant cluster region replica backup restore token "
         "schedule retry timeout ledger export import metric alert").split()


def _sentence(draw, tag: str) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=14))
    return f"The {' '.join(words)} step {tag} is documented."


@st.composite
def documents(draw, n_docs: int):
    """n_docs markdown texts and, per doc, the list items and sentences it holds (each unique)."""
    shared = [f"shared item {i} uses the [endpoint](https://example.com/{i})" for i in range(draw(st.integers(0, 4)))]
    docs, items, sents = [], [], []
    for d in range(n_docs):
        lines = [f"# Document {d} about the queue", ""]
        my_items, my_sents = [], []
        for s in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["list", "nested", "para", "fence", "table"]))
            lines += [f"## Section {d}-{s} {draw(st.sampled_from(WORDS))}", ""]
            if kind in ("list", "nested"):
                n = draw(st.integers(1, 500 if kind == "list" else 60))
                ordered = draw(st.booleans())
                for i in range(n):
                    depth = draw(st.integers(0, 3)) if kind == "nested" else 0
                    depth = min(depth, (len(my_items) and 3))
                    mark = f"{i + 1}." if ordered and depth == 0 else "-"
                    text = f"item {d}.{s}.{i} sets `VAR_{d}_{s}_{i}` to {i}"
                    lines.append("  " * depth * (2 if ordered else 1) + f"{mark} {text}")
                    my_items.append(text)
                for t in shared:  # the same words in every document, a different link in each
                    lines.append(f"- {t.replace('example.com', f'example.com/d{d}')}")
                    my_items.append(t.replace('example.com', f'example.com/d{d}'))
                lines.append("")
            elif kind == "para":
                ss = [_sentence(draw, f"{d}.{s}.{i}") for i in range(draw(st.integers(1, 260)))]
                my_sents += ss
                lines += textwrap.wrap(" ".join(ss), draw(st.integers(60, 120))) + [""]
            elif kind == "fence":
                lines += ["```bash", f"deploy --doc {d} --section {s}"]
                if draw(st.booleans()):
                    lines += ["```", ""]
                else:
                    lines += ["", f"Text after an unclosed fence {d}.{s}."]  # swallowed by the fence: code
            else:
                lines += ["| key | value |", "| --- | --- |"]
                lines += [f"| key_{d}_{s}_{i} | {i} |" for i in range(draw(st.integers(1, 30)))] + [""]
        docs.append("\n".join(lines) + "\n")
        items.append(my_items)
        sents.append(my_sents)
    return docs, items, sents


def _page_text(out: Path) -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((out / "pages").rglob("*.md")))
    return re.sub(r"\[\^\d+\]", "", text)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), max_tokens=st.sampled_from([20, 33, 64, 150, 400, 1000, 4000]))
def test_no_line_lost_at_any_chunk_size(tmp_path_factory, data, max_tokens):
    tmp = tmp_path_factory.mktemp("tree")
    n_docs = data.draw(st.integers(1, 3))
    docs, items, sents = data.draw(documents(n_docs))
    root = tmp / "docs"
    root.mkdir()
    for i, text in enumerate(docs):
        (root / f"doc{i}.md").write_text(text, encoding="utf-8")
    out = tmp / "out"
    res = run([root], out, Settings.model_validate({"chunk": {"max_tokens": max_tokens}}))
    ledger = json.loads((out / "ledger.json").read_text())
    assert ledger["coverage"]["unaccounted"] == 0
    assert not [f for f in res.findings if f.kind in ("unaccounted", "kept-not-shown")]
    for i, text in enumerate(docs):
        nonblank = sum(1 for ln in text.splitlines() if ln.strip())
        runs = ledger["lines"][f"doc{i}.md"]
        assert sum(r["lines"] for r in runs) == nonblank
    page = _page_text(out)
    # a paragraph after an unclosed fence is code, shown with its line breaks; compare words, not wraps
    page_flat = " ".join(page.split())
    kept = {(r_doc, n) for r_doc, runs in ledger["lines"].items() for r in runs if r["status"] == "kept"
            for n in range(r["start"], r["end"] + 1)}
    for i, text in enumerate(docs):
        lines = text.splitlines()
        for item in items[i]:
            no = next(n for n, ln in enumerate(lines, 1) if ln.endswith(" " + item))
            if (f"doc{i}.md", no) in kept:
                assert item in page, (max_tokens, item)
        flat = " ".join(text.split())
        for s in sents[i]:
            assert s in flat
            assert s in page_flat or not _kept_sentence(lines, s, kept, f"doc{i}.md"), (max_tokens, s)
    assert res.errors == 0, [f.message for f in res.findings if f.severity == "error"][:5]


def _kept_sentence(lines: list[str], sentence: str, kept: set, doc: str) -> bool:
    first = sentence.split()[:3]
    for n, ln in enumerate(lines, 1):
        if " ".join(first) in ln and (doc, n) in kept:
            return True
    return False


@given(n=st.integers(1, 500), max_tokens=st.integers(20, 10_000))
@settings(max_examples=40, deadline=None)
def test_chunks_cover_every_line_once(tmp_path_factory, n, max_tokens):
    """Chunks of one document tile its body: no line in two chunks, no non-blank line in none."""
    root = tmp_path_factory.mktemp("c") / "docs"
    root.mkdir()
    body = ["# Vars", ""] + [f"- `V_{i}`: value {i}" + ("\n  continued" if i % 7 == 0 else "") for i in range(n)]
    body += ["", " ".join(f"Sentence {i} says a thing." for i in range(n))]
    (root / "a.md").write_text("\n".join(body) + "\n", encoding="utf-8")
    docs, texts, _ = ingest([root], max_bytes=10**7)
    chunks, _ = chunk_documents(docs, texts, max_tokens=max_tokens)
    seen: dict[int, str] = {}
    for c in chunks:
        for line in range(c.start, c.end + 1):
            assert line not in seen
            seen[line] = c.id
    lines = texts["a.md"]
    assert all(n in seen for n, ln in enumerate(lines, 1) if ln.strip() and not ln.startswith("# "))


def _run(tmp_path, files: dict[str, str], **settings):
    root = tmp_path / "docs"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    res = run([root], out, Settings.model_validate(settings))
    return res, _page_text(out), json.loads((out / "ledger.json").read_text())


def test_items_differing_only_in_link_are_both_kept(tmp_path):
    res, page, _ = _run(tmp_path, {
        "a.md": "# Deploy\n\nDeploy the service to the cluster.\n\n- See the [runbook](https://a.example/run) first\n",
        "b.md": "# Deploy\n\nDeploy the service to the cluster.\n\n- See the [runbook](https://b.example/run) first\n"})
    assert "https://a.example/run" in page and "https://b.example/run" in page
    assert res.errors == 0


def test_a_sub_item_is_merged_only_under_the_same_item(tmp_path):
    res, page, _ = _run(tmp_path, {
        "a.md": "# Deploy steps\n\nDeploy the service.\n\n- Build the image\n  - run make build\n- Push it\n",
        "b.md": "# Deploying\n\nDeploy the service.\n\n- Prepare the host\n  - run make build\n- Push it\n"})
    assert page.count("run make build") == 2  # under "Build the image" and under "Prepare the host"
    assert page.count("- Push it") == 1
    assert res.errors == 0


def test_unclosed_fence_is_closed_where_its_source_ends(tmp_path):
    res, page, ledger = _run(tmp_path, {
        "a.md": "# Deploy\n\nRun the deploy script on the host.\n\n```bash\n./deploy.sh --prod\n\nAfter deploy, check logs.\n",
        "b.md": "# Deploy\n\nRun the deploy script on the host first.\n\nThe deploy takes five minutes.\n"})
    assert sum(1 for ln in page.splitlines() if ln.startswith("```")) % 2 == 0
    assert "\n## Sources" in page and "The deploy takes five minutes." in page
    assert res.errors == 0 and ledger["coverage"]["unaccounted"] == 0


def test_a_wrapped_line_starting_with_a_number_stays_in_its_paragraph(tmp_path):
    text = "# Limits\n\nThe queue holds at most 500 jobs and the retry count is\n7. Jobs past that are dropped.\n"
    res, page, _ = _run(tmp_path, {"a.md": text})
    assert "retry count is 7. Jobs past that are dropped." in page
    assert res.errors == 0


def test_a_statement_another_source_restates_is_merged_into_it_page_wide(tmp_path):
    """Not side by side, not verbatim: b's bullet says what a's sentence says, in its own words and
    fewer of them, with the same facts; it is cited on a's sentence and merged in the ledger. A
    numbered step and a statement with another figure are kept."""
    res, page, ledger = _run(tmp_path, {
        "a.md": "# Backups\n\nThe harbor server writes a nightly backup of every ledger into the `backups/` folder at 02:00.\n\n"
                "## Restore\n\nThe harbor server must stop before restoring any ledger backup.\n",
        "b.md": "# Backups\n\n## Storage\n\n- Nightly ledger backup written into the `backups/` folder\n"
                "- Backups of every ledger are kept for 14 days in the folder\n\n"
                "## Steps\n\n1. Stop the harbor server before restoring the backup.\n"})
    assert "Nightly ledger backup written" not in page
    assert "kept for 14 days" in page and "1. Stop the harbor server before restoring the backup." in page
    merged = [e for e in ledger["entries"] if e["doc"] == "b.md" and e["status"] == "merged"]
    assert [(e["start"], e["duplicate_of"]["doc"]) for e in merged] == [(5, "a.md")]
    assert res.errors == 0


def test_a_source_repeating_itself_under_another_heading_keeps_the_repeat(tmp_path):
    res, page, _ = _run(tmp_path, {
        "a.md": "# Release\n\n## Deploy to staging\n\nOnce deployed, check these:\n\n- Check the smoke test results on the dashboard\n"
                "- Watch the error tracker for new errors\n\n## Deploy to production\n\nAgain:\n\n"
                "- Check the smoke test results on the dashboard\n- Watch the error tracker for new errors\n",
        "b.md": "# Release\n\n## Deploy to staging\n\n- Check the smoke test results on the dashboard\n"})
    assert page.count("- Check the smoke test results on the dashboard") == 2  # b's copy merged, a's repeat kept
    assert page.index("Again:") < page.rindex("- Watch the error tracker")
    assert res.errors == 0
