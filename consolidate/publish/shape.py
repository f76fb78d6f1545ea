"""A page's body as each generator renders it: one H1, MDX callouts as the generator's own asides, a banner.

- One H1: where the generator renders the front-matter title (Starlight, Docusaurus) the body's
  first H1 is taken out (its text is the title); any other H1 becomes an H2 (same anchor).
- MDX components: a page is published as `.md`, so a callout component copied from an `.mdx`
  input (`<Callout type="info">`, `<Aside>`, `<Admonition>`, `<Note>`, `<Tip>`, `<Warning>`) is
  written as the generator's aside (`:::note` for Starlight and Docusaurus, `!!! note` for mkdocs's
  admonition extension); any other capitalised tag is reported (it would be raw HTML).
"""

from __future__ import annotations

import re

from consolidate.publish.sites import Site

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_H1 = re.compile(r"^#\s+(.*?)\s*#*\s*$")
_OPEN = re.compile(r"^\s*<(Callout|Aside|Admonition|Note|Tip|Warning|Caution|Info|Danger)\b([^>]*)>\s*$")
_CLOSE = re.compile(r"^\s*</(Callout|Aside|Admonition|Note|Tip|Warning|Caution|Info|Danger)>\s*$")
_TYPE = re.compile(r"""\b(?:type|variant|kind)\s*=\s*["']?(\w+)""")
_COMPONENT = re.compile(r"<([A-Z][a-z][A-Za-z0-9]*)\b")  # CamelCase: <BRANCH> in prose is a placeholder
KINDS = {"info": "note", "note": "note", "tip": "tip", "success": "tip", "warning": "caution", "caution": "caution",
         "danger": "danger", "error": "danger", "important": "caution"}
DOCUSAURUS = {"note": "note", "tip": "tip", "caution": "warning", "danger": "danger"}


def _outside_code(lines: list[str]):
    fence = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = None if fence else m.group(1)
            continue
        if fence is None:
            yield i, line


def one_h1(site: Site, lines: list[str]) -> tuple[list[str], str | None]:
    """The body with one H1 at most (none where the title is rendered); the first H1's text."""
    lines, first = list(lines), None
    for i, line in list(_outside_code(lines)):
        m = _H1.match(line)
        if not m:
            continue
        if first is None:
            first = m.group(1)
            if not site.title_in_body:
                lines[i] = None
            continue
        lines[i] = "#" + line
    body = [x for x in lines if x is not None]
    while body and not body[0].strip():
        body.pop(0)
    return body, first


def asides(site: Site, lines: list[str]) -> tuple[list[str], list[str]]:
    """Callout components as the generator's asides; the names of other components left in."""
    out, other, i = [], [], 0
    prose = {i for i, _ in _outside_code(lines)}
    while i < len(lines):
        m = _OPEN.match(lines[i]) if i in prose else None
        end = next((j for j in range(i + 1, len(lines)) if j in prose and _CLOSE.match(lines[j])), None) if m else None
        if m is None or end is None:
            if i in prose:
                other += _COMPONENT.findall(lines[i])
            out.append(lines[i])
            i += 1
            continue
        t = _TYPE.search(m.group(2))
        kind = KINDS.get((t.group(1) if t else m.group(1)).lower(), "note")
        inner = [x.strip() for x in lines[i + 1:end]]
        if site.name == "mkdocs":
            out += [f"!!! {kind}", ""] + [f"    {x}" if x else "" for x in inner]
        else:
            out += [f":::{DOCUSAURUS[kind] if site.name == 'docusaurus' else kind}"] + inner + [":::"]
        i = end + 1
    return out, sorted(set(other))


def banner(site: Site, text: str) -> list[str]:
    """An archive banner at the top of the body."""
    if site.name == "mkdocs":
        return ["!!! warning \"Archived\"", "", f"    {text}", ""]
    return [":::caution[Archived]" if site.name == "starlight" else ":::warning[Archived]", text, ":::", ""]
