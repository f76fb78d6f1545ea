"""The records every stage shares. Each one knows the file and lines it came from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Heading(Record):
    level: int
    text: str
    anchor: str  # GitHub-style slug, de-duplicated within the document
    line: int  # 1-based


class Link(Record):
    kind: Literal["inline", "reference", "autolink", "image", "definition"]
    text: str
    target: str
    line: int


class Block(Record):
    """A markdown block with its exact 1-based, inclusive line span."""

    kind: Literal["heading", "paragraph", "list", "code", "table", "quote", "html", "rule"]
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    lang: str = ""  # info string of a code fence


class Document(Record):
    path: str  # posix path shown to users and used in redirects (relative to its root)
    root: str  # absolute root folder it was found under
    file: str = ""  # absolute path of the file
    sha256: str
    title: str
    front_matter: dict = Field(default_factory=dict)
    body_start: int = 1  # first line after front matter
    line_count: int
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
    blocks: tuple[Block, ...] = ()


class Chunk(Record):
    id: str
    doc: str
    start: int
    end: int
    heading_path: tuple[str, ...]
    tokens: int
    text: str


class Topic(Record):
    id: str
    label: str
    chunk_ids: tuple[str, ...]
    documents: tuple[str, ...]
    duplicate_groups: tuple[tuple[str, ...], ...] = ()
    attached: tuple[str, ...] = ()  # chunks from clusters too small to stand alone, attached here


class PagePlan(Record):
    slug: str
    title: str
    topic: str
    chunk_ids: tuple[str, ...]  # reading order
    sources: tuple[str, ...]


class Plan(Record):
    pages: tuple[PagePlan, ...]
    redirects: dict[str, list[str]]  # every input document -> page files that hold its content


class Citation(Record):
    chunk: str
    doc: str
    start: int
    end: int

    @property
    def ref(self) -> str:
        return f"{self.doc}:{self.start}-{self.end}"


class DraftBlock(Record):
    kind: Literal["sentence", "list_item", "code", "table", "quote", "html", "note"]
    text: str
    citations: tuple[Citation, ...]
    para: int = 0  # consecutive sentences / list items with the same para render together


class DraftSection(Record):
    heading: str
    level: int = 2
    blocks: tuple[DraftBlock, ...]


class ConflictSide(Record):
    doc: str
    start: int
    end: int
    chunk: str
    text: str
    values: tuple[str, ...] = ()
    stale: bool = False


class Conflict(Record):
    """Sources that disagree: the same setting/version/limit with different values, or a
    statement and its negation. resolution: `noted` (the page says so), `stale` (only a stale
    source disagrees), or '' (not yet decided)."""
    id: str
    kind: Literal["value", "negation"]
    subject: str
    sides: tuple[ConflictSide, ...]
    resolution: str = ""


class DraftPage(Record):
    slug: str
    title: str
    topic: str
    sources: tuple[str, ...]
    sections: tuple[DraftSection, ...]
    backend: str = "extractive"
    assets: tuple[tuple[str, str], ...] = ()  # (path under pages/, absolute source file) to copy
    conflicts: tuple[Conflict, ...] = ()
    dropped: tuple[tuple[str, int, int, str], ...] = ()  # (doc, start, end, reason) of units left out on purpose
    parts: tuple[str, ...] = ()  # a page split for size (stages/split.py): its sub-page files
    part_of: str = ""  # a sub-page: the file of the page it was split from


Severity = Literal["error", "warning"]


class Finding(Record):
    severity: Severity
    kind: str
    page: str  # output page file, or input document path for ingest findings, or "" for run-wide
    message: str
    line: int | None = None
