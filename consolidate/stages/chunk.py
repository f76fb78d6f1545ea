"""Chunk: heading-aware, token-bounded chunks with exact line spans.

A chunk never crosses a heading (a heading with no body joins the next section) and never
splits a code fence or a table. Blocks are packed greedily up to `max_tokens`; a prose block
larger than that is split at line boundaries by langchain's RecursiveCharacterTextSplitter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from consolidate import tokens
from consolidate.records import Block, Chunk, Document, Finding

ATOMIC = {"code", "table"}


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int
    heading_path: tuple[str, ...]


def chunk_documents(docs: list[Document], texts: dict[str, list[str]], *, max_tokens: int = 400,
                    encoding: str = "cl100k_base") -> tuple[list[Chunk], list[Finding]]:
    chunks: list[Chunk] = []
    findings: list[Finding] = []
    enc = tokens.encoding(encoding)  # offline tiktoken (see tokens.py)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens, chunk_overlap=0, separators=["\n\n", "\n"], keep_separator=False,
        add_start_index=True, length_function=lambda t: len(enc.encode(t, disallowed_special=())))
    for doc in docs:
        cs, fs = chunk_document(doc, texts[doc.path], max_tokens, encoding, splitter)
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


def chunk_document(doc: Document, lines: list[str], max_tokens: int, encoding: str,
                   splitter: RecursiveCharacterTextSplitter) -> tuple[list[Chunk], list[Finding]]:
    enc = tokens.encoding(encoding)
    findings: list[Finding] = []
    pieces: list[list[_Piece]] = []
    for section in _sections(doc.blocks):
        packed: list[_Piece] = []
        cur: _Piece | None = None
        for b in section:
            text = "\n".join(lines[b.start - 1:b.end])
            n = len(enc.encode(text, disallowed_special=()))
            hp = b.heading_path
            if n > max_tokens and b.kind not in ATOMIC and b.end > b.start:
                if cur:
                    packed.append(cur)
                    cur = None
                packed.extend(_split_block(b, text, lines, splitter, enc))
                continue
            if n > max_tokens and b.kind in ATOMIC:
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


def _split_block(b: Block, text: str, lines: list[str], splitter, enc) -> list[_Piece]:
    """Split an oversized prose block at line boundaries; offsets map back to exact lines."""
    starts = [0]
    for ln in lines[b.start - 1:b.end - 1]:
        starts.append(starts[-1] + len(ln) + 1)
    out = []
    for d in splitter.create_documents([text]):
        off = d.metadata["start_index"]
        first = max(i for i, s in enumerate(starts) if s <= off)
        last = first + d.page_content.count("\n")
        last = min(last, b.end - b.start)
        s, e = b.start + first, b.start + last
        if out and s <= out[-1].end:
            s = out[-1].end + 1
        if s > e:
            continue
        piece_text = "\n".join(lines[s - 1:e])
        out.append(_Piece(s, e, len(enc.encode(piece_text, disallowed_special=())), b.heading_path))
    return out
