"""With a model configured (optional): a verdict on each disagreement the deterministic pass is
unsure of.

The unsure ones are the `context-differs` conflicts (a value in a marked context against an
unmarked one, claims/settle.py). The model gets the sides, each with its document, lines and
text, and answers `same` (one thing said twice), `different` (two things: no disagreement) or
`contradicts`, citing the sides it read by their labels. The answer is re-checked: it must cite at
least two of the sides it was given and no other label; an answer that does not is reported as
`model-verdict-unchecked` and not used. Verdicts go to report.json `verdicts` (conflict id ->
verdict, the cited spans, the model); they change no page. Replies are cached like drafts. A run
with no model configured never gets here.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel

from consolidate.claims.settle import CONTEXT_DIFFERS
from consolidate.llm.base import Message, ModelError, Request
from consolidate.llm.structured import parse_reply
from consolidate.records import Conflict, Finding

PROMPT_ID = "conflict-verdict-v1"
SYSTEM = ("You compare passages from a documentation set that a tool found may disagree. Answer with JSON only: "
          '{"verdict": "same" | "different" | "contradicts", "cites": [labels of the passages you relied on], '
          '"why": one short sentence}. "same": they say the same thing; "different": they are about different '
          'things or contexts, so both can be true; "contradicts": they cannot both be true. Cite at least two passages.')


class Verdict(BaseModel):
    verdict: Literal["same", "different", "contradicts"]
    cites: list[str]
    why: str = ""


def request_for(c: Conflict) -> Request:
    passages = "\n".join(f'<passage label="S{i}" doc="{s.doc}" lines="{s.start}-{s.end}" context="{s.context or "none"}">\n'
                         f"{s.text}\n</passage>" for i, s in enumerate(c.sides, start=1))
    user = f"Subject: {c.subject}\nValues: " + json.dumps({f"S{i}": list(s.values) for i, s in enumerate(c.sides, start=1)}) \
        + "\n\n" + passages
    return Request(messages=(Message(role="system", content=SYSTEM), Message(role="user", content=user)),
                   schema_name="verdict", json_schema=Verdict.model_json_schema(), prompt_id=PROMPT_ID, max_tokens=300)


def judge(conflicts: list[Conflict], backend, cache) -> tuple[dict[str, dict], list[Finding]]:
    """conflict id -> {verdict, why, cites (doc:start-end), model} for the unsure conflicts."""
    out: dict[str, dict] = {}
    findings: list[Finding] = []
    for c in conflicts:
        if c.resolution != CONTEXT_DIFFERS or c.id in out:
            continue
        request = request_for(c)
        labels = {f"S{i}": s for i, s in enumerate(c.sides, start=1)}
        try:
            result = cache.get(backend.model, request) or backend.complete(request)
            v = parse_reply(result.text, Verdict)
        except (ModelError, ValueError) as exc:
            findings.append(Finding(severity="warning", kind="model-verdict-failed", page="",
                                    message=f"conflict {c.id} ({c.subject!r}): no verdict from the model ({exc})"))
            continue
        cited = [x.strip() for x in v.cites]
        if len(set(cited) & set(labels)) < 2 or set(cited) - set(labels):
            findings.append(Finding(severity="warning", kind="model-verdict-unchecked", page="",
                                    message=f"conflict {c.id} ({c.subject!r}): the model's verdict {v.verdict!r} cites "
                                            f"{cited} but must cite two or more of {sorted(labels)}; not used"))
            continue
        if not result.cached:
            cache.put(backend.model, request, result)
        out[c.id] = {"verdict": v.verdict, "why": v.why, "model": result.model,
                     "cites": [f"{labels[x].doc}:{labels[x].start}-{labels[x].end}" for x in dict.fromkeys(cited)]}
    return out, findings


def verdicts_for_run(conflicts: list[Conflict], s, cache_dir) -> tuple[dict[str, dict], list[Finding]]:
    """The run's verdicts: none without a configured model (`auto` finding none) or an unsure conflict."""
    from consolidate.llm.base import make_backend
    from consolidate.llm.choice import resolve_backend
    from consolidate.llm.cache import ResponseCache

    if resolve_backend(s)[0] == "extractive" or not any(c.resolution == CONTEXT_DIFFERS for c in conflicts):
        return {}, []
    backend, _ = make_backend(s)
    resolve = getattr(backend, "resolve_model", None)
    if resolve is not None:  # a server named by URL only: its model first, so every cache key names it
        try:
            resolve()
        except ModelError as exc:
            return {}, [Finding(severity="warning", kind="model-verdict-failed", page="",
                                message=f"no verdicts on the unsure conflicts: the model server did not answer ({exc})")]
    cache = ResponseCache(cache_dir if s.cache else None)
    try:
        return judge(conflicts, backend, cache)
    finally:
        cache.close()
