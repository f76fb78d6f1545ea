"""Every claim cites at least one real input span, and every hard fact is in a cited span."""

from __future__ import annotations

from consolidate.checks import facts as F
from consolidate.checks.claims import ParsedPage, Ref
from consolidate.records import Chunk, Finding


class SourceIndex:
    """Input lines and chunks, indexed once; span text is normalised on first use and memoised."""

    def __init__(self, chunks: list[Chunk], texts: dict[str, list[str]]):
        self.chunks = {c.id: c for c in chunks}
        self.texts = texts
        self._memo: dict[tuple[str, int, int], str] = {}

    def span(self, ref: Ref) -> str:
        key = (ref.doc, ref.start, ref.end)
        s = self._memo.get(key)
        if s is None:
            s = F.normalise_span("\n".join(self.texts[ref.doc][ref.start - 1:ref.end]))
            self._memo[key] = s
        return s

    def problem(self, ref: Ref) -> str:
        """Why a reference does not resolve to a real input span ('' when it does)."""
        lines = self.texts.get(ref.doc)
        if lines is None:
            return f"{ref.doc} is not an input document"
        if not (1 <= ref.start <= ref.end <= len(lines)):
            return f"{ref.doc}:{ref.start}-{ref.end} is outside the file's {len(lines)} lines"
        if ref.chunk:
            c = self.chunks.get(ref.chunk)
            if c is None:
                return f"chunk {ref.chunk} does not exist"
            if c.doc != ref.doc or not (c.start <= ref.start and ref.end <= c.end):
                return f"{ref.doc}:{ref.start}-{ref.end} is not inside chunk {ref.chunk} ({c.doc}:{c.start}-{c.end})"
        return ""


def check_citations(page: str, parsed: ParsedPage, index: SourceIndex) -> list[Finding]:
    out: list[Finding] = []

    def err(kind: str, line: int, msg: str) -> None:
        out.append(Finding(severity="error", kind=kind, page=page, line=line, message=msg))

    bad_refs = {}
    for label, ref in parsed.refs.items():
        why = index.problem(ref)
        if why:
            bad_refs[label] = why
    for claim in parsed.claims:
        short = " ".join(claim.text.split())[:80]
        if not claim.labels:
            err("uncited", claim.line, f"{page}:{claim.line}: no citation for {short!r}")
            continue
        refs = []
        for label in claim.labels:
            if label not in parsed.refs:
                err("bad-citation", claim.line, f"{page}:{claim.line}: citation [^{label}] has no definition")
            elif label in bad_refs:
                err("bad-citation", claim.line, f"{page}:{claim.line}: citation [^{label}]: {bad_refs[label]}")
            else:
                refs.append(parsed.refs[label])
        if not refs:
            continue
        spans = [index.span(r) for r in refs]
        where = ", ".join(f"{r.doc}:{r.start}-{r.end}" for r in refs)
        if claim.kind in ("code", "html"):
            body = F.normalise_span(claim.text)
            if body and not any(body in s for s in spans):
                err("code-mismatch", claim.line, f"{page}:{claim.line}: {claim.kind} block does not match its cited span(s) {where}")
            continue
        for fact in F.extract(claim.text):
            if not any(F.contains(s, fact) for s in spans):
                err("unsupported-fact", claim.line,
                    f"{page}:{claim.line}: {fact.kind} {fact.value!r} is not in the cited span(s) {where}")
    return out
