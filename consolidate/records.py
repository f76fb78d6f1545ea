"""The records every stage shares. Each one knows the file and lines it came from."""

from __future__ import annotations

import posixpath

from typing import Any, Literal, Mapping, Self

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    """A frozen record. pydantic gives each instance its own set of the fields it was given
    (`model_fields_set`; 728 bytes for five fields, more than the rest of a Block together): records
    with the same fields given share one here, as a large run holds millions of records. The
    set is never changed in place: the records are frozen, and model_copy copies it first."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built when first used

    def model_post_init(self, context: Any, /) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", _shared_fields(self.__pydantic_fields_set__))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        object.__setattr__(copied, "__pydantic_fields_set__", _shared_fields(copied.__pydantic_fields_set__))
        return copied


_FIELDS_SETS: dict[frozenset, set] = {}


def _shared_fields(given: set) -> set:
    """The one set of these field names that records share."""
    key = frozenset(given)
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        shared = _FIELDS_SETS[key] = set(key)
    return shared


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
    section: str = ""  # folder the page lives in (stages/sections.py); "" = inferred / the root
    audience: str = ""  # admin, developer, overview or the tree's own top folder (stages/sections.py)
    historical: bool = False  # every source is stale (checks/stale.py): a record of the past, not current docs

    @property
    def file(self) -> str:
        """Its file under OUT/pages, in its section's folder: the page's key in review.json, report.json, links."""
        return page_file(self.section, self.slug)


def page_file(section: str, slug: str) -> str:
    return f"{section}/{slug}.md" if section else f"{slug}.md"


def page_link(src: str, dest: str) -> str:
    """A link from the file src to the file dest, both under OUT/pages: dest relative to src's folder."""
    return posixpath.relpath(dest, posixpath.dirname(src) or ".")


def page_target(src: str, path: str) -> str:
    """The file under OUT/pages a relative link path on the page src leads to (page_link's inverse)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(src), path))


class Alias(Record):
    """One thing under several names (`voter_import` / `import_voters`): the term to use, the
    others, and the documents that write each."""
    preferred: str
    aliases: tuple[str, ...]
    sources: dict[str, list[str]]  # term -> documents using it


class Plan(Record):
    pages: tuple[PagePlan, ...]
    redirects: dict[str, list[str]]  # every input document -> page files that hold its content
    aliases: tuple[Alias, ...] = ()  # claims/aliases.py


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
    with_intro: bool = False  # a block cited by the sentence or item before it, whose citation spans both
    with_outro: bool = False  # a block cited by the sentence right after it, whose citation spans both
    indent: str = ""  # a sentence's indentation in its source: inside a list item there, it stays in the item here
    points_to: tuple[Citation, ...] = ()  # a pointer to an owner page: the owner statements it stands for (stages/split.py)


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
    context: str = ""  # the context its heading or file marks: dev, test, staging, production, example, changelog


class Conflict(Record):
    """Sources that disagree: the same setting/version/limit/label with different values, a
    statement and its negation, or two lists for one step with different members (`list`).
    resolution: `noted` (the page says so), `stale` (only a stale source disagrees),
    `context-differs` (the sides sit in different marked contexts, or one does and the other is
    unmarked: a warning to look at, never an error), or '' (not yet decided)."""
    id: str
    kind: Literal["value", "negation", "list"]
    subject: str
    sides: tuple[ConflictSide, ...]
    resolution: str = ""


class Edit(Record):
    """One model edit of a merge group (llm.mode = edits): who wrote the group's statement, and why."""

    # statements that restate each other; steps of one task in one list; a merged section's lead;
    # consecutive sentences of several sources as one paragraph (stages/draft_edits.py, prose_edits.py)
    kind: Literal["fuse", "procedure", "lead", "smooth"]
    # fuse: the group's statements, the first the one the others merged into; procedure: its steps'
    # sources; lead, smooth: the units of the statements in the request
    members: tuple[Citation, ...]
    by: str  # the backend that wrote it ("local", "openai"), or "extractive" where its reply was rejected
    text: str = ""  # what the model wrote
    problem: str = ""  # why the reply was rejected
    unchanged: bool = False  # written, but the same words as the extractive statement (the model copied it)


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
    historical: bool = False  # its plan entry is historical: every source is stale
    edits: tuple[Edit, ...] = ()  # llm.mode = edits: the groups a model was asked to write
    section: str = ""  # its plan entry's section: the folder it is written in under OUT/pages

    @property
    def file(self) -> str:
        return page_file(self.section, self.slug)


Severity = Literal["error", "warning"]


class Finding(Record):
    severity: Severity
    kind: str
    page: str  # output page file, or input document path for ingest findings, or "" for run-wide
    message: str
    line: int | None = None
