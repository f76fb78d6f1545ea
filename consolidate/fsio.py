"""Atomic file writes, kept inside the folder they belong to.

A killed run never leaves a half-written file behind. Inside `confined(root)` (a run's --out,
publish's --to) every write, folder made and file removed is first checked to resolve inside
that folder after symlinks; one that would land elsewhere raises UsageError before anything
is written. New files get the mode the umask gives (0666 & ~umask); a rewritten file keeps its mode.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from consolidate.errors import UsageError
from consolidate.jsontext import dumps_indented, write_indented

_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("consolidate_write_roots", default=())


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


def write_bytes(path: Path, data: bytes | Callable[[Callable[[bytes], Any]], None]) -> None:
    """Atomically: a temp file beside path, synced, then renamed over it. data: the bytes, or a
    function that writes them in pieces through the write function it is given (a large file
    need not be held whole)."""
    check_inside(path)
    try:
        mode = path.stat().st_mode & 0o7777  # a rewritten file keeps its mode
    except OSError:
        mode = new_file_mode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray)):
                fh.write(data)
            else:
                data(fh.write)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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


def write_json(path: Path, obj: Any) -> None:
    """dumps_json(obj) into path, written as it is encoded (a large ledger or state file is never held whole)."""
    write_bytes(path, lambda write: write_indented(obj, lambda piece: write(piece.encode("utf-8")), "\n"))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
