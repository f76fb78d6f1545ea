"""Ingest: find markdown files under one or more roots and read them into Documents.

Bad files are skipped with a warning naming the file and the fix; they never stop the run.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from consolidate.errors import UsageError
from consolidate.fsio import is_inside
from consolidate.markdown.files import EXTENSIONS, SKIP_DIRS, TEMPLATE_SUFFIXES, is_markdown  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from consolidate.records import Document, Finding

# The records (pydantic) and the markdown parsers are imported where a file is parsed or skipped:
# an unchanged rerun reads the files (the read stage) and parses none of them.

# documentation in a format not read: each one gets a skipped-file warning saying so
DOC_FORMATS = {".rst": "reStructuredText", ".adoc": "AsciiDoc", ".asciidoc": "AsciiDoc", ".txt": "plain text",
               ".html": "HTML", ".htm": "HTML", ".org": "Org", ".textile": "Textile"}


@dataclass(frozen=True)
class SourceFile:
    root: Path
    abs_path: Path
    rel: str  # the document path users see


def _root_labels(roots: list[Path]) -> list[str]:
    if len(roots) == 1:
        return [""]
    labels, seen = [], {}
    for r in roots:
        base = r.name or "root"
        k = seen.get(base, 0)
        seen[base] = k + 1
        labels.append(base if k == 0 else f"{base}-{k + 1}")
    return labels


def discover(roots: list[Path], exclude: list[Path] = (), others: list[SourceFile] | None = None,
             follow_into: list[str] = ()) -> tuple[list[SourceFile], list[Finding]]:
    """Walk roots (following directory symlinks once, detecting loops). Sorted, deterministic.
    others: filled with the files (and skipped tool folders) that are not markdown. A symlink whose
    real path is outside its root (and outside every follow_into folder) is skipped."""
    files: list[SourceFile] = []
    findings: list[Finding] = []
    excluded = {p.resolve() for p in exclude}
    for root, label in zip(roots, _root_labels(roots)):
        if not root.exists():
            raise UsageError(f"{root}: no such folder; pass an existing docs folder")
        if not root.is_dir():
            if root.is_file() and is_markdown(root.name):
                files.append(SourceFile(root.parent, root, root.name))
                continue
            raise UsageError(f"{root}: not a folder; pass a docs folder")
        found_here = 0
        visited: set[tuple[int, int]] = set()
        stack = [root]
        while stack:
            d = stack.pop()
            try:
                st = d.stat()
            except OSError as exc:
                findings.append(_skip(d, root, label, f"cannot enter folder ({exc.strerror}); fix its permissions or symlink"))
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                findings.append(_skip(d, root, label, "symlink loop: folder already visited; remove the looping symlink"))
                continue
            visited.add(key)
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError as exc:
                findings.append(_skip(d, root, label, f"cannot list folder ({exc.strerror}); fix its permissions"))
                continue
            subdirs = []
            for e in entries:
                p = Path(e.path)
                if e.name in SKIP_DIRS:
                    if others is not None:
                        others.append(SourceFile(root, p, _rel(p, root, label) + "/"))
                    continue
                outside = _link_outside(e, root, follow_into)
                if outside:
                    findings.append(_skip(p, root, label, outside))
                    continue
                try:
                    is_dir = e.is_dir(follow_symlinks=True)
                    if is_dir and p.resolve() in excluded:
                        continue
                except (OSError, RuntimeError):  # RuntimeError: pathlib's symlink-loop error
                    is_dir = False
                if is_dir:
                    subdirs.append(p)
                elif is_markdown(e.name):
                    files.append(SourceFile(root, p, _rel(p, root, label)))
                    found_here += 1
                elif others is not None:
                    others.append(SourceFile(root, p, _rel(p, root, label)))
            stack.extend(reversed(subdirs))
        if found_here == 0:
            raise UsageError(f"{root}: no markdown files (.md, .mdx, .markdown) found; pass the folder that holds your docs")
    files.sort(key=lambda f: f.rel)
    if others is not None:
        others.sort(key=lambda f: f.rel)
    return files, findings


def skip_reason(name: str) -> tuple[str, bool]:
    """Why a file that is not markdown was not read, and whether it looks like documentation (a warning)."""
    if name.endswith("/"):
        return "tool or dependency folder, not read", False
    lower = name.lower()
    ext = next((e for e in DOC_FORMATS if lower.endswith(e)), "")
    if ext:
        return f"{DOC_FORMATS[ext]} ({ext}) is not read; convert it to markdown to include it", True
    suffix = Path(lower).suffix
    return (f"not markdown ({suffix})" if suffix else "not markdown (no extension)") + "; not read", False


def unread(others: list[SourceFile]) -> tuple[list[dict], list[Finding]]:
    """report.json's `skipped` entries {path, reason, file} for files not read, and a skipped-file
    warning for each one that looks like documentation in another format."""
    entries, findings = [], []
    for sf in others:
        why, doc_like = skip_reason(sf.rel)
        entries.append({"path": sf.rel, "reason": why, "file": str(sf.abs_path)})
        if doc_like:
            findings.append(skipped_file(sf.rel, why))
    return entries, findings


def _link_outside(e: os.DirEntry, root: Path, follow_into: list[str]) -> str:
    """Why a symlinked file or folder is not read (its target is outside root and every follow_into folder), or ""."""
    if not e.is_symlink():
        return ""
    target = os.path.realpath(e.path)
    if is_inside(Path(target), root) or any(is_inside(Path(target), Path(f)) for f in follow_into):
        return ""
    if not (os.path.isdir(target) or is_markdown(e.name)):
        return ""  # not something ingest would read
    return (f"symlink to {target}, outside the docs folder {root}; copy it in, or allow it with "
            "ingest.follow_links_into (--follow-links-into)")


def _rel(p: Path, root: Path, label: str) -> str:
    rel = p.relative_to(root).as_posix()
    return f"{label}/{rel}" if label else rel


def skipped_file(shown: str, why: str) -> Finding:
    """The warning for a file or folder not read."""
    from consolidate.records import Finding

    return Finding(severity="warning", kind="skipped-file", page=shown, message=f"{shown}: skipped: {why}")


def _skip(p: Path, root: Path, label: str, why: str) -> Finding:
    try:
        shown = _rel(p, root, label)
    except ValueError:
        shown = str(p)
    return skipped_file(shown, why)


@dataclass(frozen=True)
class ReadFile:
    """One markdown file as read: its lines (text_lines) and sha256, or why it was skipped (findings).
    Only the lines are kept, not the text as well: Read.texts and the parser read these same lists."""

    source: SourceFile
    lines: list[str] | None
    sha256: str
    findings: tuple[Finding, ...] = ()


def read_file(sf: SourceFile, max_bytes: int) -> ReadFile:
    """Read one file; text None (with a warning) when it cannot be used."""
    shown = sf.rel

    def skip(why: str) -> ReadFile:
        return ReadFile(sf, None, "", (skipped_file(shown, why),))

    try:
        st = sf.abs_path.stat()
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return skip("symlink loop; remove or fix the symlink")
        return skip(f"cannot stat ({exc.strerror}); fix the path or its permissions")
    if not stat.S_ISREG(st.st_mode):
        return skip("not a regular file")
    if st.st_size > max_bytes:
        return skip(f"{st.st_size} bytes is over the {max_bytes}-byte limit; raise ingest.max_file_bytes or split the file")
    try:
        raw = sf.abs_path.read_bytes()
    except OSError as exc:
        return skip(f"unreadable ({exc.strerror}); fix its permissions")
    if _utf16(raw):
        return skip("UTF-16; re-save it as UTF-8")
    if b"\x00" in raw[:8192]:
        return skip("binary content (NUL bytes); it is not markdown text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return skip(f"not valid UTF-8 (byte {exc.start}); re-save it as UTF-8")
    if not text.strip():
        return skip("empty file")
    return ReadFile(sf, text_lines(text), hashlib.sha256(raw).hexdigest())


def read_source(sf: SourceFile, max_bytes: int) -> tuple[Document | None, list[str], list[Finding]]:
    """Read and parse one file; return (None, [], [warning]) when it cannot be used."""
    r = read_file(sf, max_bytes)
    if r.lines is None:
        return None, [], list(r.findings)
    return parse_read(r)


def parse_read(r: ReadFile) -> tuple[Document, list[str], list[Finding]]:
    doc, lines, findings = parse_lines(r.lines, r.source.rel, str(r.source.root), r.sha256)
    return doc.model_copy(update={"file": str(r.source.abs_path)}), lines, findings


def text_lines(text: str) -> list[str]:
    """A file's lines as every stage reads them (a trailing newline makes no empty last line)."""
    lines = split_lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _utf16(raw: bytes) -> bool:
    """A UTF-16 byte-order mark, or text whose every other byte is NUL (UTF-16 without one)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = raw[:512] if len(raw) % 2 == 0 else b""
    even, odd = head[0::2], head[1::2]
    # little-endian ASCII has its NULs second, big-endian first
    return any(len(zeros) >= 2 and zeros.count(0) >= 0.9 * len(zeros) and 0 not in other
               for zeros, other in ((odd, even), (even, odd)))


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@lru_cache(maxsize=1)
def _yaml():
    """PyYAML and libyaml's safe loader when PyYAML was built with it (its wheels are): the large tree's
    3,083 front matters load to equal data in 2.8 s instead of 10.6 s; else PyYAML's own. Imported
    when a document is parsed (an unchanged rerun parses none)."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(lines: list[str], path: str) -> tuple[dict, int, list[Finding]]:
    """YAML front matter between `---` lines at the top. Returns (data, body_start, findings)."""
    from consolidate.records import Finding

    if not lines or lines[0].strip() != "---":
        return {}, 1, []
    for i in range(1, min(len(lines), 400)):
        if lines[i].strip() in ("---", "..."):
            yaml, loader = _yaml()
            try:
                data = yaml.load("\n".join(lines[1:i]), Loader=loader) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 2}" if mark else ""
                return {}, i + 2, [Finding(severity="warning", kind="bad-front-matter", page=path, line=1,
                                            message=f"{path}: front matter is not valid YAML{where}; fix it (it was ignored)")]
            if not isinstance(data, dict):
                return {}, i + 2, [Finding(severity="warning", kind="bad-front-matter", page=path, line=1,
                                            message=f"{path}: front matter is not a mapping; it was ignored")]
            return _jsonable(data), i + 2, []
    return {}, 1, []


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)  # dates and the like


def parse_document(text: str, path: str, root: str, sha256: str) -> tuple[Document, list[str], list[Finding]]:
    return parse_lines(text_lines(text), path, root, sha256)


def parse_lines(lines: list[str], path: str, root: str, sha256: str) -> tuple[Document, list[str], list[Finding]]:
    """A document from its lines (text_lines), which it returns as they are."""
    from consolidate.markdown.blocks import scan_blocks
    from consolidate.markdown.links import definitions, links_in_line
    from consolidate.markdown.slugs import Slugger, explicit_id, strip_inline
    from consolidate.records import Block, Document, Finding, Heading, Link

    fm, body_start, findings = front_matter(lines, path)
    scan = scan_blocks(lines, body_start, mdx=path.lower().endswith(".mdx"))
    if scan.unclosed_fence:
        findings.append(Finding(severity="warning", kind="unclosed-fence", page=path, line=scan.unclosed_fence,
                                message=f"{path}:{scan.unclosed_fence}: code fence is never closed; close it (read to end of file)"))
    slugger = Slugger("github")
    headings, blocks = [], []
    code_lines: set[int] = set()
    for b in scan.blocks:
        blocks.append(Block(kind=b.kind, start=b.start, end=b.end, heading_path=b.heading_path, lang=b.lang))
        if b.kind == "heading":
            raw_text = lines[b.start - 1].lstrip("# ").rstrip("# ") if b.start == b.end else " ".join(lines[b.start - 1:b.end - 1])
            headings.append(Heading(level=b.level, text=b.heading, anchor=slugger(raw_text.strip()), line=b.start))
        elif b.kind in ("code", "html"):
            code_lines.update(range(b.start, b.end + 1))
    defs = definitions(lines, code_lines)
    links = []
    for no in range(body_start, len(lines) + 1):
        if no in code_lines:
            continue
        for r in links_in_line(lines[no - 1], no, defs):
            links.append(Link(kind=r.kind, text=r.text, target=r.target, line=r.line))
    title = fm.get("title") if isinstance(fm.get("title"), str) else None
    if not title:
        h1 = next((h for h in headings if h.level == 1), None)
        title = h1.text if h1 else Path(path).name.split(".")[0].replace("-", " ").replace("_", " ").strip().capitalize()
    doc = Document(path=path, root=root, sha256=sha256, title=strip_inline(explicit_id(title)[0]), front_matter=fm,
                   body_start=body_start, line_count=len(lines), headings=tuple(headings), links=tuple(links),
                   blocks=tuple(blocks))
    return doc, lines, findings


@dataclass
class Read:
    """Every file under the roots, read: the markdown files (text or why skipped), the files not read."""

    files: list[ReadFile]
    findings: list[Finding]  # folders and files skipped while walking, before any file was read
    skipped: list[dict]  # {path, reason, file} of the files not read
    texts: dict[str, list[str]]  # each document's lines, by its path

    def key(self) -> list[tuple[str, str, str]]:
        """What the documents are made of: path, root and sha256 of each file read."""
        return [(r.source.rel, str(r.source.root), r.sha256) for r in self.files if r.lines is not None]


def read_roots(roots: list[Path], *, max_bytes: int, exclude: list[Path] = (), follow_into: list[str] = ()) -> Read:
    """Core function: find and read every markdown file under the roots (no parsing)."""
    others: list[SourceFile] = []
    files, findings = discover(roots, exclude, others, follow_into)
    entries, fs = unread(others)
    read = [read_file(sf, max_bytes) for sf in files]
    entries += [{"path": r.source.rel, "reason": r.findings[0].message.split(": skipped: ", 1)[-1], "file": str(r.source.abs_path)}
                for r in read if r.lines is None]
    if not any(r.lines is not None for r in read):
        raise UsageError(f"{', '.join(map(str, roots))}: every markdown file was skipped; see the warnings above")
    texts = {r.source.rel: r.lines for r in read if r.lines is not None}
    return Read(read, findings + fs, sorted(entries, key=lambda e: e["path"]), texts)


def parse_files(read: Read, known: dict[tuple[str, str, str], tuple[Document, list[Finding]]] | None = None,
                ) -> tuple[list[Document], dict[str, list[str]], list[Finding], dict[str, list[Finding]]]:
    """Core function: the files read -> (documents, {path: lines}, findings, {path: its parse findings}).
    known: documents parsed before, by (path, absolute root, sha256), reused as they are (parsing
    is a function of the text, its path and its root)."""
    docs, texts, findings, per_doc = [], {}, list(read.findings), {}
    for r in read.files:
        if r.lines is None:
            findings.extend(r.findings)
            continue
        hit = (known or {}).get((r.source.rel, os.path.abspath(r.source.root), r.sha256)) if known else None
        if hit is not None:
            doc, fs = hit[0].model_copy(update={"root": str(r.source.root), "file": str(r.source.abs_path)}), hit[1]
            lines = read.texts[doc.path]
        else:
            doc, lines, fs = parse_read(r)
        findings.extend(fs)
        per_doc[doc.path] = fs
        docs.append(doc)
        texts[doc.path] = lines
    return docs, texts, findings, per_doc


def ingest(roots: list[Path], *, max_bytes: int, exclude: list[Path] = (), skipped: list[dict] | None = None,
           follow_into: list[str] = ()) -> tuple[list[Document], dict[str, list[str]], list[Finding]]:
    """Core function: roots -> (documents, {path: lines}, findings).
    skipped: filled with {path, reason, file} for every file under the roots that was not read."""
    read = read_roots(roots, max_bytes=max_bytes, exclude=exclude, follow_into=follow_into)
    docs, texts, findings, _ = parse_files(read)
    if skipped is not None:
        skipped += read.skipped
    return docs, texts, findings
