"""Per-page results of earlier runs, so a rerun redrafts and rechecks only the pages whose inputs changed.

Each result is kept under OUT/.cache/pages/<kind>/<key>.pkl, where the key is a hash of everything
the result depends on (the caller names it: a page's plan entry, chunks, documents, conflicts, the
run's link context) and of the code (runner.CODE). They are pickles: a page's merge is a graph of
units (merged, shown-in, conflict pairs) that pickle keeps as it is. Only files this tool wrote in
its own output folder are read. A result that cannot be read is computed again; results no page of
the run used are removed at the end (`prune`), so the folder holds one run's pages.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from consolidate.fsio import write_bytes
from consolidate.state import fingerprint


class PageMemo:
    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: dict[str, set[str]] = {}
        self.reused: dict[str, list[str]] = {}  # kind -> the page files whose result was reused
        self.made: dict[str, list[str]] = {}  # kind -> the page files computed this run

    def key(self, kind: str, *parts: Any) -> str:
        from consolidate.runner import CODE

        return fingerprint(kind, CODE, *parts)

    def get(self, kind: str, key: str, page: str) -> Any | None:
        if self.folder is None:
            return None
        self.used.setdefault(kind, set()).add(key)
        try:
            value = pickle.loads((self.folder / kind / f"{key}.pkl").read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.made.setdefault(kind, []).append(page)
            return None
        self.reused.setdefault(kind, []).append(page)
        return value

    def forget(self, kind: str, page: str) -> None:
        """A result get() returned turned out not to apply: count the page as computed. Returns None."""
        self.reused[kind].remove(page)
        self.made.setdefault(kind, []).append(page)

    def put(self, kind: str, key: str, value: Any) -> None:
        if self.folder is None:
            return
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except RecursionError:
            return  # a graph too deep to keep: the page is computed again next time
        write_bytes(self.folder / kind / f"{key}.pkl", data, sync=False)  # a cache: a damaged entry is made again

    def prune(self) -> None:
        """Remove the results of every kind this run asked for that it did not use."""
        for kind, keys in self.used.items():
            folder = self.folder / kind
            for name in sorted(os.listdir(folder)) if folder.is_dir() else []:
                if name.endswith(".pkl") and name[:-4] not in keys:
                    (folder / name).unlink(missing_ok=True)
