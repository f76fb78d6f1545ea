"""Gold files of the eval fixtures, and the real cases (before/, after/, MANIFEST.json) with their
hand-resolved labels (eval/cases/<case>.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from consolidate.errors import ConsolidateError


class EvalError(ConsolidateError):
    """A fixture, gold file or cases folder that cannot be used."""

    exit_code = 2


@dataclass(frozen=True)
class Gold:
    topics: dict[str, dict[str, str]]  # doc -> {heading or "*": topic}
    facts: list[dict]  # {"fact", "doc"}
    conflicts: list[dict]  # {"docs": [a, b], "values": [...]}
    stale: list[str]
    mapping: dict[str, str]  # doc -> topic of the page it should land in

    def topic_of(self, doc: str, heading_path: tuple[str, ...]) -> str:
        by = self.topics.get(doc, {})
        for h in reversed(heading_path):
            if h in by:
                return by[h]
        return by.get("*", doc)


@dataclass(frozen=True)
class CaseLabels:
    """A real case's answers, resolved by hand from its MANIFEST to exact paths under before/."""

    path: Path  # the label file, for messages
    groups: list[list[str]]  # documents people merged; every other document is its own group
    conflicts: list[dict]  # {"docs": [a, b], "about": str, "terms": [...]?}
    stale: list[str]


@dataclass(frozen=True)
class Fixture:
    name: str
    root: Path  # the docs tree
    gold: Gold | None = None
    after: Path | None = None  # real cases: the pages people made
    manifest: dict = field(default_factory=dict)
    labels: CaseLabels | None = None  # real cases: eval/cases/<name>.json when there is one


def load_gold(path: Path) -> Gold:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path}: gold file missing; every fixture folder needs a gold.json")
    except ValueError as exc:
        raise EvalError(f"{path}: not valid JSON ({exc}); fix the file")
    missing = [k for k in ("topics", "facts", "conflicts", "stale", "mapping") if k not in data]
    if missing:
        raise EvalError(f"{path}: missing keys {', '.join(missing)}; see eval/fixtures/*/gold.json for the shape")
    return Gold(data["topics"], data["facts"], data["conflicts"], data["stale"], data["mapping"])


def load_fixtures(folder: Path) -> list[Fixture]:
    if not folder.is_dir():
        raise EvalError(f"{folder}: fixtures folder not found; pass --fixtures DIR (default eval/fixtures)")
    out = [Fixture(d.name, d, load_gold(d / "gold.json")) for d in sorted(folder.iterdir()) if d.is_dir()]
    if not out:
        raise EvalError(f"{folder}: no fixture folders in it; each fixture is a folder of .md files with a gold.json")
    return out


DEFAULT_LABELS = Path("eval/cases")


def _read_labels(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvalError(f"{path}: not valid JSON ({exc}); fix the file")
    if not isinstance(data, dict):
        raise EvalError(f"{path}: not a JSON object; see eval/cases/*.json for the shape")
    missing = [k for k in ("groups", "conflicts", "stale") if not isinstance(data.get(k), list)]
    if missing:
        raise EvalError(f"{path}: missing or not a list: {', '.join(missing)}; see eval/cases/*.json for the shape")
    return data


def _check_doc(path: Path, before: Path, doc) -> str:
    """A labelled document must be a file under before/, so labels cannot silently rot."""
    if not isinstance(doc, str) or not doc or doc.startswith("/") or ".." in doc.split("/") \
            or not (before / doc).is_file():
        raise EvalError(f"{path}: {doc!r} is not a file under {before}; use the exact path relative to before/")
    return doc


def _check_conflict(path: Path, before: Path, c) -> dict:
    if not isinstance(c, dict) or not isinstance(c.get("docs"), list) or len(c["docs"]) < 2 \
            or not isinstance(c.get("about"), str):
        raise EvalError(f"{path}: conflict {c!r} needs \"docs\" (two or more paths) and \"about\" (a short description)")
    terms = c.get("terms", [])
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise EvalError(f"{path}: conflict {c['about']!r}: \"terms\" must be a list of non-empty strings")
    return {"docs": [_check_doc(path, before, d) for d in c["docs"]], "about": c["about"], "terms": terms}


def load_case_labels(path: Path, before: Path) -> CaseLabels:
    """Read one label file and check every path in it against the case's before/ folder."""
    data = _read_labels(path)
    groups, seen = [], set()
    for g in data["groups"]:
        if not isinstance(g, list) or not g:
            raise EvalError(f"{path}: group {g!r} is not a non-empty list of paths")
        for d in g:
            if _check_doc(path, before, d) in seen:
                raise EvalError(f"{path}: {d} is in two groups; a document belongs to one group")
            seen.add(d)
        groups.append(list(g))
    conflicts = [_check_conflict(path, before, c) for c in data["conflicts"]]
    stale = [_check_doc(path, before, d) for d in data["stale"]]
    return CaseLabels(path, groups, conflicts, stale)


def load_cases(folder: Path, labels: Path = DEFAULT_LABELS) -> list[Fixture]:
    """Cases with before/ and after/, and cases with only before/ when `labels` has a file for
    them (there is no human merge to compare, but conflicts and stale pages can be scored)."""
    if not folder.is_dir():
        raise EvalError(f"{folder}: cases folder not found; pass --cases DIR holding <case>/before, <case>/after")
    out = []
    for d in sorted(folder.iterdir()):
        label_file = labels / f"{d.name}.json"
        if not (d / "before").is_dir() or not ((d / "after").is_dir() or label_file.is_file()):
            continue
        m = d / "MANIFEST.json"
        out.append(Fixture(d.name, d / "before", None, d / "after" if (d / "after").is_dir() else None,
                           json.loads(m.read_text(encoding="utf-8")) if m.exists() else {},
                           load_case_labels(label_file, d / "before") if label_file.is_file() else None))
    if not out:
        raise EvalError(f"{folder}: no cases in it; a case is a folder with before/ and after/ "
                        f"(or before/ and a label file in {labels})")
    return out
