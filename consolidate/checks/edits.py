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
cites.
Each function returns the problems as phrases fit for a finding ('' / [] when there is none).
"""

from __future__ import annotations

from consolidate import sentences
from consolidate.checks import facts as F
from consolidate.checks.support import MIN_OVERLAP, NEGATION, STOP, SpanText, negations, support
from consolidate.markdown.links import targets

MAX_SENTENCES = 2  # a fused statement is one sentence; two where the group's statements hold two


def _ordinary(fact: F.Fact) -> bool:
    """A capitalised function word ("Both", "Each") read as an `initial`: a word, not a name."""
    return fact.kind == "initial" and (fact.value.lower() in STOP or fact.value.lower() in NEGATION)


def fuse_problems(text: str, cites: list[str], statements: dict[str, str], head: str) -> list[str]:
    """Why `text`, citing `cites`, cannot stand for the group `statements` (id -> text) merged into `head`."""
    problems = []
    if not text.strip():
        return ["the statement is empty"]
    unknown = sorted(set(cites) - set(statements))
    if unknown:
        problems.append(f"cites {', '.join(unknown)}, not an id in the request")
    cited = [statements[c] for c in dict.fromkeys(cites) if c in statements]
    if not cited:
        return problems + ["cites no statement of the request"]
    spans = [F.normalise_span(t) for t in cited]
    added = [f for f in F.extract(text) if not any(F.contains(s, f) for s in spans) and not _ordinary(f)]
    if added:
        problems.append("adds " + ", ".join(f"{f.kind} {f.value!r}" for f in added[:4]) + " not in the statements it cites")
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


def procedure_problems(steps: list[tuple[str, list[str]]], source: dict[str, str]) -> list[str]:
    """Why the ordered `steps` ((text, cited ids) each) cannot stand for the procedure `source` (id -> step)."""
    cited = [c for _, cites in steps for c in cites]
    problems = []
    unknown = sorted(set(cited) - set(source))
    if unknown:
        problems.append(f"cites {', '.join(unknown)}, not an id in the request")
    missing = [c for c in source if c not in cited]
    if missing:
        problems.append(f"leaves out step {', '.join(missing)}")
    twice = sorted({c for c in cited if cited.count(c) > 1})
    if twice:
        problems.append(f"tells step {', '.join(twice)} twice")
    for i, (text, cites) in enumerate(steps, 1):
        mine = {c: source[c] for c in dict.fromkeys(cites) if c in source}
        if mine:
            problems += [f"step {i} {p}" for p in fuse_problems(text, list(mine), mine, next(iter(mine.values())))]
        elif not unknown:
            problems.append(f"step {i} cites no step")
    return problems
