"""A step's own paragraphs and blocks stay inside its list item on the merged page: the sentence
keeps its source indentation, a block's `Sources:` line takes the block's, and the next step
numbers on. Before, the `Sources:` line and the sentence stood at the margin and ended the list,
so a procedure of "1." steps read 1, 1 (PowerShell-Docs' about_Remote_Jobs)."""

from markdown_it import MarkdownIt

from consolidate.checks.claims import parse_page
from consolidate.records import Citation, DraftBlock, DraftPage, DraftSection
from consolidate.render import render_page


def _cite(line: int) -> tuple[Citation, ...]:
    return (Citation(chunk="c1", doc="a.md", start=line, end=line),)


def _page(between: str = "   ") -> DraftPage:
    blocks = (
        DraftBlock(kind="list_item", text="1. Start an interactive session.", citations=_cite(1), para=1),
        DraftBlock(kind="code", text="   ```powershell\n   Enter-PSSession -ComputerName Server01\n   ```", citations=_cite(3) + _cite(30), para=2),
        DraftBlock(kind="sentence", text="The command prompt changes to show the remote computer.", citations=_cite(7), para=3,
                   indent=between),
        DraftBlock(kind="code", text="   ```\n   Server01\\C:>\n   ```", citations=_cite(9) + _cite(31), para=4),
        DraftBlock(kind="list_item", text="1. Start a remote job in the session.", citations=_cite(13), para=5),
    )
    return DraftPage(slug="p", title="P", topic="t", sources=("a.md",), sections=(DraftSection(heading="Steps", blocks=blocks),))


def _lists(md: str) -> list[list[str]]:
    """Each ordered list as CommonMark reads the page: its items' first two words."""
    out: list[list[str]] = []
    tokens = MarkdownIt("commonmark").parse(md.split("\n---\n", 1)[1])  # the body, after the front matter
    for i, t in enumerate(tokens):
        if t.type == "ordered_list_open":
            out.append([])
        if t.type == "list_item_open" and t.markup in (".", ")"):
            out[-1].append(" ".join(tokens[i + 2].content.split()[:2]))
    return out


def test_a_steps_paragraphs_and_blocks_stay_in_it_and_the_next_step_numbers_on():
    md = render_page(_page(), "2026-12-02", "test")
    assert "\n   Sources: [^2] [^3]\n" in md
    assert "\n   The command prompt changes to show the remote computer.[^4]\n" in md
    assert "\n2. Start a remote job in the session." in md
    # one list of two steps, as a reader sees it
    assert _lists(md) == [["Start an", "Start a"]]
    # and the checker reads the same claims and citations as from blocks at the margin
    claims = parse_page(md).claims
    assert [(c.kind, c.labels) for c in claims] == [("list_item", ["1"]), ("code", ["2", "3"]), ("sentence", ["4"]),
                                                    ("code", ["5", "6"]), ("list_item", ["7"])]


def test_a_sentence_that_was_not_in_an_item_stays_at_the_margin_and_ends_the_list():
    md = render_page(_page(between=""), "2026-12-02", "test")
    assert "\nThe command prompt changes" in md
    assert "\n   ```\n   Server01" in md  # a block keeps its text; its Sources: line now stands at the margin
    assert "\nSources: [^5] [^6]\n" in md
    assert "\n1. Start a remote job in the session." in md
    assert _lists(md) == [["Start an"], ["Start a"]]  # two lists, each starting at 1


def test_notes_held_for_the_end_of_a_list_end_it_so_a_block_after_them_is_at_the_margin():
    page = _page()
    note = DraftBlock(kind="note", text="**Sources disagree:** the port: 80 (a.md) vs 81 (b.md).", citations=_cite(2), para=-7)
    blocks = list(page.sections[0].blocks)
    blocks.insert(1, note)
    md = render_page(page.model_copy(update={"sections": (DraftSection(heading="Steps", blocks=tuple(blocks)),)}),
                     "2026-12-02", "test")
    # the block after the note keeps its own text, but its Sources: line stands at the margin, where the checker reads it
    assert "\n> **Sources disagree:**" in md and "\nSources: [^3] [^4]\n" in md
    assert [(c.kind, c.labels) for c in parse_page(md).claims][:3] == [("list_item", ["1"]), ("note", ["2"]), ("code", ["3", "4"])]
