"""Write: pages, redirects (JSON and mkdocs-redirects YAML), plan, report and review, atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from consolidate.fsio import remove, remove_empty_folder, write_bytes, write_json, write_text
from consolidate.review import REVIEW_DIR, SOURCES_DIR
from consolidate.stages.plan import plan_to_json
from consolidate.records import Plan


def redirects_yaml(redirects: dict[str, list[str]]) -> str:
    lines = ["# mkdocs-redirects: add under `plugins:` in mkdocs.yml", "plugins:", "  - redirects:", "      redirect_maps:"]
    for old, new in redirects.items():
        if new and old != new[0]:
            lines.append(f"        {json.dumps(old)}: {json.dumps(new[0])}")
    return "\n".join(lines) + "\n"


def write_pages(out_pages: Path, pages: dict[str, str], assets: dict[str, str], previous: list[str]) -> list[str]:
    """Write pages and assets; remove pages a previous run wrote that this run no longer makes."""
    for name, text in pages.items():
        write_text(out_pages / name, text)
    for rel, src in assets.items():
        write_bytes(out_pages / rel, Path(src).read_bytes())
    written = sorted(pages) + sorted(assets)
    for old in previous:
        if old not in written and (out_pages / old).is_file():
            remove(out_pages / old)
            folder = (out_pages / old).parent
            while folder != out_pages and remove_empty_folder(folder):  # a section no page is in now
                folder = folder.parent
    return written


def write_outputs(root: Path, plan: Plan, review: Iterable[tuple[str, str]], split: list[dict] | None = None) -> list[str]:
    """Redirects, plan.json and the review files; returns the review files written."""
    write_json(root / "redirects.json", plan.redirects)
    write_text(root / "redirects.yml", redirects_yaml(plan.redirects))
    write_json(root / "plan.json", plan_to_json(plan, split))
    return write_review(root, review)


def write_review(root: Path, files: Iterable[tuple[str, str]]) -> list[str]:
    """review.html, review/<page>.html and review/sources/*.js (consolidate/review.py), each written
    as it is made; files of pages no longer made, and of sources no page cites any more, go.
    Returns the files written."""
    written = []
    for rel, text in files:
        write_text(root / rel, text)
        written.append(rel)
    kept = set(written)
    folder = root / REVIEW_DIR
    for pattern in ("*.html", f"{SOURCES_DIR}/*.js"):
        for old in sorted(folder.glob(pattern)) if folder.is_dir() else []:
            if old.relative_to(root).as_posix() not in kept:
                remove(old)
    return written


