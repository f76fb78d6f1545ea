"""Draft with model edits (llm.mode = edits): the extractive merge, with a model improving one group at a time.

The merge engine (merge/statements.py) absorbs statements that restate each other into the most
complete one, which cites them all. Each such group, where its statements are worded differently,
is one request (prompts/fuse_statements.txt): the statements with request-local ids (s1, s2, ...),
asking for one statement that says everything once. The reply is checked at once
(checks/edits.py); an accepted one replaces the text of the group's statement, which keeps
citing every member; a rejected one leaves the extractive statement, with a
`model-edit-rejected` finding. Each group is recorded on its page (DraftPage.edits), so the
ledger and the report say which groups the model wrote.

After the page is rendered, sections merged from several sources that open with a list, code or
a table get a lead, and runs of sentences from different sources are smoothed into one paragraph
(stages/prose_edits.py), checked the same way.

Requests are small and start with the same instructions, so a server's prompt cache skips them
after the first; replies are cached (llm/cache.py), so an unchanged rerun calls no model.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from consolidate.checks.edits import fuse_problems, lead_cites, lead_problems, paragraph_problems, procedure_problems
from consolidate.dedupe import normalise
from consolidate.llm.base import ModelError, Request
from consolidate.llm.usage import PageUsage, request_tokens
from consolidate.markdown.blocks import LIST_ITEM
from consolidate.llm.prompts import Prompt, load_prompt, tagged
from consolidate.merge.procedures import now, numbered
from consolidate.records import Citation, DraftPage, Edit, Finding
from consolidate.stages.draft_model import CostLimit, Drafting, ask, prose_line
from consolidate.stages.prose_edits import (Cited, Group, SentencesReply, applied, prose_groups, prose_request,
                                            statement_spans)
from consolidate.units import Unit

MAX_GROUP = 8  # statements per request: a larger group keeps its extractive statement
MAX_STEPS = 30  # steps per procedure request: a longer list keeps its extractive order


FuseReply = Cited
FUSE_SCHEMA = FuseReply.model_json_schema()


class ProcedureReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    steps: list[FuseReply]


PROCEDURE_SCHEMA = ProcedureReply.model_json_schema()
PROCEDURE_PROMPT = "merge_procedure"


def fuse_groups(units: list[Unit], sections: dict[str, list[Unit]]) -> list[tuple[Unit, list[Unit]]]:
    """(shown statement, its group: itself first, then the statements merged into it) for every shown
    sentence or item whose group words things differently; not a side of a conflict, an item other
    items hang under, or an intro ending in ':' (its block follows it)."""
    members: dict[int, list[Unit]] = {}
    for u in units:
        head = now(u)
        if head is not u:
            members.setdefault(id(head), []).append(u)
    parents = {normalise(u.parent) for u in units if u.parent}
    out = []
    for shown in sections.values():
        for u in shown:
            group = [u] + members.get(id(u), [])
            if (u.kind not in ("sentence", "list_item") or u.conflicts or u.notes or len(group) > MAX_GROUP
                    or u.text.rstrip().endswith(":") or normalise(_body(u.text)) in parents or _holds_block(u)):
                continue
            if len({normalise(_body(x.text)) for x in group}) > 1:
                out.append((u, group))
    return out


def merged_procedures(sections: dict[str, list[Unit]]) -> list[tuple[list[Unit], list[Unit]]]:
    """(the section's units, the steps of one list) for each numbered list that steps of another source's
    list of the same task were moved into (merge/procedures.py), in page order."""
    out = []
    for shown in sections.values():
        for base in dict.fromkeys(u.shown_in for u in shown if u.shown_in):
            steps = [u for u in shown if (u.shown_in or u.para) == base and numbered(u)]
            at = [i for i, u in enumerate(shown) if any(u is x for x in steps)]
            # only a list with nothing between its steps (a step's code block stays under its step)
            if (1 < len(steps) <= MAX_STEPS and at[-1] - at[0] + 1 == len(at)
                    and not any(u.conflicts or u.notes or _holds_block(u) for u in steps)):
                out.append((shown, steps))
    return out


def _plain(u: Unit) -> bool:
    """A statement a lead or smoothing edit may take: a sentence or item, no side of a conflict,
    no note on it, holding no block."""
    return u.kind in ("sentence", "list_item") and not (u.conflicts or u.notes) and not _holds_block(u)


def _holds_block(u: Unit) -> bool:
    """An item holding a code block, a table or an indented block: not one statement to rewrite."""
    return any(mark in u.text for mark in ("```", "~~~", "\n    ", "\n\t", "\n|", "\n  |"))


def _marker(text: str) -> str:
    m = LIST_ITEM.match(text)
    return m.group(0) if m else ""


def _body(text: str) -> str:
    """A statement's text without its list marker, on one line."""
    return " ".join(text[len(_marker(text)):].split())


def fuse_request(group: list[Unit], d: Drafting) -> tuple[Request, dict[str, str]]:
    ids = {f"s{i}": _body(u.text) for i, u in enumerate(group, 1)}
    words = max(len(v.split()) for v in ids.values())
    req = Request(messages=d.prompt.render(statements=tagged("s", ids)), schema_name="fused_statement",
                  json_schema=FUSE_SCHEMA, temperature=d.settings.temperature, max_tokens=min(d.settings.max_output_tokens, 48 + 3 * words),
                  prompt_id=d.prompt.id)
    return req, ids


def procedure_request(steps: list[Unit], prompt, d: Drafting) -> tuple[Request, dict[str, str]]:
    ids = {f"p{i}": _body(u.text) for i, u in enumerate(steps, 1)}
    words = sum(len(v.split()) for v in ids.values())
    req = Request(messages=prompt.render(steps=tagged("step", ids)), schema_name="merged_procedure",
                  json_schema=PROCEDURE_SCHEMA, temperature=d.settings.temperature,
                  max_tokens=min(d.settings.max_output_tokens, 64 + 3 * words + 12 * len(ids)), prompt_id=prompt.id)
    return req, ids


@dataclass
class Editor:
    """Asks the model for each group's edit, checks it, and records the outcome per page."""

    d: Drafting
    usage: dict[str, PageUsage] = field(default_factory=dict)
    procedure_prompt: Prompt | None = None
    edits: dict[str, list[Edit]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    spans: dict[str, dict] = field(default_factory=dict)  # page file -> its statements (prose_edits.statement_spans)

    def page(self, page_file: str, units: list[Unit], sections: dict[str, list[Unit]]) -> None:
        """Rewrites the text of each group's statement on this page whose edit the checker accepts."""
        usage = self.usage.setdefault(page_file, PageUsage(backend="extractive", reason=self.d.reason,
                                                           model=self.d.backend.model))
        out = self.edits.setdefault(page_file, [])
        groups = fuse_groups(units, sections)
        for (u, group), (text, problem, used) in zip(groups, self._each(self._fuse, [g for _, g in groups])):
            usage.merge(used)
            members = tuple(x.cite() for x in group)
            if self._rejected(page_file, "fuse", members, text, problem, "statement"):
                continue
            same = normalise(text) == normalise(_body(u.text))
            u.text = _marker(u.text) + text
            u.words = None  # said again in new words: read them again if asked
            out.append(Edit(kind="fuse", members=members, by=self.d.backend.name, text=text, unchanged=same))
        lists = merged_procedures(sections)  # after the fusing: a step reads as its group's statement
        for (shown, steps), (reply, problem, used) in zip(lists, self._each(self._procedure, [st for _, st in lists])):
            usage.merge(used)
            members = tuple(dict.fromkeys(c for x in steps for c in x.citations))
            text = "\n".join(t for t, _ in reply)
            if self._rejected(page_file, "procedure", members, text, problem, "list"):
                continue
            same = [normalise(t) for t, _ in reply] == [normalise(_body(x.text)) for x in steps]
            _reorder(shown, steps, reply)
            out.append(Edit(kind="procedure", members=members, by=self.d.backend.name, text=text, unchanged=same))
        if any(e.by != "extractive" for e in out):
            usage.backend = self.backend_label
        self.spans[page_file] = statement_spans(sections, _plain)

    def prose(self, pages: list[DraftPage]) -> list[DraftPage]:
        """The rendered pages with the leads and smoothed paragraphs the checker accepts (prose_edits.py)."""
        asks = [(i, g) for i, p in enumerate(pages) for g in prose_groups(p, self.spans.get(p.file, {}), _body)]
        answers = self._each(lambda ig: self._prose(ig[1]), asks)
        done: dict[int, list] = {}
        for (i, g), (parts, problem, used) in zip(asks, answers):
            page_file = pages[i].file
            self.usage[page_file].merge(used)
            text = " ".join(t for t, _ in parts)
            if g.kind == "lead":
                kept = f"left the section {g.heading!r} without a lead; statements {', '.join(c.ref for c in g.members)}"
            else:
                kept = None
            if self._rejected(page_file, g.kind, g.members, text, problem, "lead" if g.kind == "lead" else "paragraph", kept):
                continue
            # unchanged: the model's paragraph is the statements' own words, joined
            same = g.kind == "smooth" and normalise(text) == normalise(" ".join(g.ids[c] for _, cs in parts for c in cs))
            self.edits[page_file].append(Edit(kind=g.kind, members=g.members, by=self.d.backend.name, text=text,
                                              unchanged=same))
            done.setdefault(i, []).append((g, parts))
        out = []
        for i, p in enumerate(pages):
            update = {"edits": tuple(self.edits.get(p.file, ()))}
            if any(e.by != "extractive" for e in update["edits"]):
                update["backend"] = self.backend_label
                self.usage[p.file].backend = self.backend_label
            out.append(applied(p, done.get(i, [])).model_copy(update=update))
        return out

    @property
    def backend_label(self) -> str:
        """How a page the model edited names its drafter (DraftPage.backend, its footer, report.json)."""
        return f"{self.d.backend.name}-edits"

    def outcome(self, page_file: str) -> dict:
        """DraftPage fields for this page: its edits, and its backend where the model wrote any."""
        edits = tuple(self.edits.get(page_file, ()))
        return {"edits": edits} | ({"backend": self.backend_label} if any(e.by != "extractive" for e in edits) else {})

    def _each(self, ask_one, items: list) -> list:
        # a server with one slot (the local backend) answers one request at a time: more would only queue
        workers = min(self.d.settings.concurrency, getattr(self.d.backend, "slots", self.d.settings.concurrency))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(ask_one, items))

    def _rejected(self, page_file: str, kind: str, members: tuple[Citation, ...], text: str, problem: str,
                  what: str, kept: str | None = None) -> bool:
        """A rejected edit is recorded, with a finding; the group keeps its extractive answer.
        kept: what the page keeps instead (default: the extractive statement, list or paragraph)."""
        if not problem:
            return False
        self.edits.setdefault(page_file, []).append(Edit(kind=kind, members=members, by="extractive", text=text,
                                                         problem=problem))
        kept = kept or f"kept the extractive {what} for the group {', '.join(c.ref for c in members)}"
        self.findings.append(Finding(severity="warning", kind="model-edit-rejected", page=page_file,
                                     message=f"{page_file}: {kept}: the {self.d.backend.name} model's {what} {problem}"))
        return True

    def _prose(self, g: Group) -> tuple[list[tuple[str, list[str]]], str, PageUsage]:
        """([(text, cited ids)], '' or the problem, usage) of the model's lead or paragraph."""
        used = PageUsage()
        shape = Cited if g.kind == "lead" else SentencesReply
        try:
            reply, _ = ask(prose_request(g, self.d.settings), self.d, used, [], shape)
        except (ValueError, ModelError, CostLimit) as exc:
            return [], f"could not be had: {exc}", used
        if g.kind == "lead":
            text = prose_line(reply.text)
            cites = lead_cites(text, list(reply.cites), g.ids)
            return [(text, cites)], "; ".join(lead_problems(text, cites, g.ids)), used
        parts = [(prose_line(x.text), list(x.cites)) for x in reply.sentences]
        return parts, "; ".join(paragraph_problems(parts, g.ids)), used

    def _procedure(self, steps: list[Unit]) -> tuple[list[tuple[str, list[str]]], str, PageUsage]:
        """(steps as (text, cited ids), '' or the problem, usage) of the model's ordered list."""
        used = PageUsage()
        if self.procedure_prompt is None:
            self.procedure_prompt = load_prompt(PROCEDURE_PROMPT)
        req, ids = procedure_request(steps, self.procedure_prompt, self.d)
        try:
            reply, _ = ask(req, self.d, used, [], ProcedureReply)
        except (ValueError, ModelError, CostLimit) as exc:
            return [], f"could not be had: {exc}", used
        out = [(prose_line(st.text), list(st.cites)) for st in reply.steps]
        return out, "; ".join(procedure_problems(out, ids)), used

    def _fuse(self, group: list[Unit]) -> tuple[str, str, PageUsage]:
        """(statement, '', usage) when the model's edit passes the checks, else (what it wrote, the problem, usage)."""
        used = PageUsage()
        req, ids = fuse_request(group, self.d)
        try:
            reply, _ = ask(req, self.d, used, [], FuseReply)
        except (ValueError, ModelError, CostLimit) as exc:
            return "", f"could not be had: {exc}", used
        text = prose_line(reply.text)
        return text, "; ".join(fuse_problems(text, reply.cites, ids, _body(group[0].text))), used


def _reorder(shown: list[Unit], steps: list[Unit], reply: list[tuple[str, list[str]]]) -> None:
    """The list's steps in the model's order and words, in the places the list held; a step told
    together with others is cited on the first of them and leaves the list. Each place keeps its
    list marker, so the list numbers from where it did."""
    by_id = {f"p{i}": u for i, u in enumerate(steps, 1)}
    at = [i for i, u in enumerate(shown) if any(u is x for x in steps)]
    marks = [_marker(shown[i].text) for i in at]
    new = []
    for (text, cites), mark in zip(reply, marks):
        first = by_id[cites[0]]
        for c in cites[1:]:
            other = by_id[c]
            first.citations.extend(x for x in other.citations if x not in first.citations)
            other.into = first
        first.text, first.words = mark + text, None
        new.append(first)
    shown[at[0]:at[-1] + 1] = new


def edits_summary(drafts) -> dict:
    """report.json `model_edits`: the groups the model was asked to write, how many it wrote (its
    statement accepted by the checks), and why the others kept their extractive statement."""
    seen: dict[tuple, tuple[str, Edit]] = {}
    for d in drafts:  # a page split for size (stages/split.py) hands its edits to its parts: count each once
        for e in d.edits:
            seen.setdefault((e.kind, e.members), (d.part_of or d.file, e))
    edits = list(seen.values())
    written = sum(e.by != "extractive" for _, e in edits)
    return {"asked": len(edits), "written": written, "rejected": len(edits) - written,
            "unchanged": sum(e.unchanged for _, e in edits),  # written, but the model copied the extractive statement
            "accepted_share": round(written / len(edits), 3) if edits else None,
            "by_kind": {k: {"asked": sum(e.kind == k for _, e in edits), "written": sum(e.kind == k and e.by != "extractive" for _, e in edits)}
                        for k in sorted({e.kind for _, e in edits})},
            "rejected_groups": [{"page": page, "members": [c.ref for c in e.members], "problem": e.problem}
                                for page, e in edits if e.by == "extractive"]}


@dataclass
class Estimator:
    """--dry-run in llm.mode = edits: the requests the edits would send (through the same merge), none sent."""

    d: Drafting
    calls: int = 0
    hits: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    spans: dict[str, dict] = field(default_factory=dict)

    def page(self, page_file: str, units: list[Unit], sections: dict[str, list[Unit]]) -> None:
        reqs = [fuse_request(group, self.d)[0] for _, group in fuse_groups(units, sections)]
        reqs += [procedure_request(steps, load_prompt(PROCEDURE_PROMPT), self.d)[0] for _, steps in merged_procedures(sections)]
        self._count(reqs)
        self.spans[page_file] = statement_spans(sections, _plain)

    def prose(self, pages: list[DraftPage]) -> list[DraftPage]:
        """The lead and smoothing requests the rendered pages would send (the extractive blocks stand
        for what fusing would write)."""
        self._count([prose_request(g, self.d.settings) for p in pages for g in prose_groups(p, self.spans.get(p.file, {}), _body)])
        return pages

    def _count(self, reqs: list[Request]) -> None:
        for req in reqs:
            if self.d.cache.get(self.d.backend.model, req) is not None:
                self.hits += 1
                continue
            self.calls += 1
            self.tokens_in += request_tokens(req)
            self.tokens_out += req.max_tokens

    def outcome(self, page_file: str) -> dict:
        return {}
