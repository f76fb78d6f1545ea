"""Every claim cites at least one real input span, and what it says is in the cited spans.

Errors: `uncited` (no citation; a warning in standalone mode, where the claim's facts are searched
in every source instead), `bad-citation` (a label with no definition, or a span that is not a
real input span), `unsupported-fact` (a hard fact not in any cited span), `untraceable-fact`
(standalone mode: a fact of an uncited claim that no source holds), `code-mismatch` (a code or
HTML block that is not in a cited span, up to whitespace) and `negation` (the claim negates its
closest cited sentence, or drops its negation), `unsupported-claim` (almost none of the claim's
content words are in its cited spans) and `dropped-fact` (a hard fact of the cited sentence the
claim restates is missing from the claim and the claims beside it). Warning: `weak-support` (too few of the claim's
content words are in its cited spans).
"""

from __future__ import annotations

import re

from consolidate.checks import facts as F
from consolidate.markdown.blocks import FENCE, code_lines, holds_lines
from consolidate.markdown.unsafe import strip_unsafe_html
from consolidate.checks.claims import Claim, ParsedPage, Ref
from consolidate.checks.notes import NOTE_PREFIX, doc_label, note_groups, without_documents
from consolidate.checks.support import MIN_OVERLAP, NO_OVERLAP, SpanText, content_words, support
from consolidate.records import Chunk, Finding

_LOWER_WORD = re.compile(r"(?<![\w./-])[a-z][a-z]{2,}(?![\w/-]|\.\w)")
_CODE_SPAN = re.compile(r"`[^`]*`")


class SourceIndex:
    """Input lines and chunks, indexed once; span text is normalised on first use and memoised."""

    def __init__(self, chunks: list[Chunk], texts: dict[str, list[str]]):
        self.chunks = {c.id: c for c in chunks}
        self.texts = texts
        self._memo: dict[tuple, object] = {}
        self._vocab: frozenset[str] | None = None
        self.asked: dict[str, bool] | None = None  # when a dict: every ordinary() answer, recorded (stages/check.py)

    @property
    def vocab(self) -> frozenset[str]:
        """Every word the sources' running text uses in lower case (ordinary words, not names)."""
        if self._vocab is None:
            words = set()
            for lines in self.texts.values():
                fenced = False
                for ln in lines:
                    if ln.lstrip().startswith(("```", "~~~")):
                        fenced = not fenced
                    elif not fenced:  # running text only: `nginx` in a config block is a name, not a word
                        words.update(_LOWER_WORD.findall(_CODE_SPAN.sub(" ", ln) if "`" in ln else ln))
            self._vocab = frozenset(words)
        return self._vocab

    def ordinary(self, fact: F.Fact) -> bool:
        """An `initial` fact that is an ordinary word of the sources, not a name."""
        if fact.kind != "initial":
            return False
        word = fact.value.lower()
        answer = word in self.vocab
        if self.asked is not None:
            self.asked[word] = answer
        return answer

    def raw_text(self, ref: Ref) -> str:
        return "\n".join(self.texts[ref.doc][ref.start - 1:ref.end])

    def span(self, ref: Ref, raw: bool = False) -> str:
        """The cited lines as facts are searched in them (raw: whitespace collapsed only)."""
        key = (ref.doc, ref.start, ref.end, raw)
        s = self._memo.get(key)
        if s is None:
            s = F.normalise_raw(self.raw_text(ref)) if raw else F.normalise_span(self.raw_text(ref))
            self._memo[key] = s
        return s

    def span_text(self, ref: Ref) -> SpanText:
        key = (ref.doc, ref.start, ref.end, "sentences")
        s = self._memo.get(key)
        if s is None:  # a pure function of the text, which repeats across documents (versions of a page)
            text = self.raw_text(ref)
            s = self._memo.get(text)
            if s is None:
                s = self._memo[text] = SpanText(text)
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


def check_citations(page: str, parsed: ParsedPage, index: SourceIndex, fallback=None) -> list[Finding]:
    """fallback: a SourceSearch over every source; with it, an uncited claim is a warning and its
    facts are searched in all sources (standalone mode for pages people wrote)."""
    out: list[Finding] = []

    def add(severity: str, kind: str, line: int, msg: str) -> None:
        out.append(Finding(severity=severity, kind=kind, page=page, line=line, message=f"{page}:{line}: {msg}"))

    bad_refs = {label: why for label, ref in parsed.refs.items() if (why := index.problem(ref))}
    for i, claim in enumerate(parsed.claims):
        short = " ".join(claim.text.split())[:80]
        if not claim.labels:
            if fallback is None:
                add("error", "uncited", claim.line, f"no citation for {short!r}")
            else:
                add("warning", "uncited", claim.line, f"no citation for {short!r}")
                for fact in fallback.missing_facts(claim.text, claim.kind):
                    # a capitalised word people add ("Troubleshooting") is not always a name: flag it softly
                    severity, kind = ("warning", "untraceable-name") if fact.kind == "product" else ("error", "untraceable-fact")
                    add(severity, kind, claim.line, f"{fact.kind} {fact.value!r} is in none of the {fallback.size} source documents")
            continue
        refs = []
        for label in claim.labels:
            if label not in parsed.refs:
                add("error", "bad-citation", claim.line, f"citation [^{label}] has no definition")
            elif label in bad_refs:
                add("error", "bad-citation", claim.line, f"citation [^{label}]: {bad_refs[label]}")
            else:
                refs.append(parsed.refs[label])
        if refs:
            closest = _check_claim(claim, refs, index, add)
            if closest:  # neighbours citing the same span may hold the rest of a split sentence
                near = [c for c in parsed.claims[max(0, i - 1):i + 2]
                        if c is claim or (c.kind != "note" and set(c.labels) & set(claim.labels))]
                _check_dropped(claim, closest, near, refs, add)
    return out


def _check_dropped(claim: Claim, closest: str, near: list[Claim], refs: list[Ref], add) -> None:
    """A hard fact of the source sentence the claim restates, missing from the claim and its neighbours."""
    for fact in dropped_facts(closest, " ".join(c.text for c in near)):
        add("error", "dropped-fact", claim.line, f"{fact.kind} {fact.value!r} of the cited sentence {closest[:80]!r} "
                                                 f"({refs[0].doc}:{refs[0].start}-{refs[0].end}) is missing from the claim")


def dropped_facts(closest: str, said: str) -> list[F.Fact]:
    """The hard facts of a source sentence (`closest`) that `said` leaves out."""
    here = F.normalise_prose(said)
    return [f for f in F.extract(closest) if f.kind not in ("product", "initial") and not F.contains(here, f)]


def holds_some(cw: frozenset[str], facts: list[F.Fact], span_words: frozenset[str], span: str) -> bool:
    """A cited span holds some of a claim (content words cw, hard facts): one of its facts or a fifth of its words."""
    return len(cw & span_words) / len(cw) >= NO_OVERLAP or any(F.contains(span, f) for f in facts if f.kind != "initial")


def _check_each_citation(claim: Claim, refs: list[Ref], index: SourceIndex, add) -> None:
    """With several citations, each must hold some of the claim: one of its facts or a fifth of its words."""
    cw = content_words(claim.text)
    facts = F.extract(claim.text)
    if len(cw) < 3:
        return
    for r in refs:
        if holds_some(cw, facts, index.span_text(r).all_words, index.span(r)):
            continue
        add("error", "irrelevant-citation", claim.line,
            f"the cited span {r.doc}:{r.start}-{r.end} holds none of the claim's facts and almost none of its words")


def _note_body(text: str) -> str:
    """The part of a "Sources disagree" note after its prefix, up to its fixed closing words."""
    return text.split(NOTE_PREFIX, 1)[-1].split(". Check which", 1)[0]


def _note_sides(text: str, refs: list[Ref]) -> tuple[str, list[tuple[str, list[Ref], list[str]]]]:
    """A "Sources disagree" note as (its subject, [(a value, the cited sides it is given for, the
    documents it names)]), or (its body, []) when its values cannot be matched to its citations.
    `subject: A (doc) vs B (doc, doc)`: a value goes with the cited sides of the documents named
    after it; a note that names none: value i with side i."""
    body = _note_body(text)
    # the values follow the subject's last ": " (a subject may hold colons: "`ascii`: Uses the ...")
    subject, _, values = body.rpartition(": ")
    groups = note_groups(values) if " vs " in values else []
    if groups and all(docs for _, docs in groups):
        return subject, [(value, [r for r in refs if doc_label(r.doc) in docs], docs) for value, docs in groups]
    if groups and len(groups) == len(refs):
        return subject, [(value, [r], [r.doc]) for (value, _), r in zip(groups, refs)]
    return without_documents(body), []


def _check_note_sides(sides: list[tuple[str, list[Ref], list[str]]], index: SourceIndex, add, claim: Claim) -> None:
    """Each value of a note must be in a cited side of the documents it is given for; values are
    read one at a time, so a backtick or quote in one cannot pair with one in the next."""
    for value, mine, docs in sides:
        if not mine:
            add("error", "bad-citation", claim.line, f"the note gives {value.strip()!r} for {', '.join(docs)} but cites no side there")
            continue
        for fact in F.extract(value):
            if not any(F.contains(index.span(r), fact) for r in mine) and not index.ordinary(fact):
                where = ", ".join(f"{r.doc}:{r.start}-{r.end}" for r in mine)
                add("error", "unsupported-fact", claim.line, f"{fact.kind} {fact.value!r} is not in the side it is given for ({where})")


def _holds(index: SourceIndex, r: Ref, body: str, kind: str) -> bool:
    """A copied block is in its span; an HTML block may have lost its javascript:/data:/file: links (markdown/unsafe.py)."""
    span = index.span(r, raw=True)
    return body in span or (kind == "html" and body in strip_unsafe_html(span)[0])


def _shows_block(index: SourceIndex, r: Ref, text: str) -> bool:
    """The span is a code block whose every line the claim's block shows, in order: a block merged
    into a longer one from another source (merge/statements.absorb_blocks)."""
    span = index.raw_text(r)
    return FENCE.match(span.lstrip("\n")) is not None and holds_lines(code_lines(text), code_lines(span))


def _check_claim(claim: Claim, refs: list[Ref], index: SourceIndex, add) -> str:
    """Checks one cited claim; returns the cited sentence closest to it ('' if none or not prose)."""
    where = ", ".join(f"{r.doc}:{r.start}-{r.end}" for r in refs)
    if claim.kind in ("code", "html"):
        body = F.normalise_raw(claim.text)
        if body and not any(_holds(index, r, body, claim.kind) for r in refs):
            add("error", "code-mismatch", claim.line, f"{claim.kind} block does not match its cited span(s) {where}")
        elif body:  # a block is copied, so every source it cites must hold it, or (code) hold a block it shows whole
            for r in refs:
                if not _holds(index, r, body, claim.kind) and not (claim.kind == "code" and _shows_block(index, r, claim.text)):
                    add("error", "code-mismatch", claim.line, f"{claim.kind} block is not in its cited span {r.doc}:{r.start}-{r.end}")
        return ""
    spans = [index.span(r) for r in refs]
    # a note's values are read one side at a time, so a value holding a backtick or a quote cannot
    # pair with one of the next value into a code or quoted "fact" across the " vs "
    text, sides = _note_sides(claim.text, refs) if claim.kind == "note" else (claim.text, [])
    for fact in F.extract(text):
        if not any(F.contains(s, fact) for s in spans) and not index.ordinary(fact):
            add("error", "unsupported-fact", claim.line, f"{fact.kind} {fact.value!r} is not in the cited span(s) {where}")
    _check_note_sides(sides, index, add, claim)
    if claim.kind in ("note", "table"):
        return ""  # a disagreement note is ours; a table row's words are its facts
    sup = support(claim.text, [index.span_text(r) for r in refs])
    if len(refs) > 1:
        _check_each_citation(claim, refs, index, add)
    if sup.negation_mismatch:
        add("error", "negation", claim.line, f"{' '.join(claim.text.split())[:80]!r} contradicts its closest cited "
                                             f"sentence {sup.closest[:80]!r} ({where}): one of them is negated")
        return ""
    if sup.overlap < NO_OVERLAP:
        add("error", "unsupported-claim", claim.line, f"only {sup.overlap:.0%} of the claim's words are in its cited span(s) {where}")
        return ""
    if sup.overlap < MIN_OVERLAP:
        add("warning", "weak-support", claim.line, f"only {sup.overlap:.0%} of the claim's words are in its cited span(s) {where}")
    elif sup.sentence_overlap < MIN_OVERLAP:
        add("warning", "weak-support", claim.line, f"no cited sentence holds more than {sup.sentence_overlap:.0%} of the "
                                                   f"words of a sentence of the claim ({where})")
    return sup.closest
