"""One readable note per disagreement: subject, each value with the documents that give it; the
checker proves each value against a cited side of the documents named after it."""

import json
import re

from typer.testing import CliRunner

from conftest import write
from consolidate.checks.notes import format_note, note_groups
from consolidate.cli import app

DOCS = {
    "a.md": "# Install\n\nTidewater requires PostgreSQL 15 or later.\n\nRun the installer on the host.\n",
    "b.md": "# Install guide\n\nTidewater requires PostgreSQL 14 or later.\n\nRun the installer on the host.\n",
    "c.md": "# Setup\n\nTidewater requires PostgreSQL 14 or later.\n\nRun the installer on the host.\n",
}


def test_note_format_reads_back():
    text = format_note("PostgreSQL minimum version", [("15", ["docs/a (1).md"]), ("14", ["b.md", "x,y.md"])])
    body = text.split(":**", 1)[1].split(". Check", 1)[0].rsplit(": ", 1)[1]
    groups = note_groups(body)
    assert [v for v, _ in groups] == ["15", "14"] and len(groups[1][1]) == 2


def _run(tmp_path, docs: dict[str, str]):
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def test_one_note_names_each_value_and_its_documents(tmp_path):
    out = _run(tmp_path, DOCS)
    pages = "".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    notes = [ln for ln in pages.splitlines() if ln.startswith("> **Sources disagree:**")]
    assert len(notes) == 1, notes
    assert "Tidewater requires PostgreSQL or later: " in notes[0]
    assert "15 (a.md)" in notes[0] and "14 (b.md, c.md)" in notes[0]
    # a note that gives a value for a document that does not hold it is an error
    page = next(p for p in (out / "pages").rglob("*.md") if "Sources disagree" in p.read_text())
    page.write_text(page.read_text().replace("15 (a.md)", "15 (b.md)").replace("14 (b.md, c.md)", "14 (a.md, c.md)"))
    r = CliRunner().invoke(app, ["check", str(out), "--json"])
    found = json.loads(r.output)["findings"]
    assert any(f["kind"] == "unsupported-fact" and "15" in f["message"] for f in found), found


def test_a_note_on_a_step_waits_for_the_end_of_its_list(tmp_path):
    out = _run(tmp_path, {"a.md": "# Set up the harbor\n\n1. Install Python 3.11 or later on the harbor host.\n"
                                   "2. Run the harbor installer as root.\n3. Start the harbor service.\n\nThe harbor is ready.\n",
                          "b.md": "# Set up the harbor\n\n1. Install Python 3.10 or later on the harbor host.\n"})
    page = "".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    lines = page.splitlines()
    note = next(i for i, ln in enumerate(lines) if ln.startswith("> **Sources disagree:**"))
    steps = [i for i, ln in enumerate(lines) if ln[:3] in ("1. ", "2. ", "3. ")]
    assert len(steps) == 4 and note > max(steps), page  # after the whole list, not between its steps
    assert json.loads((out / "report.json").read_text())["errors"] == 0



def test_a_side_said_again_in_the_same_words_is_shown_once_citing_both(tmp_path):
    """Two sources giving the same side word for word: one line on the page, cited to both, and
    the note names both; the copy is merged into it in the ledger."""
    same = "Each berth holds up to 40 boats on weekdays."
    docs = {"a.md": "# Berths\n\nBerths are booked a day ahead. Each berth holds up to 30 boats on weekdays.\n\n"
                    "## Booking\n\nBook a berth at the harbor office before noon.\n",
            "b.md": f"# Berths\n\n{same}\n", "c.md": f"# Berths\n\n{same}\n"}
    out = _run(tmp_path, docs)
    page = "".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    body = page.split("## Sources")[0]
    assert body.count(same) == 1, body
    assert re.search(re.escape(same) + r"\[\^\d+\]\[\^\d+\]$", body, re.M), body
    note = next(ln for ln in body.splitlines() if ln.startswith("> **Sources disagree:**"))
    assert re.search(r"40 \((b\.md, c\.md|c\.md, b\.md)\) vs 30 \(a\.md\)|30 \(a\.md\) vs 40 \((b\.md, c\.md|c\.md, b\.md)\)", note), note
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0
    assert {s["doc"] for c in report["conflicts"] for s in c["sides"]} == {"a.md", "b.md", "c.md"}  # still a side
    ledger = json.loads((out / "ledger.json").read_text())
    assert {e["status"] for e in ledger["entries"] if e.get("text", "").startswith("Each berth holds up to 40")} == {"kept", "merged"}


def test_a_pair_note_names_only_what_its_sides_say(tmp_path):
    """A pair that joins a plan-wide conflict through other sides (two code blocks that disagree on
    `--doc` and, by look-alike items, two lists of endpoints) is noted in its own words: the note
    cites the pair, so naming `deploy --doc` would be a fact its spans do not hold (found by
    test_nothing_lost's random trees: an unsupported-fact error)."""
    items = lambda d, n: "".join(f"- item {d}.1.{i} sets `VAR_{d}_1_{i}` to {i}\n" for i in range(n))
    shared = lambda d: "".join(f"- shared item {i} uses the [endpoint](https://example.com/d{d}/{i})\n" for i in range(2))
    docs = {
        "doc0.md": "# Document 0 about the queue\n\n## Section 0-0 queue\n\n```bash\ndeploy --doc 0 --section 0\n```\n\n"
                   f"## Section 0-1 queue\n\n{items(0, 19)}{shared(0)}\n## Section 0-2 queue\n\n```bash\n"
                   "deploy --doc 0 --section 2\n\nText after an unclosed fence 0.2.\n",
        "doc1.md": f"# Document 1 about the queue\n\n## Section 1-0 queue\n\n- item 1.0.0 sets `VAR_1_0_0` to 0\n{shared(1)}\n"
                   f"## Section 1-1 queue\n\n{items(1, 17)}{shared(1)}\n## Section 1-2 queue\n\n```bash\n"
                   "deploy --doc 1 --section 2\n\nText after an unclosed fence 1.2.\n"}
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    (tmp_path / "small-chunks.toml").write_text("[chunk]\nmax_tokens = 20\n")
    r = CliRunner().invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q",
                                 "--config", str(tmp_path / "small-chunks.toml")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0, [f["message"] for f in report["findings"] if f["severity"] == "error"]
    assert r.exit_code == 0, r.output


def test_the_same_value_written_apart_is_no_disagreement():
    """`3` in code and 3 in prose are one value: no conflict, no note (the large tree noted
    "3 vs 3 vs 3 vs 3" over four versions of one parameter list)."""
    from consolidate.merge.statements import merge_units
    from consolidate.units import Unit

    def item(doc, text):
        return Unit(kind="list_item", text=text, doc=doc, chunk="c" + doc, start=4, end=4, section="Levels", para=(doc, 4))

    a = item("set.md", "- `0`: Default. Reads the registry for the default impersonation level, which is usually set to 3: Impersonate.")
    b = item("invoke.md", "- `0`: Default. Reads the registry for the default impersonation level, which is usually set to `3`: Impersonate.")
    _, _, conflicts = merge_units([a, b])
    assert conflicts == []


def test_a_note_names_a_merged_source_only_for_the_values_it_states():
    """A side speaks for the sources merged into it only where their spans state its values: one
    that says less ("usually set to Impersonate") is not named for `15`, which the checker would
    report as an unsupported fact."""
    from consolidate.merge.notes import pair_note
    from consolidate.stages.draft import _states
    from consolidate.units import Unit

    texts = {"a.md": ["Tidewater requires PostgreSQL 15 or later."], "b.md": ["Tidewater requires PostgreSQL."],
             "c.md": ["Tidewater requires PostgreSQL 14 or later."]}

    def sentence(doc):
        u = Unit(kind="sentence", text=texts[doc][0], doc=doc, chunk="c" + doc, start=1, end=1, section="Overview", para=(doc, 1))
        u.facts = tuple(f"number:{n}" for n in ("15", "14") if n in u.text)
        u.citations.append(u.cite())
        return u

    a, b, c = sentence("a.md"), sentence("b.md"), sentence("c.md")
    a.citations.append(b.cite())  # b was merged into a: it says nothing a does not
    a.conflicts.append(c)
    note = pair_note(a, -1, holds=lambda cite, own: _states(texts[cite.doc][cite.start - 1:cite.end], own))
    assert "15 (a.md)" in note.text and "14 (c.md)" in note.text and "b.md" not in note.text, note.text
    assert {x.doc for x in note.citations} == {"a.md", "c.md"}
    assert "b.md" in pair_note(a, -1).text  # without the span check (the old way) it named b.md for 15


def test_a_series_is_shown_without_a_note(tmp_path):
    """One source giving three or more values of a look-alike statement (a monthly report's "PRs
    merged from the community: 14", then 12, then 21) lists a series, not a setting: every value
    is shown and no "Sources disagree" note is written (the large tree had a 63-sided one). Two
    sources giving one value each still disagree."""
    from consolidate.merge.notes import series, series_texts
    from consolidate.units import Unit

    def said(doc, n, line):
        u = Unit(kind="sentence", text=f"PRs merged from the community this month: {n}.", doc=doc, chunk="c" + doc,
                 start=line, end=line, section="Updates", para=(doc, line))
        u.facts = (f"number:{n}",)
        return u

    first, may, june, july = said("2023-updates.md", 24, 5), said("2022-updates.md", 14, 5), said("2022-updates.md", 12, 9), \
        said("2022-updates.md", 21, 13)
    first.conflicts = [may]
    assert not series(first, series_texts([first, may, june]))  # two values from one source: still a disagreement
    assert series(first, series_texts([first, may, june, july]))  # the sides need not all be paired with it
    months = "".join(f"## {m}\n\nPRs merged from the community this month: {n}.\n\n"
                     for m, n in (("May", 14), ("June", 12), ("July", 21)))
    out = _run(tmp_path, {
        "community.md": "# Community updates\n\nThe community updates list what contributors did each month.\n\n"
                        "## January\n\nPRs merged from the community this month: 24.\n\nThe docs site moved to a new "
                        "build system in January, and the community updates list what contributors did each month.\n",
        "community-2022.md": "# Community updates 2022\n\n" + months})
    pages = "".join(p.read_text() for p in (out / "pages").rglob("*.md"))
    assert all(f"this month: {n}." in pages for n in (24, 14, 12, 21)), pages
    assert "Sources disagree" not in pages, pages
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == 0 and not [c for c in report["conflicts"] if "PRs merged" in c["subject"]]


def test_sides_that_differ_only_in_what_each_page_is_about_are_no_disagreement():
    """"aliases for `Select-String`" on Select-String.md and "aliases for `Get-ChildItem`" on
    Get-ChildItem.md say the same of two things (each side's own value names its document): no
    plan-wide disagreement. A setting two pages give different values of still is one."""
    from consolidate.merge.notes import own_subjects
    from consolidate.records import Conflict, ConflictSide

    def side(doc, value):
        return ConflictSide(doc=doc, start=3, end=3, chunk="c", text=f"aliases for `{value}`", values=(value,))

    names = {"Select-String.md": "Select-String Select-String", "Get-ChildItem.md": "Get-ChildItem Get-ChildItem",
             "install.md": "Installing install", "faq.md": "FAQ faq"}
    aliases = Conflict(id="k1", kind="value", subject="aliases for",
                       sides=[side("Select-String.md", "Select-String"), side("Get-ChildItem.md", "Get-ChildItem")])
    assert own_subjects(aliases, names)
    minimum = Conflict(id="k2", kind="value", subject="PostgreSQL minimum version",
                       sides=[side("install.md", "15"), side("faq.md", "14")])
    assert not own_subjects(minimum, names)
