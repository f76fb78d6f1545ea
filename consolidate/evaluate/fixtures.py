"""Gold files of the eval fixtures, and the real cases (before/, after/, MANIFEST.json)."""

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
class Fixture:
    name: str
    root: Path  # the docs tree
    gold: Gold | None = None
    after: Path | None = None  # real cases: the pages people made
    manifest: dict = field(default_factory=dict)


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


def load_cases(folder: Path) -> list[Fixture]:
    if not folder.is_dir():
        raise EvalError(f"{folder}: cases folder not found; pass --cases DIR holding <case>/before, <case>/after")
    out = []
    for d in sorted(folder.iterdir()):
        if (d / "before").is_dir() and (d / "after").is_dir():
            m = d / "MANIFEST.json"
            out.append(Fixture(d.name, d / "before", None, d / "after", json.loads(m.read_text(encoding="utf-8")) if m.exists() else {}))
    if not out:
        raise EvalError(f"{folder}: no cases in it; a case is a folder with before/ and after/")
    return out
