"""Page metadata carried from the inputs' front matter: description, owner, last_verified, review_cycle, status.

Each key takes the value of the newest source that gives it (the greatest `last_verified`; a
source without one is older than any that has one; ties go to the plan's source order, the
source holding most of the page first). Sources that give other values are reported, naming the
value kept and each other value with its source.
"""

from __future__ import annotations

from consolidate.records import Document

KEYS = ("description", "owner", "last_verified", "review_cycle", "status")
HISTORICAL = {"historical", "archived", "deprecated", "obsolete"}


def _scalar(v) -> str | None:
    if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip():
        return " ".join(str(v).split())
    return None


def carried(sources: tuple[str, ...], docs: dict[str, Document]) -> tuple[dict[str, str], list[str]]:
    """(metadata, disagreements) for a page drawn from these sources."""
    metas = [(s, docs[s].front_matter) for s in sources if s in docs]
    order = sorted(range(len(metas)), key=lambda i: (-(_scalar(metas[i][1].get("last_verified")) is not None),
                                                     _neg(_scalar(metas[i][1].get("last_verified")) or ""), i))
    out, notes = {}, []
    for key in KEYS:
        given = [(metas[i][0], v) for i in order if (v := _scalar(metas[i][1].get(key))) is not None]
        if not given:
            continue
        out[key] = given[0][1]
        others = [(s, v) for s, v in given[1:] if v != given[0][1]]
        if others:
            notes.append(f"{key}: kept {given[0][1]!r} from {given[0][0]} (newest); "
                         + "; ".join(f"{s} says {v!r}" for s, v in others))
    return out, notes


def _neg(s: str) -> tuple[int, ...]:
    """Sort key putting greater (newer) ISO dates first."""
    return tuple(-ord(c) for c in s)


def is_historical(page, meta: dict) -> bool:
    """The plan marks the page historical (issue 13's `historical` flag or `status`), or its kept status says so."""
    flag = getattr(page, "historical", None)
    status = str(getattr(page, "status", "") or meta.get("status", "")).lower()
    return flag is True or status in HISTORICAL
