"""The context a unit sits in, from its file's path and the headings above it.

Values given for local development and for production, in an example, or in a changelog's past
versions are not the same claim: `concurrency = 2` in a local-setup page and `8` in the
configuration reference do not contradict each other. A heading's context wins over its file's
("Local Development" inside README_PRODUCTION.md is dev). '' when nothing marks one.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z]+")
# word -> context; the first word found (headings first, nearest first) decides
CONTEXTS = {
    "local": "dev", "development": "dev", "dev": "dev", "devcontainer": "dev", "codespaces": "dev",
    "test": "test", "tests": "test", "testing": "test",
    "staging": "staging", "stage": "staging",
    "production": "production", "prod": "production",
    "example": "example", "examples": "example", "sample": "example", "samples": "example", "demo": "example",
    "changelog": "changelog", "changes": "changelog", "history": "changelog", "releases": "changelog",
}


@lru_cache(maxsize=65536)  # asked for every unit of a plan, of a few thousand files and headings
def context_of(doc: str, section: str = "", parent: str = "") -> str:
    for text in (section, parent, re.sub(r"[_\-./]+", " ", doc)):
        for w in _WORD.findall(text.lower()):
            if w in CONTEXTS:
                return CONTEXTS[w]
    return ""


def unit_context(u) -> str:
    return context_of(u.doc, u.section, u.parent_heading)
