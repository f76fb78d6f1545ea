"""Draft with model edits (llm.mode = edits): the extractive merge, with a model improving one group at a time.

The merge engine (merge/statements.py) absorbs statements that restate each other into the most
complete one, which cites them all. Each such group, where its statements are worded differently,
is one request (prompts/fuse_statements.txt): the statements with request-local ids (s1, s2, ...),
asking for one statement that says everything once. The reply is checked at once
(checks/edits.py); an accepted one replaces the text of the group's statement, which keeps
citing every member; a rejected one leaves the extractive statement, with a
`model-edit-rejected` finding. Each group is recorded on its page (DraftPage.edits), so the
ledger and the report say which groups the model wrote.

Requests are small and start with the same instructions, so a server's prompt cache skips them
after the first; replies are cached (llm/cache.py), so an unchanged rerun calls no model.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from consolidate.checks.edits import fuse_problems
from consolidate.dedupe import normalise
from consolidate.llm.base import ModelError, Request
from consolidate.llm.usage import PageUsage, request_tokens
from consolidate.markdown.blocks import LIST_ITEM
from consolidate.merge.procedures import now
from consolidate.records import Citation, Edit, Finding
from consolidate.stages.draft_model import CostLimit, Drafting, ask, prose_line
from consolidate.units import Unit

MAX_GROUP = 8  # statements per request: a larger group keeps its extractive statement
SOURCE_TAG = re.compile(r"</?s\b", re.I)


class FuseReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    cites: list[str]


FUSE_SCHEMA = FuseReply.model_json_schema()


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
                    or u.text.rstrip().endswith(":") or normalise(_body(u.text)) in parents):
                continue
            if len({normalise(_body(x.text)) for x in group}) > 1:
                out.append((u, group))
    return out


def _marker(text: str) -> str:
    m = LIST_ITEM.match(text)
    return m.group(0) if m else ""


def _body(text: str) -> str:
    """A statement's text without its list marker, on one line."""
    return " ".join(text[len(_marker(text)):].split())


def fuse_request(group: list[Unit], d: Drafting) -> tuple[Request, dict[str, str]]:
    ids = {f"s{i}": _body(u.text) for i, u in enumerate(group, 1)}
    body = "\n".join(f'<s id="{k}">{SOURCE_TAG.sub(lambda m: m.group(0).replace("<", "&lt;"), v)}</s>'
                     for k, v in ids.items())
    words = max(len(v.split()) for v in ids.values())
    req = Request(messages=d.prompt.render(statements=body), schema_name="fused_statement", json_schema=FUSE_SCHEMA,
                  temperature=d.settings.temperature, max_tokens=min(d.settings.max_output_tokens, 48 + 3 * words),
                  prompt_id=d.prompt.id)
    return req, ids


@dataclass
class Editor:
    """Asks the model for each group's edit, checks it, and records the outcome per page."""

    d: Drafting
    usage: dict[str, PageUsage] = field(default_factory=dict)
    edits: dict[str, list[Edit]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def page(self, page_file: str, units: list[Unit], sections: dict[str, list[Unit]]) -> None:
        """Rewrites the text of each group's statement on this page whose edit the checker accepts."""
        usage = self.usage.setdefault(page_file, PageUsage(backend="extractive", reason=self.d.reason,
                                                           model=self.d.backend.model))
        groups = fuse_groups(units, sections)
        with ThreadPoolExecutor(max_workers=self.d.settings.concurrency) as pool:
            results = list(pool.map(lambda g: self._fuse(g[1]), groups))
        for _, _, used in results:
            usage.merge(used)
        out = self.edits.setdefault(page_file, [])
        for (u, group), (text, problem, _) in zip(groups, results):
            members = tuple(Citation(chunk=x.chunk, doc=x.doc, start=x.start, end=x.end) for x in group)
            if problem:
                out.append(Edit(kind="fuse", members=members, by="extractive", text=text, problem=problem))
                where = ", ".join(f"{c.doc}:{c.start}-{c.end}" for c in members)
                self.findings.append(Finding(severity="warning", kind="model-edit-rejected", page=page_file,
                                             message=f"{page_file}: kept the extractive statement for the group "
                                                     f"{where}: the {self.d.backend.name} model's statement {problem}"))
                continue
            same = normalise(text) == normalise(_body(u.text))
            u.text = _marker(u.text) + text
            u.words = None  # said again in new words: read them again if asked
            out.append(Edit(kind="fuse", members=members, by=self.d.backend.name, text=text, unchanged=same))
        if any(e.by != "extractive" for e in out):
            usage.backend = self.backend_label

    @property
    def backend_label(self) -> str:
        """How a page the model edited names its drafter (DraftPage.backend, its footer, report.json)."""
        return f"{self.d.backend.name}-edits"

    def outcome(self, page_file: str) -> dict:
        """DraftPage fields for this page: its edits, and its backend where the model wrote any."""
        edits = tuple(self.edits.get(page_file, ()))
        return {"edits": edits} | ({"backend": self.backend_label} if any(e.by != "extractive" for e in edits) else {})

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


def edits_summary(drafts) -> dict:
    """report.json `model_edits`: the groups the model was asked to write, how many it wrote (its
    statement accepted by the checks), and why the others kept their extractive statement."""
    edits = [(d.slug, e) for d in drafts for e in d.edits]
    written = sum(e.by != "extractive" for _, e in edits)
    return {"asked": len(edits), "written": written, "rejected": len(edits) - written,
            "unchanged": sum(e.unchanged for _, e in edits),  # written, but the model copied the extractive statement
            "accepted_share": round(written / len(edits), 3) if edits else None,
            "rejected_groups": [{"page": f"{slug}.md", "members": [c.ref for c in e.members], "problem": e.problem}
                                for slug, e in edits if e.by == "extractive"]}


@dataclass
class Estimator:
    """--dry-run in llm.mode = edits: the requests the edits would send (through the same merge), none sent."""

    d: Drafting
    calls: int = 0
    hits: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    def page(self, page_file: str, units: list[Unit], sections: dict[str, list[Unit]]) -> None:
        for _, group in fuse_groups(units, sections):
            req, _ = fuse_request(group, self.d)
            if self.d.cache.get(self.d.backend.model, req) is not None:
                self.hits += 1
                continue
            self.calls += 1
            self.tokens_in += request_tokens(req)
            self.tokens_out += req.max_tokens

    def outcome(self, page_file: str) -> dict:
        return {}
