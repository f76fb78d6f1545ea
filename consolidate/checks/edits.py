"""A model's edit of one merge group, checked before it is used (stages/draft_edits.py).

An edit rewrites one group of the merge engine (statements that restate each other) as one
statement. It is accepted only when, against the statements of its request:
- it cites only ids of the request, and at least one;
- every hard fact it holds (number, version, path, code, flag, URL, name, ...) is in a statement
  it cites (checks/facts.py, as the page checker reads facts);
- every hard fact of every statement of the group is in it (none dropped);
- it holds as many negations as the statement the group was merged into, and no cited sentence
  it restates says the opposite (checks/support.py);
- at least MIN_OVERLAP of its content words are in the statements it cites;
- it links to the same targets as the statement the group was merged into (the links are
  rewritten for the merged page afterwards).
A merged procedure (the steps of one task from several sources in one numbered list) is
rewritten as one ordered list: each source step must be cited by exactly one step of the reply
(none dropped, none told twice), and each step is checked as a fused statement of the steps it
cites. A smoothed paragraph (consecutive statements of a section from different sources, written
as one paragraph) is checked the same way, sentence by sentence; as its statements are not
restatements of each other, a sentence citing several holds their negations together and
KEEP_WORDS of each one's content words.
A section lead (one or two sentences saying what a merged section covers) says less than the
statements it cites, so no fact of theirs need be in it; it is accepted only when it is one or two
sentences (ending as a sentence does, not a run of names or a title), cites ids of
the request, every hard fact in it is in a statement it cites, it keeps the hard facts of the
cited sentence it restates most closely and each statement it cites holds some of it (as the page
checker reads a claim: checks/citations.py), each of its sentences has
MIN_OVERLAP of its content words in them and says no cited sentence the other way round, it holds
no more negations than they do, links only to targets they link to, and copies none of them whole
or says a sentence of theirs again nearly word for word (REPEATS): the statements stay under it.
Each function returns the problems as phrases fit for a finding ('' / [] when there is none).
"""

from __future__ import annotations

from consolidate import sentences
from consolidate.checks import facts as F
from consolidate.checks.citations import dropped_facts, holds_some
from consolidate.checks.support import (MIN_OVERLAP, NEGATION, STOP, SpanText, content_words, negations, sentences_of,
                                        support)
from consolidate.dedupe import normalise
from consolidate.markdown.links import targets

MAX_SENTENCES = 2  # a fused statement is one sentence; two where the group's statements hold two
MAX_LEAD_WORDS = 40  # a lead says what the section covers; the prompt asks for at most 25 words
KEEP_WORDS = 0.75  # a smoothed paragraph's sentence keeps this share of each statement's content words it cites
REPEATS = 0.8  # a lead sentence sharing this much of a statement's sentence's content words says it again


def _ordinary(fact: F.Fact) -> bool:
    """A capitalised function word ("Both", "Each") read as an `initial`: a word, not a name."""
    return fact.kind == "initial" and (fact.value.lower() in STOP or fact.value.lower() in NEGATION)


def _cited(text: str, cites: list[str], statements: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the problems of what `text` cites: unknown ids, hard facts in no statement it cites; the cited texts)."""
    problems = []
    unknown = sorted(set(cites) - set(statements))
    if unknown:
        problems.append(f"cites {', '.join(unknown)}, not an id in the request")
    cited = [statements[c] for c in dict.fromkeys(cites) if c in statements]
    if not cited:
        return problems + ["cites no statement of the request"], cited
    spans = [F.normalise_span(t) for t in cited]
    facts = F.extract(text)
    added = [f for f in facts if not any(F.contains(s, f) for s in spans) and not _ordinary(f)]
    if added:
        problems.append("adds " + ", ".join(f"{f.kind} {f.value!r}" for f in added[:4]) + " not in the statements it cites")
    cw = content_words(text)
    if len(cited) > 1 and len(cw) >= 3:  # as the page checker reads a claim of several citations
        idle = [c for c in dict.fromkeys(cites) if c in statements
                and not holds_some(cw, facts, content_words(statements[c]), F.normalise_span(statements[c]))]
        if idle:
            problems.append(f"cites {', '.join(idle)}, which holds almost none of it")
    return problems, cited


def fuse_problems(text: str, cites: list[str], statements: dict[str, str], head: str) -> list[str]:
    """Why `text`, citing `cites`, cannot stand for the group `statements` (id -> text) merged into `head`."""
    if not text.strip():
        return ["the statement is empty"]
    problems, cited = _cited(text, cites, statements)
    if not cited:
        return problems
    here = F.normalise_span(text)
    dropped = [(sid, f) for sid, t in statements.items() for f in F.extract(F.statement(t))
               if f.kind not in ("product", "initial") and not F.contains(here, f)]
    if dropped:
        problems.append("drops " + ", ".join(f"{f.kind} {f.value!r} (of {sid})" for sid, f in dropped[:4]))
    sup = support(text, [SpanText(t) for t in cited])
    if negations(text) != negations(head) or sup.negation_mismatch:
        problems.append("changes a negation (not, no, never, without ...)")
    elif sup.overlap < MIN_OVERLAP:
        problems.append(f"only {sup.overlap:.0%} of its words are in the statements it cites")
    if set(targets(text)) != {t for x in cited for t in targets(x)}:
        problems.append("changes the links")
    if len(sentences.split(F.prose(text))) > max(MAX_SENTENCES, len(sentences.split(F.prose(head)))):
        problems.append("is more than one statement")
    return problems


def lead_cites(text: str, cites: list[str], statements: dict[str, str]) -> list[str]:
    """The ids a lead cites, less those whose statement holds almost none of it (a small model cites
    every statement it was given): the lead then cites only the statements it draws on, and is checked
    against those. Unknown ids stay, to be reported; when none holds any of it, all stay."""
    cw, facts = content_words(text), F.extract(text)
    if len(cw) < 3:
        return cites
    keep = [c for c in cites if c not in statements
            or holds_some(cw, facts, content_words(statements[c]), F.normalise_span(statements[c]))]
    return keep if any(c in statements for c in keep) else cites


def lead_problems(text: str, cites: list[str], statements: dict[str, str]) -> list[str]:
    """Why `text`, citing `cites`, cannot lead the section whose statements are `statements` (id -> text)."""
    if not text.strip():
        return ["the lead is empty"]
    problems, cited = _cited(text, cites, statements)
    if not cited:
        return problems
    if len(sentences.split(F.prose(text))) > MAX_SENTENCES:
        problems.append(f"is more than {MAX_SENTENCES} sentences")
    if not F.prose(text).rstrip(" \"'’”)*_").endswith((".", "!", "?")):
        problems.append("is not a sentence (a list of names or a title)")
    if len(text.split()) > MAX_LEAD_WORDS:
        problems.append(f"is longer than {MAX_LEAD_WORDS} words")
    spans = [SpanText(t) for t in cited]
    closest = support(text, spans).closest  # the statement it restates, as the page checker finds it
    lost = dropped_facts(closest, text)
    if lost:
        problems.append("drops " + ", ".join(f"{f.kind} {f.value!r}" for f in lost[:4])
                        + " of the statement it restates most closely")
    sups = [support(part, spans) for part in sentences_of(text)]
    if any(x.negation_mismatch for x in sups) or negations(text) > sum(negations(t) for t in cited):
        problems.append("changes a negation (not, no, never, without ...)")
    weak = min((x.overlap for x in sups), default=1.0)
    if weak < MIN_OVERLAP:
        problems.append(f"only {weak:.0%} of a sentence's words are in the statements it cites")
    if not set(targets(text)) <= {t for x in cited for t in targets(x)}:
        problems.append("links to a target no statement it cites links to")
    copied = [sid for sid, t in statements.items() if normalise(F.statement(t)) == normalise(text)]
    if copied:
        problems.append(f"copies {copied[0]} whole")
    else:
        again = _repeated(text, statements)
        if again:
            problems.append(f"repeats a sentence of {again} (the statement stays under the lead)")
    return problems


def _repeated(text: str, statements: dict[str, str]) -> str:
    """The id of a statement holding a sentence that a sentence of `text` says again nearly word for
    word (REPEATS of their content words shared), '' when none does."""
    for part in sentences_of(text):
        mine = content_words(part)
        for sid, t in statements.items():
            for words in SpanText(t).words:
                if mine and words and len(mine & words) / len(mine | words) >= REPEATS:
                    return sid
    return ""


def procedure_problems(steps: list[tuple[str, list[str]]], source: dict[str, str]) -> list[str]:
    """Why the ordered `steps` ((text, cited ids) each) cannot stand for the procedure `source` (id -> step)."""
    return _each_once(steps, source, "step", lambda mine: next(iter(mine.values())))


def paragraph_problems(parts: list[tuple[str, list[str]]], source: dict[str, str]) -> list[str]:
    """Why the sentences `parts` ((text, cited ids) each) cannot stand for the consecutive statements
    `source` (id -> text) written as one paragraph. Its statements say different things, so each
    must keep KEEP_WORDS of its content words in the sentence citing it, facts or none (a sentence
    citing two statements but saying one was accepted before: the 0.5B on design-kinds)."""
    problems = _each_once(parts, source, "sentence", lambda mine: " ".join(mine.values()), "statement")
    for i, (text, cites) in enumerate(parts, 1):
        here = content_words(text)
        for c in dict.fromkeys(cites):
            words = content_words(source.get(c, ""))
            if words and len(words & here) / len(words) < KEEP_WORDS:
                problems.append(f"sentence {i} leaves out most of the words of {c}")
    return problems


def _each_once(parts: list[tuple[str, list[str]]], source: dict[str, str], part: str, head, told: str = "") -> list[str]:
    """Each id of `source` told by exactly one of `parts`, each part checked as a fused statement of
    the ones it cites (head: its cited texts -> the text whose negations it keeps)."""
    told = told or part
    cited = [c for _, cites in parts for c in cites]
    problems = []
    unknown = sorted(set(cited) - set(source))
    if unknown:
        problems.append(f"cites {', '.join(unknown)}, not an id in the request")
    missing = [c for c in source if c not in cited]
    if missing:
        problems.append(f"leaves out {told} {', '.join(missing)}")
    twice = sorted({c for c in cited if cited.count(c) > 1})
    if twice:
        problems.append(f"tells {told} {', '.join(twice)} twice")
    for i, (text, cites) in enumerate(parts, 1):
        mine = {c: source[c] for c in dict.fromkeys(cites) if c in source}
        if mine:
            problems += [f"{part} {i} {p}" for p in fuse_problems(text, list(mine), mine, head(mine))]
        elif not unknown:
            problems.append(f"{part} {i} cites no {told}")
    return problems
