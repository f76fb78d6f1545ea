"""Chunk: heading-aware, token-bounded chunks with exact line spans.

A chunk never crosses a heading (a heading with no body joins the next section) and never
splits a unit (a sentence, a list item, a code fence, a table, a quote: see units.py). Blocks are
packed greedily up to `max_tokens`; a list or paragraph larger than that is cut between two of
its units, at a line no unit crosses, so every line of the block is in exactly one chunk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from consolidate import tokens
from consolidate.records import Block, Chunk, Document, Finding
from consolidate.units import block_spans

ATOMIC = {"code", "table"}


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int
    heading_path: tuple[str, ...]


def chunk_documents(docs: list[Document], texts: dict[str, list[str]], *, max_tokens: int = 400,
                    encoding: str = "cl100k_base", known: dict[tuple[str, str], tuple[list[Chunk], list[Finding]]] | None = None,
                    ) -> tuple[list[Chunk], list[Finding]]:
    """known: chunks (and findings) made before with the same settings, by (document path, sha256):
    a document's chunks are a function of its text and the settings alone."""
    chunks: list[Chunk] = []
    findings: list[Finding] = []
    for doc in docs:
        hit = (known or {}).get((doc.path, doc.sha256))
        cs, fs = hit if hit is not None else chunk_document(doc, texts[doc.path], max_tokens, encoding)
        chunks.extend(cs)
        findings.extend(fs)
    return chunks, findings


def _sections(blocks: tuple[Block, ...]) -> list[list[Block]]:
    sections: list[list[Block]] = []
    cur: list[Block] = []
    for b in blocks:
        if b.kind == "heading" and any(x.kind != "heading" for x in cur):
            sections.append(cur)
            cur = []
        cur.append(b)
    if cur:
        sections.append(cur)
    return sections


def chunk_document(doc: Document, lines: list[str], max_tokens: int,
                   encoding: str = "cl100k_base") -> tuple[list[Chunk], list[Finding]]:
    enc = tokens.encoding(encoding)  # offline tiktoken (see tokens.py)
    findings: list[Finding] = []
    pieces: list[list[_Piece]] = []
    for section in _sections(doc.blocks):
        packed: list[_Piece] = []
        cur: _Piece | None = None
        for b in section:
            text = "\n".join(lines[b.start - 1:b.end])
            n = len(enc.encode(text, disallowed_special=()))
            hp = b.heading_path
            parts = _split_block(b, lines, max_tokens, enc) if n > max_tokens and b.kind not in ATOMIC else []
            if len(parts) > 1:
                if cur:
                    packed.append(cur)
                    cur = None
                packed.extend(parts)
                continue
            if n > max_tokens:
                findings.append(Finding(severity="warning", kind="oversized-block", page=doc.path, line=b.start,
                                        message=f"{doc.path}:{b.start}-{b.end}: {b.kind} block of {n} tokens kept whole (over chunk.max_tokens={max_tokens})"))
            if cur and cur.tokens + n <= max_tokens:
                cur.end, cur.tokens = b.end, cur.tokens + n
            else:
                if cur:
                    packed.append(cur)
                cur = _Piece(b.start, b.end, n, hp)
        if cur:
            packed.append(cur)
        pieces.append(packed)
    out: list[Chunk] = []
    seen: dict[str, int] = {}
    for packed in pieces:
        for p in packed:
            text = "\n".join(lines[p.start - 1:p.end])
            base = hashlib.sha1(f"{doc.path}\0{text}".encode()).hexdigest()[:12]
            k = seen.get(base, 0)
            seen[base] = k + 1
            cid = "c" + (base if k == 0 else hashlib.sha1(f"{base}#{k}".encode()).hexdigest()[:12])
            out.append(Chunk(id=cid, doc=doc.path, start=p.start, end=p.end, heading_path=p.heading_path,
                             tokens=len(enc.encode(text, disallowed_special=())), text=text))
    return out, findings


def _split_block(b: Block, lines: list[str], max_tokens: int, enc) -> list[_Piece]:
    """Cut an oversized list or paragraph between its units, at lines no unit crosses. The pieces
    cover the block's lines without a gap; a single unit over `max_tokens` stays whole."""
    spans = block_spans(b, lines)
    pieces: list[_Piece] = []
    start, size = b.start, 0
    for i, sp in enumerate(spans):
        n = len(enc.encode(sp.text, disallowed_special=()))
        if size and size + n > max_tokens and sp.start > spans[i - 1].end:
            pieces.append(_Piece(start, sp.start - 1, size, b.heading_path))
            start, size = sp.start, 0
        size += n
    pieces.append(_Piece(start, b.end, size, b.heading_path))
    return pieces
