"""Atomic file writes, kept inside the folder they belong to.

A killed run never leaves a half-written file behind. Inside `confined(root)` (a run's --out,
publish's --to) every write, folder made and file removed is first checked to resolve inside
that folder after symlinks; one that would land elsewhere raises UsageError before anything
is written. New files get the mode the umask gives (0666 & ~umask); a rewritten file keeps its mode.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from consolidate.errors import UsageError
from consolidate.jsontext import dumps_indented, write_compact, write_indented

_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("consolidate_write_roots", default=())
# inside `synced_once()`: the (temp file, path) pairs written but not yet synced and renamed
_PENDING: contextvars.ContextVar[list[tuple[str, Path]] | None] = contextvars.ContextVar("consolidate_pending", default=None)


def is_inside(path: Path, root: Path) -> bool:
    """Whether path, with every symlink in it resolved, is root or under it (root resolved too)."""
    real, base = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == base or base in real.parents


@contextlib.contextmanager
def confined(*roots: Path) -> Iterator[None]:
    """Within this block, writes must resolve inside one of roots (nested blocks narrow nothing: they add)."""
    token = _ROOTS.set(_ROOTS.get() + tuple(roots))
    try:
        yield
    finally:
        _ROOTS.reset(token)


def check_inside(path: Path, root: Path | None = None, what: str = "output folder") -> None:
    """Raise UsageError naming the path and where it really leads when it resolves outside root
    (or outside every `confined` root when root is None; no check when there is none)."""
    roots = (root,) if root is not None else _ROOTS.get()
    if not roots or any(is_inside(path, r) for r in roots):
        return
    shown = roots[0]
    raise UsageError(f"{path}: resolves to {os.path.realpath(path)}, outside the {what} {shown}; "
                     "remove the symlink that leads out of it (nothing was written there)")


@lru_cache(maxsize=1)
def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def new_file_mode() -> int:
    return 0o666 & ~_umask()


TEMP_SUFFIX = ".tmp"
# what write_bytes leaves when killed mid-write: `.NAME.` + mkstemp's 8 random characters + `.tmp`
_OUR_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporary files a killed write left in `folder` (only files named as ours); returns them."""
    gone = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return gone
    for e in entries:
        if _OUR_TEMP.match(e.name) and e.is_file(follow_symlinks=False):
            os.unlink(e.path)
            gone.append(Path(e.path))
    return gone


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes | Callable[[Callable[[bytes], Any]], None], sync: bool = True) -> None:
    """Atomically: a temp file beside path, synced, then renamed over it. data: the bytes, or a
    function that writes them in pieces through the write function it is given (a large file
    need not be held whole). sync=False: not synced (a cache entry, whose damaged copy is made
    again; a killed process still leaves the old file or the new one, whole). Inside
    `synced_once()` the sync and the rename wait for the end of the block."""
    check_inside(path)
    try:
        mode = path.stat().st_mode & 0o7777  # a rewritten file keeps its mode
    except OSError:
        mode = new_file_mode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    pending = _PENDING.get() if sync else None
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray)):
                fh.write(data)
            else:
                data(fh.write)
            fh.flush()
            if sync and pending is None:
                os.fsync(fh.fileno())
        if pending is not None:
            pending.append((tmp, path))
        else:
            os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def synced_once() -> Iterator[None]:
    """Many files written as one: each write_bytes in the block leaves its temp file, and at the end
    one sync of their file system puts every temp on disk before they are renamed over their paths
    (a file per fsync costs ~17 ms on a busy disk: a minute for the large tree's 3,700 output files).
    A file written in the block is not at its path until the block ends; if the block fails, its
    temp files are removed and the paths keep their old files."""
    if _PENDING.get() is not None:  # nested: the outer block syncs
        yield
        return
    pending: list[tuple[str, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            _unlink(tmp)
        raise
    finally:
        _PENDING.reset(token)
    _sync_files([tmp for tmp, _ in pending])
    for tmp, path in pending:
        os.replace(tmp, path)


def _sync_files(files: list[str]) -> None:
    """Put these files' data on disk: one syncfs(2) per file system they are on, else an fsync each."""
    if not files:
        return
    syncfs = _syncfs()
    devices: dict[int, list[str]] = {}
    for f in files:
        devices.setdefault(os.stat(f).st_dev, []).append(f)
    for group in devices.values():
        if syncfs is not None and _call(group[0], syncfs) == 0:
            continue
        for f in group:
            _call(f, os.fsync)


def _call(file: str, sync: Callable[[int], Any]) -> Any:
    fd = os.open(file, os.O_RDONLY)
    try:
        return sync(fd)
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def _syncfs():
    """libc's syncfs (Linux), or None."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def remove(path: Path) -> None:
    """Delete a file (a symlink itself, never what it points at), inside the confined folder."""
    check_inside(path.parent)
    path.unlink()


def remove_empty_folder(path: Path) -> bool:
    """Delete a folder that holds nothing, inside the confined folder; False when it is not empty or gone."""
    if not path.is_dir() or any(path.iterdir()):
        return False
    check_inside(path)
    path.rmdir()
    return True


def dumps_json(obj: Any) -> str:
    """json.dumps(obj, indent=2, ensure_ascii=False) and a newline (jsontext: the same bytes, faster)."""
    return dumps_indented(obj) + "\n"


def write_json(path: Path, obj: Any, digest: bool = False) -> str | None:
    """dumps_json(obj) into path, written as it is encoded (a large ledger is never held whole as
    text or bytes). digest: return the sha256 of the bytes written (else None)."""
    return _write_encoded(path, lambda add: write_indented(obj, add, "\n"), digest)


def write_compact_json(path: Path, obj: Any) -> None:
    """json.dumps(obj, ensure_ascii=False, separators=(",", ":")) and a newline into path, written as it
    is encoded; a generator in obj is written as a list (jsontext.write_compact)."""
    _write_encoded(path, lambda add: write_compact(obj, add, "\n"), False)


def _write_encoded(path: Path, encode: Callable[[Callable[[str], Any]], None], digest: bool) -> str | None:
    h = hashlib.sha256() if digest else None

    def pieces(write: Callable[[bytes], Any]) -> None:
        def add(piece: str) -> None:
            data = piece.encode("utf-8")
            if h is not None:
                h.update(data)
            write(data)
        encode(add)

    write_bytes(path, pieces)
    return h.hexdigest() if h is not None else None


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
