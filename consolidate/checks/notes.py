"""The "Sources disagree" note: one format, written by the drafter and read by the checker.

    **Sources disagree:** PostgreSQL minimum version: 15 (docs/reference/configuration.md) vs 14
    (docs/getting-started/installation.md, handbook/onboarding/local-setup.markdown). Check which
    is current before relying on either.

One note per disagreement on a page: the subject, then each distinct value with the documents
that give it, in plain words, citing every side. The checker proves each value against the cited
sides of the documents named after it (an older note without the documents: value i against
side i).
"""

from __future__ import annotations

import re

from consolidate.footnotes import encode_path

NOTE_PREFIX = "**Sources disagree:**"
NOTE_END = "Check which is current before relying on either."
_GROUP = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.S)


def doc_label(path: str) -> str:
    """A document as a note names it: encoded as in footnotes (no newline or backtick can break the
    note), and a parenthesis or comma, which would break its reading, percent-encoded too."""
    return encode_path(path).replace("(", "%28").replace(")", "%29").replace(",", "%2C")


def format_note(subject: str, groups: list[tuple[str, list[str]]]) -> str:
    """groups: (the value as the sources write it, the documents that give it)."""
    parts = [f"{value} ({', '.join(doc_label(d) for d in docs)})" if docs else value for value, docs in groups]
    lead = f"{subject}: " if subject else ""
    return f"{NOTE_PREFIX} {lead}{' vs '.join(parts)}. {NOTE_END}"


def note_groups(body: str) -> list[tuple[str, list[str]]]:
    """The (value, documents) groups of a note's values part (after the subject's last ': ');
    documents are [] for a note that names none."""
    out = []
    for part in body.split(" vs "):
        m = _GROUP.match(part.strip())
        if m and ("/" in m.group(2) or "." in m.group(2)):
            docs = [d.strip() for d in m.group(2).split(",") if d.strip()]  # as doc_label writes them
            out.append((m.group(1), docs))
        else:
            out.append((part, []))
    return out


def without_documents(body: str) -> str:
    """A note's values with the documents named after them left out (they are not facts)."""
    return " vs ".join(v for v, _ in note_groups(body))
