"""Model edits on a merged page's blocks (llm.mode = edits): section leads and smoothed paragraphs.

They run after the page is rendered as blocks (stages/draft.py), so they see what a reader sees:
links already rewritten for the merged page, statements said on their owner page already
pointers, conflict sides and notes in place. Only plain statements take part: a sentence or list
item that is no side of a conflict (of the page's own or one across pages), carries no note and
holds no block (`statement_spans`, `prose_groups`).

- **Lead** (prompts/write_lead.txt). A section merged from two or more sources whose first block
  is a list, a code block, a table, a quote or an HTML block has no sentence saying what it is
  about: each source's own opening was one of its statements, and the merge may have put another
  source's list first, or the section was a list in every source. The model is given the section's
  first plain statements of one citation each (at most MAX_LEAD_STATEMENTS, at least 2; not its heading, whose words a
  small model copies though no statement holds them) and writes a lead of one or two sentences
  that cites the statements it uses (those that hold none of it are left out: checks/edits.lead_cites). A section with one source keeps
  its author's shape, and one that opens with a sentence has a lead already.
- **Smoothing** (prompts/smooth_paragraph.txt). Consecutive plain sentences of one section that
  render as separate paragraphs and come from two or more sources (at most MAX_PARAGRAPH of them,
  MAX_PARAGRAPH_WORDS words) are written as one paragraph, each sentence citing the statements it
  tells.

Each reply is checked at once (checks/edits.py: lead_problems, paragraph_problems); a rejected one
leaves the page as it was, with a `model-edit-rejected` finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from consolidate.llm.base import Request
from consolidate.llm.prompts import Prompt, load_prompt, tagged
from consolidate.records import Citation, DraftBlock, DraftPage
from consolidate.units import Unit

LEAD_PROMPT = "write_lead"
SMOOTH_PROMPT = "smooth_paragraph"
MAX_LEAD_STATEMENTS = 8  # the section's first plain statements the lead is written from
MAX_PARAGRAPH = 4  # sentence blocks per smoothing request; a longer run is asked in pieces
MAX_PARAGRAPH_WORDS = 120  # a piece longer than this keeps its paragraphs
OPENERS = ("list_item", "code", "table", "quote", "html")  # a section opening with one of these wants a lead
LEAD_PARA = -3_000_000  # a lead is a paragraph of its own
SMOOTH_PARA = 3_000_000  # + the first block's place: the smoothed sentences render as one paragraph


class Cited(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    cites: list[str]


class SentencesReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sentences: list[Cited]


LEAD_SCHEMA = Cited.model_json_schema()
SENTENCES_SCHEMA = SentencesReply.model_json_schema()

Span = tuple[str, int, int]


def _key(c: Citation) -> Span:
    return (c.doc, c.start, c.end)


def statement_spans(sections: dict[str, list[Unit]], plain) -> dict[str, list[tuple[int, int, Citation | None]]]:
    """Per document: (first line, last line, citation or None where it is not plain) of each unit a
    page shows, the units merged into them and the other sides of its conflicts. plain(u): a
    statement an edit may take."""
    out: dict[str, list[tuple[int, int, Citation | None]]] = {}
    for units in sections.values():
        for u in units:
            ok = plain(u)
            for c in u.citations:
                out.setdefault(c.doc, []).append((c.start, c.end, c if ok else None))
            for o in u.conflicts:
                out.setdefault(o.doc, []).append((o.start, o.end, None))
    return out


def covered(c: Citation, spans: dict[str, list[tuple[int, int, Citation | None]]]) -> list[Citation] | None:
    """The citations of the units a block's citation speaks for (a sentence joined with the next of
    its paragraph cites both), or None when one of them is not plain."""
    inside = [x for x in spans.get(c.doc, ()) if c.start <= x[0] and x[1] <= c.end]
    if not inside or any(x[2] is None for x in inside):
        return None
    return list(dict.fromkeys(x[2] for x in inside))


@dataclass
class Group:
    """One lead or smoothing request of a page: the section, its blocks asked about, their ids."""

    kind: str  # lead | smooth
    section: int
    blocks: list[int]  # places in the section's blocks
    ids: dict[str, str]  # request id -> the statement's text
    cites: dict[str, tuple[Citation, ...]]  # request id -> its block's citations
    members: tuple[Citation, ...]  # the units they speak for (the ledger's and report's groups)
    heading: str = ""


def prose_groups(page: DraftPage, spans: dict[str, list[tuple[int, int, Citation | None]]], body) -> list[Group]:
    """The lead and smoothing requests of one rendered page, in page order. body(text): a
    statement's text without its list marker, on one line."""
    out = []
    sides = {(x.doc, x.start) for c in page.conflicts for x in c.sides}  # a plan-wide conflict's sides too
    for si, sec in enumerate(page.sections):
        units = {i: None if (got := covered_all(b, spans)) is None or any((c.doc, c.start) in sides for c in got) else got
                 for i, b in enumerate(sec.blocks)}
        # a lead cites a statement's block with its citations: a block citing several spans (statements
        # merged into one) would have the lead cite spans that hold none of it, and read as merged into it
        statements = [i for i, b in enumerate(sec.blocks)
                      if b.kind in ("sentence", "list_item") and units[i] and len(b.citations) == 1]
        docs = {c.doc for b in sec.blocks for c in b.citations}
        if sec.blocks and sec.blocks[0].kind in OPENERS and len(docs) > 1 and len(statements) > 1:
            take = statements[:MAX_LEAD_STATEMENTS]
            out.append(_group("lead", si, take, sec.blocks, units, body, sec.heading))
        for run in _runs(sec.blocks, units):
            out.append(_group("smooth", si, run, sec.blocks, units, body))
    return out


def covered_all(b: DraftBlock, spans) -> list[Citation] | None:
    """The unit citations a block speaks for, or None when it is no plain statement."""
    if not b.citations or b.with_intro:
        return None
    got = [covered(c, spans) for c in b.citations]
    return None if any(g is None for g in got) else list(dict.fromkeys(c for g in got for c in g))


def _group(kind: str, si: int, at: list[int], blocks, units, body, heading: str = "") -> Group:
    return Group(kind, si, at, {f"s{n}": body(blocks[i].text) for n, i in enumerate(at, 1)},
                 {f"s{n}": blocks[i].citations for n, i in enumerate(at, 1)},
                 tuple(dict.fromkeys(c for i in at for c in units[i])), heading)


def _runs(blocks: tuple[DraftBlock, ...], units) -> list[list[int]]:
    """Pieces of consecutive plain sentence blocks that render as two or more paragraphs from two
    or more sources: at most MAX_PARAGRAPH blocks and MAX_PARAGRAPH_WORDS words each."""
    runs, cur = [], []
    for i, b in enumerate(blocks):
        if b.kind == "sentence" and units[i] and not b.text.rstrip().endswith(":"):
            cur.append(i)
            continue
        runs.append(cur)
        cur = []
    runs.append(cur)
    out = []
    for run in runs:
        piece: list[int] = []
        for i in run + [None]:
            if i is not None and len(piece) < MAX_PARAGRAPH and sum(
                    len(blocks[j].text.split()) for j in piece + [i]) <= MAX_PARAGRAPH_WORDS:
                piece.append(i)
                continue
            if (len({blocks[j].para for j in piece}) > 1
                    and len({c.doc for j in piece for c in blocks[j].citations}) > 1):
                out.append(piece)
            piece = [i] if i is not None else []
    return out


@lru_cache(maxsize=None)
def prompt(name: str) -> Prompt:
    return load_prompt(name)


def prose_request(g: Group, settings) -> Request:
    """The request of a lead or smoothing group; settings: LLMSettings (temperature, output limit)."""
    if g.kind == "lead":
        p = prompt(LEAD_PROMPT)
        return Request(messages=p.render(statements=tagged("s", g.ids)),
                       schema_name="section_lead", json_schema=LEAD_SCHEMA, temperature=settings.temperature,
                       max_tokens=min(settings.max_output_tokens, 96), prompt_id=p.id)
    p = prompt(SMOOTH_PROMPT)
    words = sum(len(v.split()) for v in g.ids.values())
    return Request(messages=p.render(statements=tagged("s", g.ids)), schema_name="smoothed_paragraph",
                   json_schema=SENTENCES_SCHEMA, temperature=settings.temperature,
                   max_tokens=min(settings.max_output_tokens, 64 + 3 * words + 12 * len(g.ids)), prompt_id=p.id)


def applied(page: DraftPage, done: list[tuple[Group, list[tuple[str, list[str]]]]]) -> DraftPage:
    """The page with its accepted edits ((group, [(text, cited ids)]) each): each smoothed run
    replaced by the model's sentences, one paragraph, each citing the blocks of the statements it
    tells; each lead first in its section, citing the blocks of the statements it uses. Runs are
    replaced from the last, so the places of the others hold; leads go in last."""
    for g, parts in sorted(done, key=lambda x: (x[0].kind == "lead", -x[0].section, -x[0].blocks[0])):
        sec = page.sections[g.section]
        if g.kind == "lead":
            blocks = (DraftBlock(kind="sentence", text=parts[0][0], citations=_cites(g, parts[0][1]), para=LEAD_PARA),
                      ) + sec.blocks
        else:
            new = tuple(DraftBlock(kind="sentence", text=text, citations=_cites(g, cites), para=SMOOTH_PARA + g.blocks[0])
                        for text, cites in parts)
            blocks = sec.blocks[:g.blocks[0]] + new + sec.blocks[g.blocks[-1] + 1:]
        secs = list(page.sections)
        secs[g.section] = sec.model_copy(update={"blocks": blocks})
        page = page.model_copy(update={"sections": tuple(secs)})
    return page


def _cites(g: Group, ids: list[str]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(c for k in dict.fromkeys(ids) for c in g.cites[k]))
