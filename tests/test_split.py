"""Issue 17 item 4: a page over draft.max_page_words is split along its outline into a parent and parts."""

import json
import random
from pathlib import Path

import pytest

from consolidate.checks.claims import parse_page
from consolidate.pipeline import run
from consolidate.readback import check_only
from consolidate.records import Citation, DraftBlock, DraftPage, DraftSection
from consolidate.settings import Settings
from consolidate.stages.split import split_page, split_pages
from consolidate.web.runview import RunView
from tests.conftest import write

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def sentence(i: int, j: int) -> str:
    r = random.Random(i * 1000 + j)
    return "The " + " ".join(r.choice(WORDS) for _ in range(12)) + f" setting number {i}{j} applies here."


def big_guide(sections: int = 12, paragraphs: int = 7, huge: int | None = None) -> str:
    out = ["# Big guide", "", "The big guide opens with this sentence.", ""]
    for i in range(sections):
        out += [f"## Section {i}", ""]
        n = paragraphs * (8 if i == huge else 1)
        for k in range(n):
            out += [" ".join(sentence(i, k * 3 + j) for j in range(3)), ""]
        if i % 3 == 0:
            out += [f"### Sub {i}", "", " ".join(sentence(i, 900 + j) for j in range(4)), ""]
    return "\n".join(out)


def tree(tmp_path: Path, **kw) -> Path:
    root = tmp_path / "docs"
    write(root, "guide.md", big_guide(**kw))
    write(root, "other.md", "# Other\n\nSee [section seven](guide.md#section-7) for the setting.\n\n"
                            "Another line about other things entirely.\n")
    return root


def settings(bound: int) -> Settings:
    return Settings.model_validate({"draft": {"max_page_words": bound}})


def words_of(text: str) -> int:
    body = text.split("\n---\n", 1)[1].split("\n## Sources\n", 1)[0]
    return sum(len(b.split()) for b in body.splitlines() if not b.startswith("#"))


def test_big_page_splits_into_parts_under_the_bound_with_a_parent_linking_each(tmp_path):
    out = tmp_path / "out"
    res = run([tree(tmp_path)], out, settings(600))
    report = json.loads((out / "report.json").read_text())
    plan = json.loads((out / "plan.json").read_text())
    assert len(report["split"]) == 1 and report["split"][0]["page"] == "big-guide.md"
    assert plan["split"][0]["parts"] == report["split"][0]["parts"]
    parts = report["split"][0]["parts"]
    assert len(parts) >= 6
    parent = (out / "pages" / "big-guide.md").read_text()
    assert "The big guide opens with this sentence." in parent  # the page's opening stays on the parent
    for name in parts:
        text = (out / "pages" / name).read_text()
        assert f"]({name})" in parent and f'part_of: "big-guide.md"' in text
        assert words_of(text) <= 600
        assert report["page_details"][name]["part_of"] == "big-guide.md"
    # the checker accepts the parent's list of parts as navigation: no false errors, on the run and on a re-check
    assert res.errors == 0, [f.message for f in res.findings if f.severity == "error"]
    assert [f for f in check_only(out)[0] if f.severity == "error"] == []
    assert parse_page(parent).nav and not any(c.kind == "list_item" for c in parse_page(parent).claims)
    # old paths still lead to the parent; links to a moved section go to the part that holds it
    assert json.loads((out / "redirects.json").read_text())["guide.md"] == ["big-guide.md"]
    other = (out / "pages" / "other.md").read_text()
    assert "](big-guide-section-7.md#section-7)" in other


def test_ledger_keeps_each_unit_on_the_part_that_shows_it(tmp_path):
    out = tmp_path / "out"
    run([tree(tmp_path)], out, settings(600))
    ledger = json.loads((out / "ledger.json").read_text())
    assert ledger["coverage"]["unaccounted"] == 0
    pages = {p.name: p.read_text() for p in (out / "pages").rglob("*.md")}
    kept = [e for e in ledger["entries"] if e["status"] == "kept" and e["doc"] == "guide.md"]
    assert kept and {e["page"] for e in kept} > {"big-guide.md"}
    for e in kept:  # shown on its page, and on no other part of the guide
        holders = [n for n, t in pages.items() if e["text"][:60] in t]
        assert holders == [e["page"]], e
    assert set(ledger["pages"]) >= set(json.loads((out / "report.json").read_text())["split"][0]["parts"])


def test_unsplit_run_accounts_for_the_same_units(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    root = tree(tmp_path)
    run([root], a, settings(0))
    run([root], b, settings(600))
    la, lb = (json.loads((o / "ledger.json").read_text()) for o in (a, b))
    strip = lambda l: sorted((e["doc"], e["start"], e["status"]) for e in l["entries"])  # noqa: E731
    assert strip(la) == strip(lb)
    assert la["coverage"]["coverage"] == lb["coverage"]["coverage"]
    assert json.loads((a / "report.json").read_text())["split"] == []
    assert len(list((a / "pages").rglob("*.md"))) == 2


def test_split_is_deterministic(tmp_path):
    root = tree(tmp_path)
    outs = [tmp_path / "o1", tmp_path / "o2"]
    for o in outs:
        run([root], o, settings(600))
    names = sorted(p.relative_to(outs[0]).as_posix() for p in (outs[0] / "pages").rglob("*.md"))
    assert names == sorted(p.relative_to(outs[1]).as_posix() for p in (outs[1] / "pages").rglob("*.md"))
    for rel in names + ["plan.json", "ledger.json", "redirects.json"]:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


def test_a_single_oversized_section_is_not_split_further_and_is_reported(tmp_path):
    out = tmp_path / "out"
    res = run([tree(tmp_path, huge=4)], out, settings(600))
    big = [f for f in res.findings if f.kind == "oversized-section"]
    assert len(big) == 1 and "'Section 4'" in big[0].message and "600" in big[0].message
    part = next(p for p in (out / "pages").glob("big-guide-section-4*.md"))
    text = part.read_text()
    assert words_of(text) > 600 and text.count("\n## ") == 2  # the section and Sources: whole, on one part
    assert res.errors == 0


def test_the_review_app_and_publish_see_the_parts(tmp_path):
    out = tmp_path / "out"
    run([tree(tmp_path)], out, settings(600))
    view = RunView.load(out)
    names = list(view.pages)
    assert names.index("big-guide.md") + 1 == names.index("big-guide-section-0.md")
    p = view.page_plan("big-guide-section-7.md")
    assert p is not None and p.sources == ("guide.md",) and p.chunk_ids
    assert view.pages["big-guide-section-7.md"].startswith("---\ntitle:")


def test_a_hostile_split_entry_in_plan_json_is_a_one_line_error(tmp_path):
    out = tmp_path / "out"
    run([tree(tmp_path)], out, settings(600))
    plan = json.loads((out / "plan.json").read_text())
    plan["split"][0]["plans"][0]["slug"] = "../../escape"
    (out / "plan.json").write_text(json.dumps(plan))
    from consolidate.errors import UsageError
    with pytest.raises(UsageError, match=r"split\[0\]\.plans\[0\]\.slug"):
        RunView.load(out)


def _page(levels_words: list[tuple[str, int, int]]) -> DraftPage:
    cite = (Citation(chunk="c", doc="d.md", start=1, end=1),)
    secs = tuple(DraftSection(heading=h, level=lvl, blocks=(DraftBlock(kind="sentence", text="w " * n, citations=cite),))
                 for h, lvl, n in levels_words)
    return DraftPage(slug="p", title="P", topic="t", sources=("d.md",), sections=secs)


def test_split_follows_the_outline():
    page = _page([("Overview", 2, 50), ("A", 2, 300), ("A1", 3, 300), ("A2", 3, 300), ("B", 2, 200), ("C", 2, 200)])
    family, info, findings, moved = split_page(page, 700, {"p"})
    assert not findings
    assert [[s.heading for s in p.sections] for p in family] == [
        ["Overview", "Contents"], ["A", "A1"], ["A2"], ["B", "C"]]  # A is over the bound: split one level down
    assert [p.sections[0].level for p in family[1:]] == [2, 2, 2]  # a part's top heading is ##
    assert [p.title for p in family[1:]] == ["P: A", "P: A2", "P: B – C"]
    assert info.parts[0].slug == "p-a" and info.words == 1350
    assert moved == {"overview": ("p.md", "overview"), "a": ("p-a.md", "a"), "a1": ("p-a.md", "a1"),
                     "a2": ("p-a2.md", "a2"), "b": ("p-b.md", "b"), "c": ("p-b.md", "c")}


def test_a_page_within_the_bound_or_of_one_section_is_not_split():
    small = _page([("Overview", 2, 50), ("A", 2, 300)])
    assert split_page(small, 700, set())[0] == [small]
    one = _page([("A", 2, 900)])
    family, info, findings, _ = split_page(one, 700, set())
    assert family == [one] and info is None and [f.kind for f in findings] == ["oversized-section"]


def test_part_slugs_never_take_a_planned_slug():
    page = _page([("Overview", 2, 50), ("A", 2, 600), ("B", 2, 600)])
    pages, splits, _ = split_pages([page], 700, {"p", "p-a"})
    assert [p.slug for p in pages] == ["p", "p-a-2", "p-b"]


def test_a_merged_section_over_the_bound_is_cut_between_its_source_sections():
    def block(doc: str, n: int, para: int = 1) -> DraftBlock:
        return DraftBlock(kind="sentence", text="w " * n, citations=(Citation(chunk="c", doc=doc, start=1, end=1),), para=para)
    options = DraftSection(heading="Options", level=2, blocks=(
        block("a.md", 300), block("a.md", 200), block("b.md", 100), block("c.md", 400, 2),
        DraftBlock(kind="note", text="Sources disagree", citations=(), para=-3), block("d.md", 900)))
    page = DraftPage(slug="p", title="P", topic="t", sources=("a.md", "b.md", "c.md", "d.md"),
                     sections=(DraftSection(heading="Overview", level=2, blocks=(block("a.md", 20),)), options))
    family, info, findings, moved = split_page(page, 700, set())
    pieces = [[b.citations[0].doc if b.citations else "note" for b in p.sections[0].blocks] for p in family[1:]]
    assert pieces == [["a.md", "a.md", "b.md"], ["c.md", "note"], ["d.md"]]  # runs of one source packed; a note stays
    assert [p.title for p in family[1:]] == ["P: Options (1 of 3)", "P: Options (2 of 3)", "P: Options (3 of 3)"]
    assert [p.slug for p in family[1:]] == ["p-options", "p-options-2", "p-options-3"]
    assert moved["options"] == ("p-options.md", "options")
    assert [f.message for f in findings] == ["p.md: section 'Options' (piece 3 of 3) holds 900 words from one source "
                                             "section, over draft.max_page_words=700; a single source section is kept "
                                             "whole on one page"]


def test_navigation_labels_must_be_the_parts_titles():
    from consolidate.checks.navigation import check_navigation, page_title

    parent = parse_page('---\ntitle: "P"\nparts:\n  - "p-a.md"\n---\n\n# P\n\n## Contents\n\n- [P: A](p-a.md)\n- [P: wrong](p-a.md)\n')
    part = parse_page('---\ntitle: "P: A"\n---\n\n# P: A\n')
    assert len(parent.nav) == 2 and parent.claims == []
    found = check_navigation("p.md", parent, {"p-a.md": page_title(part)})
    assert [(f.kind, f.line) for f in found] == [("uncited", 12)]
    untitled = parse_page("# P: A\n\ntext\n")  # no front matter read: its # heading is its title
    assert len(check_navigation("p.md", parent, {"p-a.md": page_title(untitled)})) == 1
    # a link to a page not listed in parts, or more than a link, is a claim
    other = parse_page('---\nparts:\n  - "p-a.md"\n---\n\n- [P: A](q.md)\n- [P: A](p-a.md) and more\n')
    assert other.nav == [] and len(other.claims) == 2


def test_an_input_is_retired_only_when_its_page_and_all_the_parts_are_published(tmp_path):
    from consolidate.publish import _retired, _selected
    from consolidate import decisions as D

    out = tmp_path / "out"
    run([tree(tmp_path)], out, settings(600))
    view = RunView.load(out)
    assert view.parts["big-guide.md"][0] == "big-guide-section-0.md"

    def accept(name):
        D.decide(out, name, "accepted", view.page_plan(name), view.docs, view.pages[name])

    def retired():
        v = RunView.load(out)
        return _retired(v, _selected(v)[0])

    accept("big-guide.md")
    assert "guide.md" not in retired()
    for name in view.parts["big-guide.md"]:
        accept(name)
    assert retired()["guide.md"] == "big-guide.md"


@pytest.mark.parametrize("bound", [40, 150])
def test_every_block_of_a_page_is_on_exactly_one_page_of_its_family(bound):
    """Extractive and model drafts of corpus/ (the fake backend echoes its sources): a split loses nothing."""
    from consolidate import pipeline
    from consolidate.llm.fake import FakeBackend
    from consolidate.llm.prompts import load_prompt
    from consolidate.settings import load_settings
    from consolidate.stages.draft import draft_pages
    from consolidate.stages.draft_model import Drafting, draft_pages_with_model
    from tests.conftest import CORPUS
    from tests.llm_server import echo_page

    res, texts = pipeline.prepare([CORPUS], Path(__import__("tempfile").mkdtemp()) / "out", load_settings(env={}))
    fake = FakeBackend(default=lambda req: echo_page({"messages": [m.model_dump() for m in req.messages]}))
    model, _, _ = draft_pages_with_model(res.plan, res.chunks, res.docs, texts, Drafting(
        backend=fake, prompt=load_prompt("draft_page"), reask=load_prompt("reask")))
    extractive, _ = draft_pages(res.plan, res.chunks, res.docs, texts)
    for drafts in (extractive, model):
        pages, splits, _ = split_pages(drafts, bound, {p.slug for p in res.plan.pages})
        assert splits and len({p.slug for p in pages}) == len(pages)
        for d in drafts:
            family = [p for p in pages if p.slug == d.slug or p.part_of == d.file]
            shown = [(b.kind, b.citations) for p in family for s in p.sections for b in s.blocks if s.heading != "Contents"
                     or p.slug != d.slug]
            assert sorted(map(repr, shown)) == sorted(repr((b.kind, b.citations)) for s in d.sections for b in s.blocks)


def test_corpus_split_small_has_no_false_errors_and_each_conflict_on_the_part_that_notes_it(tmp_path):
    from tests.conftest import CORPUS

    out = tmp_path / "out"
    res = run([CORPUS], out, settings(60))
    report = json.loads((out / "report.json").read_text())
    assert res.errors == 0, [f.message for f in res.findings if f.severity == "error"][:5]
    assert len(report["split"]) >= 10 and json.loads((out / "ledger.json").read_text())["coverage"]["unaccounted"] == 0
    noted = [c for c in report["conflicts"] if c["resolution"] == "noted"]
    assert noted
    for c in noted:
        text = (out / "pages" / c["page"]).read_text()
        assert "Sources disagree" in text, c["page"]


def test_a_part_title_with_brackets_is_still_navigation():
    """A part titled after a heading with brackets ("PSError \\<PSDataCollection[ErrorRecord]\\>",
    "ForEach(scriptblock expression, object[] arguments)") is linked from the parent with that
    title: the checker reads the item as navigation, not an uncited claim (the large tree had two)."""
    from consolidate.checks.claims import parse_page
    from consolidate.checks.navigation import check_navigation

    titles = {"exp-props.md": "Expressions: PSError \\<PSDataCollection[ErrorRecord]\\>",
              "exp-foreach.md": "Expressions: ForEach(scriptblock expression, object[] arguments)"}
    parent = ("---\ntitle: \"Expressions\"\nparts:\n  - \"exp-props.md\"\n  - \"exp-foreach.md\"\n---\n\n# Expressions\n\n"
              "## Contents\n\n" + "".join(f"- [{t}]({n})\n" for n, t in titles.items()))
    parsed = parse_page(parent)
    assert [c.text.strip()[:13] for c in parsed.nav] == ["[Expressions:"] * 2 and parsed.claims == []
    assert check_navigation("expressions.md", parsed, titles | {"expressions.md": "Expressions"}) == []


def test_a_pointer_leads_to_the_part_holding_its_owner_statement():
    """A pointer to an owner section (`See [Options](p.md#options).`) stands for one statement there;
    when the split cuts that section in pieces across parts, the pointer leads to the part holding
    that statement, not to the first piece (the large tree's last link-lost error)."""
    def block(doc: str, n: int, line: int) -> DraftBlock:
        return DraftBlock(kind="sentence", text="w " * n, citations=(Citation(chunk="c", doc=doc, start=line, end=line + 1),), para=1)
    options = DraftSection(heading="Options", level=2, blocks=(block("a.md", 300, 5), block("b.md", 600, 5), block("d.md", 600, 7)))
    page = DraftPage(slug="p", title="P", topic="t", sources=("a.md", "b.md", "d.md"),
                     sections=(DraftSection(heading="Overview", level=2, blocks=(block("a.md", 20, 1),)), options))
    owner = Citation(chunk="c", doc="d.md", start=8, end=8)  # the second sentence of a block citing 7-8
    first = Citation(chunk="c", doc="a.md", start=5, end=5)
    see = "See [Options](p.md#options)."
    other = DraftPage(slug="q", title="Q", topic="t", sources=("e.md",), sections=(DraftSection(heading="Overview", blocks=(
        DraftBlock(kind="sentence", text=see, citations=(), para=-1000, points_to=(owner,)),
        DraftBlock(kind="sentence", text=see, citations=(), para=-1001, points_to=(first,)),
        DraftBlock(kind="sentence", text=see, citations=(), para=-1002))),))
    pages, _, _ = split_pages([page, other], 700, {"p", "q"})
    assert [p.slug for p in pages[1:4]] == ["p-options", "p-options-2", "p-options-3"]
    texts = [b.text for b in pages[-1].sections[0].blocks]
    assert texts == ["See [Options](p-options-3.md#options).", "See [Options](p-options.md#options).",
                     "See [Options](p-options.md#options)."]  # no owner statement known: the first piece
