"""The eval's length, repetition, residue and drop columns (ratio, hratio, dup, meta, drop)."""

from __future__ import annotations

import json
from pathlib import Path

from consolidate.evaluate.metrics import (body, dropped_shares, duplicate_rate, note_lines, residue_docs_kept,
                                          residue_sentences, source_words, words)
from consolidate.evaluate.report import markdown, regressions

ROOT = Path(__file__).resolve().parents[1]

PAGE = """---
title: Deploying
---
# Deploying

Run `make deploy` on the build host.[^1] It takes 4 minutes.[^2]

Sources: [^1]

**Sources disagree:** deploy timeout: 4 minutes (a.md) vs 9 minutes (b.md).[^2][^3]

## Sources

[^1]: a.md, lines 3-3
[^2]: a.md, lines 4-4
"""


def test_words_leave_out_provenance_front_matter_and_our_notes():
    assert words(body(PAGE)) == 12  # "Deploying" + 11 words of the paragraph; no marks, Sources, note
    assert words("- | --- | # ``` a-b `x` 3") == 3  # markdown marks alone are not words
    assert [words(n) for n in note_lines(PAGE)] == [11]
    assert source_words(["---\ntitle: Long front matter here\n---\n# One two\n"]) == 2


def test_dup_counts_repeats_across_the_page_set():
    assert duplicate_rate(["Run the job. Stop it.", "- run the job!\n\n```\nRun the job.\n```"]) == round(1 - 2 / 3, 4)
    assert duplicate_rate([]) == 0.0


def test_meta_counts_sentences_about_the_page_and_residue():
    text = "# Setup\n\nThis page walks through setting up the agent. Install it first.\n\n- TODO: add screenshots\n"
    text += "\nSee [Setup](setup.md). See [Deploying](../ops/deploying.md).\n"
    assert residue_sentences({"guides/setup.md": text, "other.md": "See [Setup](guides/setup.md).\n"}) == [
        ("meta", "This page walks through setting up the agent."), ("draft-residue", "TODO: add screenshots"),
        ("meta", "See [Setup](setup.md).")]  # a pointer to the page it is on; the others point elsewhere


def test_prompt_files_still_cited_are_listed():
    sources = {"docs/bootstrap-prompt.md": "# Bootstrap prompt\n\n**Task**: Please scaffold the service.\n",
               "docs/install.md": "# Install\n\nRun it.\n", "docs/old-prompt.md": "# Prompt\n\nYour task is to merge.\n"}
    ledger = {"lines": {"docs/bootstrap-prompt.md": [{"lines": 2, "status": "kept"}],
                        "docs/install.md": [{"lines": 2, "status": "kept"}],
                        "docs/old-prompt.md": [{"lines": 2, "status": "dropped", "reason": "stale"}]}}
    assert residue_docs_kept(sources, ledger) == ["docs/bootstrap-prompt.md"]


def test_dropped_lines_by_reason_from_the_line_ledger():
    ledger = {"lines": {"a.md": [{"lines": 6, "status": "kept"}, {"lines": 2, "status": "dropped", "reason": "stale"}],
                        "b.md": [{"lines": 1, "status": "dropped", "reason": "front-matter"},
                                 {"lines": 1, "status": "dropped", "reason": "stale"}]}}
    assert dropped_shares(ledger) == {"front-matter": 0.1, "stale": 0.3}
    assert dropped_shares({}) == {}


def test_ratio_is_gated_lower_is_better(tmp_path):
    base = json.loads((ROOT / "eval" / "results" / "baseline.json").read_text())
    assert all("ratio" in m for m in base["fixtures"].values())
    row = {"backend": "extractive", "kind": "fixture", "name": "api-split", "pages": 1, "dropped": 0.25,
           "dropped_by_reason": {"heading": 0.25}}
    for name, m in base["fixtures"].items():
        base["fixtures"][name] = {"ratio": m["ratio"]}
    (tmp_path / "b.json").write_text(json.dumps({"fixtures": {"api-split": base["fixtures"]["api-split"]}}))
    old = base["fixtures"]["api-split"]["ratio"]
    assert regressions({"rows": [row | {"ratio": old - 0.3}]}, tmp_path / "b.json") == []  # shorter is fine
    assert regressions({"rows": [row | {"ratio": old + 0.03}]}, tmp_path / "b.json") == [
        f"api-split: ratio {old} -> {old + 0.03} (tolerance 0.02)"]
    md = markdown({"rows": [row | {"ratio": 0.5}], "overall": [], "skipped": {}})
    assert "- **api-split** (extractive): 25.0% dropped (heading 25.0%)" in md and "| ratio | hratio | meta | drop |" in md
