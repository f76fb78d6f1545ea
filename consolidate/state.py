"""The output folder: its marker, the run's saved artifacts under .state/, and safe reuse."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate import __version__
from consolidate.errors import StateError, UsageError
from consolidate.fsio import check_inside, read_json, remove_stale_temps, write_compact_json, write_json, write_text

if TYPE_CHECKING:
    from consolidate.records import Chunk, Document, Finding

REVIEW_FILE = "review.json"  # review decisions (consolidate/decisions.py)

MARKER = ".consolidate"
RELATIVE = "relative to the output folder (roots) and to the root (files)"


def _relative(path: str, start: str) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def fingerprint(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


class OutputDir:
    def __init__(self, root: Path):
        self.root = root
        self.state = root / ".state"
        self.pages = root / "pages"
        self.cache = root / ".cache"

    def claim(self) -> None:
        """Make sure we may write here: a new/empty folder or one a previous run wrote."""
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"{self.root}: exists and is not a folder; choose another --out")
        if self.root.exists() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise UsageError(f"{self.root}: folder is not empty and was not written by consolidate; "
                             "choose an empty or new --out folder (nothing was changed)")
        self.root.mkdir(parents=True, exist_ok=True)
        # the caches are written by diskcache, not fsio: their folders are checked here
        for sub in (self.state, self.pages, self.cache, self.cache / "embeddings", self.cache / "llm"):
            check_inside(sub, self.root)
        write_json(self.root / MARKER, {"tool": "consolidate", "version": __version__})

    def require(self) -> None:
        if not (self.root / MARKER).exists() or not (self.state / "documents.json").exists():
            raise UsageError(f"{self.root}: no consolidate run found here; run `consolidate run DOCS --out {self.root}` first")

    def load_stage(self, name: str, fp: str) -> Any | None:
        path = self.state / f"{name}.json"
        if not path.exists():
            return None
        try:
            data = read_json(path)
        except (OSError, json.JSONDecodeError):
            return None  # a damaged artifact is recomputed
        return data.get("data") if data.get("fingerprint") == fp else None

    def save_stage(self, name: str, fp: str, data: Any) -> None:
        """Compact JSON: json's C encoder writes it (an indented dump goes through its Python encoder,
        many times slower on a large run's chunks, documents and pages), a row at a time, so the
        text of a large result is never held whole; a generator in data is written as a list, its
        rows made as they are written."""
        write_compact_json(self.state / f"{name}.json", {"fingerprint": fp, "data": data})

    # Each registered stage marks its saved result with a small `<stage>.done` file holding the
    # fingerprint, written after the result itself: the runner checks it without reading the result,
    # and a run killed while saving leaves a stale mark, so the stage runs again.

    def has_stage(self, stage: str, fp: str) -> bool:
        try:
            return (self.state / f"{stage}.done").read_text(encoding="utf-8") == fp
        except OSError:
            return False

    def mark_stage(self, stage: str, fp: str) -> None:
        write_text(self.state / f"{stage}.done", fp)

    def unmark_stage(self, stage: str) -> None:
        """Before a stage's result is replaced: a run killed while saving it leaves no mark."""
        (self.state / f"{stage}.done").unlink(missing_ok=True)

    def fingerprint_of(self, name: str) -> str | None:
        """The fingerprint a saved stage was written with (None when it is missing or damaged)."""
        try:
            return read_json(self.state / f"{name}.json").get("fingerprint")
        except (OSError, ValueError, AttributeError):
            return None

    def read_stage(self, name: str) -> Any:
        path = self.state / f"{name}.json"
        if not path.exists():
            raise StateError(f"{path}: missing; rerun `consolidate run` for this output folder")
        return read_json(path)["data"]

    def remove_stale_temps(self) -> list[Path]:
        """Temporary files a killed run left in the folders a run writes (never diskcache's)."""
        memo = self.cache / "pages"  # stages/page_memo.py
        folders = [self.root, self.state, self.state / "model_drafts", self.pages]
        folders += sorted(d for d in self.pages.rglob("*") if d.is_dir()) if self.pages.is_dir() else []
        folders += sorted(p for p in memo.iterdir() if p.is_dir()) if memo.is_dir() else []
        return [p for f in folders for p in remove_stale_temps(f)]

    def page_texts(self) -> list[tuple[str, str]]:
        """(file under pages/, text) of every page, in its section's folder, sorted by file."""
        if not self.pages.is_dir():
            return []
        files = sorted(p.relative_to(self.pages).as_posix() for p in self.pages.rglob("*.md") if p.is_file())
        return [(f, (self.pages / f).read_text(encoding="utf-8")) for f in files]

    # Input paths are stored relative to the output folder (a root) and to their root (a file), so
    # `check`, `review`, `draft` and `publish` find the inputs from any current folder, and an output
    # folder moved together with its inputs still works. In memory they are as the run was given them.

    def save_documents(self, fp: str, docs: list[Document], findings: dict[str, list] | None = None) -> None:
        """findings: each document's own parse findings, kept with it so a rerun can reuse both."""
        out = os.path.abspath(self.root)

        def row(d: Document) -> dict:
            root = os.path.abspath(d.root)
            return d.model_dump(mode="json") | {"root": _relative(root, out), "file": _relative(os.path.abspath(d.file), root) if d.file else ""}

        rows = (row(d) for d in docs)  # each made as it is written
        parse = {p: [f.model_dump(mode="json") for f in fs] for p, fs in (findings or {}).items() if fs}
        self.save_stage("documents", fp, {"paths": RELATIVE, "documents": rows, "parse_findings": parse})

    def parsed_documents(self) -> dict[tuple[str, str, str], tuple[Document, list[Finding]]]:
        """A previous run's documents with their parse findings, by (path, root, sha256); {} when there is none."""
        try:
            data = self.read_stage("documents")
            docs = self.documents(data)
        except (StateError, OSError, ValueError, KeyError, TypeError):
            return {}
        if not isinstance(data, dict) or "parse_findings" not in data:
            return {}  # written before parse findings were kept: nothing to reuse
        from consolidate.records import Finding

        found = data["parse_findings"]
        return {(d.path, os.path.abspath(d.root), d.sha256): (d, [Finding.model_validate(f) for f in found.get(d.path, [])]) for d in docs}

    def documents(self, data: Any = None) -> list[Document]:
        """The saved documents (data: documents.json's, when the caller has read it)."""
        from consolidate.records import Document

        data = self.read_stage("documents") if data is None else data
        if isinstance(data, list):  # written before paths were stored relative: as that run saw them
            return [Document.model_validate(d) for d in data]
        out = os.path.abspath(self.root)
        docs = []
        for d in data["documents"]:
            root = os.path.normpath(os.path.join(out, d["root"]))
            docs.append(Document.model_validate(d | {"root": root, "file": os.path.normpath(os.path.join(root, d["file"])) if d["file"] else ""}))
        return docs

    def save_skipped(self, fp: str, skipped: list[dict]) -> None:
        """Files under the roots that were not read ({path, reason, file}), file relative to the output folder."""
        out = os.path.abspath(self.root)
        self.save_stage("skipped", fp, {"paths": RELATIVE, "skipped": [e | {"file": _relative(os.path.abspath(e["file"]), out)} for e in skipped]})

    def skipped(self) -> list[dict]:
        if not (self.state / "skipped.json").exists():
            return []
        data = self.read_stage("skipped")
        if isinstance(data, list):
            return data
        out = os.path.abspath(self.root)
        return [e | {"file": os.path.normpath(os.path.join(out, e["file"]))} for e in data["skipped"]]

    def chunks(self) -> list[Chunk]:
        from consolidate.records import Chunk

        return [Chunk.model_validate(c) for c in self.read_stage("chunks")["chunks"]]


def load_texts(docs: list[Document]) -> tuple[dict[str, list[str]], list[str]]:
    """Re-read input files for checking; name any that changed or vanished since the run."""
    from consolidate.stages.ingest import split_lines

    texts, changed = {}, []
    for d in docs:
        try:
            raw = Path(d.file).read_bytes()
        except OSError:
            older = "" if os.path.isabs(d.file) else ("; the run that wrote this folder stored it relative to the folder it "
                                                        "ran in: check from there, or rerun `consolidate run`")
            changed.append(f"{d.path}: input file is gone ({d.file}){older}")
            continue
        if hashlib.sha256(raw).hexdigest() != d.sha256:
            changed.append(f"{d.path}: input changed since the run")
        lines = split_lines(raw.decode("utf-8-sig", errors="replace"))
        if lines and lines[-1] == "":
            lines.pop()
        texts[d.path] = lines
    return texts, changed
