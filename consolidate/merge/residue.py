"""Text a merged page should not carry: sentences about the source page itself (`meta`) and
drafting residue (`draft-residue`). Pure functions; the drafter decides what to do with a verdict.

- `sentence_reason(text)` -> 'meta' | 'draft-residue' | '' for one sentence or list item
  (markdown allowed: list markers, emphasis, links, citation marks are looked through).
  `meta`: the subject is the page itself ("This page walks through…", "This document
  describes…", "Welcome to…!", "In this guide we…", "The following sections cover…", "By the
  end of this tutorial you will…"). A meta sentence that also carries a hard fact (a version,
  number, command, path, key…: anything `checks.facts.extract` finds beyond names) is content
  and gets '', and so does one with an aside (", which…", ", plus…", "; …"). "This page's API"
  (possessive), "this page" as an object and "This section…" (a section keeps its heading in
  the merged page, so what it says of itself stays true) are never meta.
  `draft-residue`: TODO/FIXME/XXX/TBD markers (uppercase, at the start or as `TODO:`/`TODO(x)`),
  notes to editors ("Note to editors:"; a published "Editor's note:" speaks to readers and
  stays), remarks about other files of the docs ("See the old README for…", "moved from
  setup.md", "(this section was merged from …)"), and text addressed to a model ("You are
  continuing…", "You are an AI assistant…", "Your task is…", "Do not add commentary…").
  An HTML comment is HTML, not a sentence: ''. When unsure: '' (a false positive deletes content).
- `section_reason(heading)` -> 'status-report' | '' for the heading a unit stands under: a
  point-in-time status report of the work on the docs or the system ("🚀 Status: FULLY DEPLOYED",
  "What Was Fixed", "✅ What's Ready", "🎉 Done!", "Setup Complete"). True when it was written,
  not documentation of how the thing works: the whole section is left out (ledger reason
  `status-report`, and a warning). A plain "Status" heading ("## Status: beta") is content.
- `document_reason(text, path)` -> 'draft-residue' | '' for a whole file written as
  instructions to a model: its first sentence is one (`You are continuing…`), or it is named
  CLAUDE.md/AGENTS.md/GEMINI.md/copilot-instructions.md, or "prompt" is in its name or H1, and
  its prose (outside code) asks for work ("**Task**: Please implement…", "Your task is…", "I need
  you to…").
- `see_self(text, page, page_of)` -> bool: the sentence is only a pointer ("See [X](x.md).",
  "For more details, see [X](x.md)", "Refer to [X](x.md).") and every link in it lands, by
  `page_of(target)` (the caller's link resolution plus the redirect map: a link target as
  written -> the output page it now leads to, or None), on `page`, the page the sentence is on.
  A link with a `#fragment` points into a section and keeps the sentence (False), unless
  `sections=True`; `page_of` gets the target without its fragment ('' for a bare `#anchor`).
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from typing import Callable

from consolidate.checks.claims import MARKS
from consolidate.checks.facts import extract, strip_list_marks
from consolidate.stages.ingest import front_matter, split_lines

META = "meta"
RESIDUE = "draft-residue"
STATUS = "status-report"
SOFT_FACTS = {"product", "initial"}  # names and first words: not content a meta sentence would lose

_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_EMPH = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")

_PAGE = (r"(?:page|document|doc|guide|article|tutorial|readme|chapter|walk-?through|handbook|"
         r"manual|quick-?start|overview|reference|runbook|playbook|cheat ?sheet|documentation|wiki page)")
# what may stand between "This" and the page noun ("This comprehensive guide", "This setup guide")
_ADJ = (r"(?:(?:short|brief|quick|comprehensive|complete|detailed|full|implementation|integration|deployment|"
        r"installation|setup|migration|user|developer|design|technical|architecture|operations|operator|admin|"
        r"administrator|onboarding|contributor|contributing|getting started|step-by-step|practical|introductory|"
        r"production|troubleshooting|configuration|reference)\s+){0,2}")
_META = [re.compile(p, re.I) for p in (
    # "This page describes…", "The following sections cover…", "This guide is intended for…"
    rf"^(?:this\s+{_ADJ}{_PAGE}|the following\s+{_ADJ}(?:{_PAGE}|section)s?|the (?:sections?|pages?) below)\s+"
    r"(?:(?:also|briefly|now|only|here)\s+)?"
    r"(?:describes?|explains?|covers?|walks?|shows?|documents?|outlines?|lists?|summari[sz]es?|introduces?|"
    r"details?|collects?|captures?|presents?|discuss(?:es)?|demonstrates?|showcases?|defines?|analy[sz]es?|"
    r"compares?|goes (?:over|through)|takes you|gets? (?:you|a|an|the|your)\b|guides? you|helps? you|aims? to|tries to|is (?:intended|meant|"
    r"written|aimed|designed)|are (?:intended|meant|written)|(?:will|should|can) (?:show|walk|explain|guide|help|"
    r"cover|describe|take|teach|introduce|get)|provides?|gives? (?:you )?(?:an? )?(?:overview|introduction|summary)|"
    r"contains? (?:an? |the |various |some |several )?(?:overview|instructions|information|notes|details|everything|"
    r"steps|examples|(?:(?:partial|summari[sz]ed|short|complete|full)\s+)?list)|focus(?:es)? on|looks? (?:at|into)|"
    r"sheds? light|includes? (?:some|a few|several|the following)|(?:is|are) (?:organi[sz]ed|structured|divided|split|grouped) (?:into|by|in)|"
    r"is (?:a|an|the|your) (?:(?:short|brief|quick|high-level|comprehensive|complete|living|central|"
    r"step-by-step)\s+)*(?:overview|introduction|guide|summary|collection|starting point|home|place|"
    r"work in progress|draft|index|entry point|landing page|reference|walkthrough|tutorial)|has been updated)\b",
    # "This is the central index for all the docs.", "This is your navigation hub for…"
    r"^this is (?:the|your|a|an|our) (?:[\w-]+\s+){0,2}(?:index|hub|home ?page|landing page|table of contents)"
    r"\s+(?:for|of|to)\b",
    # "Welcome to Tidewater!", "Welcome aboard."
    r"^welcome(?:\s+(?:to|aboard|back)\b[^.!?]*)?\s*[!.]?\s*$",
    r"^welcome to (?:the |our )?[^.!?]{0,80}(?:documentation|docs|guide|handbook|wiki|team|project|"
    r"manual|tutorial|reference|site|page)\b",
    # "In this guide we…", "In this tutorial, you will learn…"
    rf"^in this {_PAGE},?\s+(?:we\b|you(?:'ll| will| are going to|'re going to| learn| can learn| can find| "
    r"will find| find| get to| see| should))",
    rf"^(?:by the end of|after (?:reading|completing|finishing)) this {_PAGE},?\s+you",
    r"^(?:below|here),?\s+(?:you(?:'ll| will) find|we (?:describe|explain|cover|list|walk))",
    rf"^(?:read on|keep reading|continue reading) (?:to|for)\b",
    # a source page's own edit link: "Edit this page on GitHub", "Improve this doc", "View source"
    r"^(?:edit|improve|view|suggest (?:changes|edits?|an edit) (?:to|for|on))\s+(?:this (?:page|doc(?:ument)?|file)|"
    r"(?:the )?(?:page )?source|on (?:github|gitlab|bitbucket))(?:\s+on\s+(?:github|gitlab|bitbucket))?\s*[.!]?$",
)]
_RESIDUE = [re.compile(p) for p in (
    r"^(?:\*\*)?\[?(?:TODO|FIXME|TBD|XXX)\]?\b",                    # a marker starting the sentence
    r"(?<![\w/-])(?:TODO|FIXME|XXX)(?:\([^)]*\))?:",                # "TODO:" / "FIXME(ana):" inside it
)] + [re.compile(p, re.I) for p in (
    r"^(?:note|notes|reminder|memo) (?:to|for) (?:the )?(?:editors?|self|reviewers?|writers?|authors?|docs team)\b",
    # remarks about other files of the docs
    r"^\(?(?:this|the) (?:section|page|content|doc|document|file|paragraph|text|table|list)\s+(?:was|has been|is|were)"
    r"\s+(?:merged|moved|copied|migrated|ported|split|taken|lifted|pasted|imported)\s+(?:here\s+)?(?:from|out of|into|to)\b",
    r"\b(?:moved|copied|migrated|ported|merged|pasted) (?:here )?(?:from|to|into) (?:the )?[\w./-]+\.(?:md|mdx|markdown|rst|txt|adoc)\b",
    r"^(?:see|check|refer to|look at|consult) (?:the )?old (?:readme|docs?|documentation|wiki|page|version|guide|file)\b",
    # text addressed to a model
    r"^you are continuing\b",
    r"^you are (?:an? |the )?(?:(?:helpful|expert|senior|experienced|professional|world-class|meticulous|careful|"
    r"skilled|technical)\s+)*(?:ai|assistant|language model|llm|chatbot|bot|technical writer|documentation "
    r"(?:writer|assistant|engineer|expert|specialist)|copywriter|editor|agent)\b",
    r"^your (?:task|job|goal|role|mission|assignment) (?:is|will be|here is)\b",
    r"^(?:do not|don't|never) (?:add|include|output|write|produce|return|invent|hallucinate|make up|fabricate|"
    r"explain your|mention (?:that you|these instructions|this prompt)|apologi[sz]e|reveal)\b[^.]*"
    r"\b(?:commentary|preamble|explanations?|anything else|extra text|markdown fences|these instructions|"
    r"this prompt|your reasoning|facts|information that|details that|yourself|as an ai)\b",
    r"^(?:respond|reply|answer) (?:only|with only|just)\b",
    r"^(?:output|return) only (?:the (?:rewritten|revised|merged|final|updated|new) (?:page|text|document|markdown)|"
    r"valid json|json|markdown|the answer)\b",
    r"^as an ai\b",
    r"^ignore (?:all )?(?:previous|prior|the above) instructions\b",
    r"^(?:please act as|act as an?) (?:(?:expert|senior|experienced|professional)\s+)*(?:ai|assistant|"
    r"technical writer|editor|documentation (?:writer|expert))\b",
)]
_POINTER_WORDS = set("""see also refer to for more information info details further the read check out in under on
this that those these page pages section sections guide guides docs doc documentation and or about a an our
please go visit full complete list reference instructions more is are here there which covers explained
described at following below above""".split())
_NAME_HINT = re.compile(r"(?i:(?:^|[-_. ])(?:prompts?|system-?prompt)(?:[-_. ]|$)|^copilot-instructions\.md$|"
                        r"^\.cursorrules$)|^(?:CLAUDE|AGENTS|GEMINI)\.md$")  # agents.md may be about agents
_H1_HINT = re.compile(r"^#\s+.*\b(?:prompt|instructions for (?:the )?(?:ai|assistant|model|agent|claude|llm))\b", re.I | re.M)
_ASK = re.compile(r"^(?:[-*]\s+)?(?:\*\*)?(?:task|your task|instructions?|goal|objective|deliverables?)(?:\*\*)?\s*:"
                  r"|\bplease (?:implement|bootstrap|generate|build|refactor|produce|continue|draft|scaffold)\b|\bi need you to\b|\bi want you to\b|^your task\b"
                  r"|\bi'm (?:implementing|building|working on)\b|\bwhen working with (?:code|this repository)\b"
                  r"|\bguidance to (?:claude|the (?:ai|model|assistant))\b", re.I | re.M)
_DONE = (r"(?:(?:fully|now)\s+)?(?:deployed|complete[d]?|done|production[- ]ready|finished|fixed|resolved|operational|live"
         r"|ready\W*$)")
_STATUS_HEAD = re.compile(
    rf"^(?:(?:current |project |final |deployment |setup )?status\s*[:-]\s*{_DONE}\b"
    r"|what(?:'s| is) (?:ready|done|working|fixed)\b|what (?:was|we|i|got) (?:fixed|did|built|changed|accomplished|completed)\b"
    r"|(?:setup|task|migration|deployment|implementation|work|installation) complete[d]?\b\W*$"
    r"|fixes applied\W*$|mission accomplished\b|you'?re all set\b)", re.I)
_CHEER = re.compile(r"^(?:all )?(?:done|complete[d]?|finished)\s*!+\W*$|^(?:all )?(?:done|complete[d]?|finished)\W*$", re.I)
_MARKS = re.compile(r"^[^\w\s(`-]+\s*")  # emoji and marks before the words ("🎉 Done!"), not "-Completed" or "`x`"
# "This page shows the worker, which is the part people get wrong": the clause says something
_ASIDE = re.compile(r",\s+(?:which|plus|but|although|though|whereas)\b|;\s")
_FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.S | re.M)


def plain(text: str) -> str:
    """The sentence as a reader sees it: no list marker, quote mark, citation mark or emphasis;
    links as their text; whitespace collapsed."""
    t = MARKS.sub("", strip_list_marks(text.strip()))
    t = re.sub(r"^(?:>\s*)+", "", t)
    t = _REF_LINK.sub(r"\1", _LINK.sub(r"\1", t))
    return " ".join(_EMPH.sub("", t).split())


def _has_hard_fact(text: str) -> bool:
    """A fact beyond names: a CamelCase identifier ("WebSocket", "PenguinMails") is a name too."""
    if re.search(r"\d", text):  # "covers Tidewater 2.x", "v3": a version scope is content
        return True
    return any(f.kind not in SOFT_FACTS | {"number"} and not (f.kind == "identifier" and f.value.isalpha())
               for f in extract(text))  # "the two services" (a number word) is no figure a reader would miss


def sentence_reason(text: str) -> str:
    """'meta', 'draft-residue' or '' (content, or unsure) for one sentence or list item."""
    if text.lstrip().startswith("<!--"):
        return ""
    t = plain(text)
    if not t:
        return ""
    if any(p.search(t) for p in _RESIDUE):
        return RESIDUE
    if any(p.search(t) for p in _META) and not _has_hard_fact(t) and not _ASIDE.search(t):
        return META
    return ""


@lru_cache(maxsize=4096)
def section_reason(heading: str) -> str:
    """'status-report' when `heading` heads a point-in-time status report, else ''. (Asked for
    every unit under the heading: memoised.)"""
    t = plain(heading.lstrip("#").strip())
    words = _MARKS.sub("", t)
    # a bare "Done!"/"Complete" is a cheer only when marked so ("🎉 Done!"): "Complete" alone can
    # name a function in a reference
    cheer = _CHEER.match(words) and (words != t or "!" in words)
    return STATUS if words and (_STATUS_HEAD.match(words) or cheer) else ""


def _prose(text: str) -> str:
    """The file without front matter (as ingest reads it) and code blocks."""
    lines = split_lines(text)
    return _FENCE.sub("", "\n".join(lines[front_matter(lines, "")[1] - 1:]))


def document_reason(text: str, path: str) -> str:
    """'draft-residue' for a file written as instructions to a model, else ''."""
    prose = _prose(text)
    first = next((ln for ln in prose.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    if first and sentence_reason(first.split(". ")[0]) == RESIDUE and re.match(
            r"^\s*(?:you are|your (?:task|job|goal|role))\b", plain(first), re.I):
        return RESIDUE
    hinted = _NAME_HINT.search(posixpath.basename(path)) or _H1_HINT.search(prose)
    return RESIDUE if hinted and _ASK.search(prose) else ""


def see_self(text: str, page: str, page_of: Callable[[str], str | None], sections: bool = False) -> bool:
    """Whether `text` only points, through links, at `page`, the page it is on (see module doc).
    `sections`: a link into a section of the page (`x.md#ports`, `#ports`) counts as pointing at
    the page too; off by default, since "See Ports below" can still help a reader of a long page."""
    links = _LINK.findall(MARKS.sub("", text))
    if not links:
        return False
    rest = _LINK.sub(" ", _plain_keep_links(text))
    words = re.findall(r"[a-z]+", rest.lower())
    if not (words and words[0] in {"see", "refer", "for", "more", "read", "check", "visit", "details"}
            and all(w in _POINTER_WORDS for w in words)):
        return False  # words first: resolving the links is the costly part
    return not any(("#" in target and not sections) or page_of(target.split("#", 1)[0]) != page
                   for _, target in links)


def _plain_keep_links(text: str) -> str:
    """`plain` but with inline links left in place (for `see_self`)."""
    t = MARKS.sub("", strip_list_marks(text.strip()))
    return " ".join(re.sub(r"^(?:>\s*)+", "", t).replace("**", "").split())


def residue_documents(paths_and_texts) -> frozenset:
    """The documents, of (path, lines) pairs, that are written as instructions to a model."""
    return frozenset(path for path, lines in paths_and_texts if document_reason("\n".join(lines), path))
