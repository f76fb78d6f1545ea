"""The eval report as one self-contained HTML page (latest.html): the table, then per real case
our merged pages beside the pages people made, with the metrics that differ; per fixture, each
backend's pages side by side when more than one backend ran.

Pages are rendered by markdown-it with raw HTML off, everything else is escaped, and the page
carries a Content-Security-Policy with no script at all, so a hostile input cannot run anything.
Output is a pure function of the results and the kept runs."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

from consolidate.evaluate.metrics import body, markdown_files
from consolidate.evaluate.report import COLUMNS, backend_lines, side_by_side, table_rows

_md = MarkdownIt("commonmark", {"html": False}).enable("table")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'"
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#1d1d1f}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:nth-child(-n+3),th{text-align:left}tr.differs td{background:#fff6d5}
.cols{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(0,1fr);gap:1em;align-items:start}
.col{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;overflow-wrap:anywhere}
.col h3{margin:.2em 0}details{border-top:1px solid #eee;padding:.3em 0}summary{font-weight:600;cursor:pointer}
pre{background:#f5f5f7;padding:.5em;overflow:auto}code{font-size:90%}.muted{color:#666}
"""


def _e(s) -> str:
    return escape(str(s), quote=True)


def _read_pages(folder: Path, strip: bool) -> list[tuple[str, str]]:
    return [(name, body(t) if strip else t) for name, t in markdown_files(folder).items()] if folder.is_dir() else []


def _column(title: str, note: str, pages: list[tuple[str, str]]) -> str:
    parts = [f'<div class="col"><h3>{_e(title)}</h3><p class="muted">{note}</p>']
    if not pages:
        parts.append('<p class="muted">no pages to show</p>')
    for name, text in pages:
        parts.append(f"<details open><summary>{_e(name)}</summary>{_md.render(text)}</details>")
    return "".join(parts) + "</div>"


def _ours(r: dict, folder: Path) -> str:
    out = r.get("out")
    if not out:
        return _column(f"ours ({r['backend']})", "this run was not kept (eval ran without a work folder)", [])
    review = Path(out) / "review.html"
    link = os.path.relpath(review, folder) if review.exists() else ""
    note = f'{r["pages"]} pages; citations stripped; <a href="{_e(link)}">review with sources</a>' if link else ""
    return _column(f"ours ({r['backend']})", note, _read_pages(Path(out) / "pages", strip=True))


def _metrics(r: dict) -> str:
    rows = "".join(f'<tr class="{"differs" if d else ""}"><td>{_e(label)}</td><td>{_e(a)}</td><td>{_e(b)}</td></tr>'
                   for label, a, b, d in side_by_side(r))
    return f"<table><tr><th>metric</th><th>ours</th><th>people's</th></tr>{rows}</table>"


def _labels(r: dict) -> str:
    items = [f"conflicts found {_e(r.get('conflicts_found'))}, stale found {_e(r.get('stale_found'))}"]
    items += [f"missed conflict: {_e(m)}" for m in r.get("conflicts_missed", [])]
    items += [f"flagged stale beyond the labels: {_e(d)}" for d in r.get("stale_extra", [])]
    return f"<ul>{''.join(f'<li>{i}</li>' for i in items)}</ul>"


def _case(name: str, rows: list[dict], folder: Path) -> str:
    parts = [f'<section id="case-{_e(name)}"><h2>{_e(name)}</h2>']
    after = rows[0].get("after")
    for r in rows:
        parts.append(f"<h4>{_e(r['backend'])}: against the labels (eval/cases/{_e(name)}.json)</h4>{_labels(r)}")
        if after:
            parts.append(f"<h4>{_e(r['backend'])}: metrics (highlighted where ours and people's differ)</h4>{_metrics(r)}")
    cols = [_ours(r, folder) for r in rows]
    if after:
        cols.append(_column("people's (after/)", _e(after), _read_pages(Path(after), strip=False)))
    parts.append(f'<div class="cols">{"".join(cols)}</div>')
    notes = rows[0].get("manifest_notes")
    if notes:
        parts.append(f'<p class="muted"><b>MANIFEST notes:</b> {_e(notes)}</p>')
    return "".join(parts) + "</section>"


def _fixture(name: str, rows: list[dict], folder: Path) -> str:
    missing = "; ".join(f"{r['backend']}: {', '.join(r.get('facts_missing') or []) or 'none'}" for r in rows)
    return (f'<section id="fixture-{_e(name)}"><h2>{_e(name)} (fixture)</h2><p>planted facts missing: {_e(missing)}</p>'
            f'<div class="cols">{"".join(_ours(r, folder) for r in rows)}</div></section>')


def _table(results: dict) -> str:
    head = ["backend", "kind", "name"] + [h for _, h in COLUMNS]
    rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in table_rows(results))
    return "<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + rows + "</table>"


def eval_html(results: dict, folder: Path) -> str:
    """`folder` is where latest.html goes; links to the kept runs are relative to it."""
    by: dict[tuple[str, str], list[dict]] = {}
    for r in results["rows"]:
        by.setdefault((r["kind"], r["name"]), []).append(r)
    sections = [_case(n, rs, folder) if k == "case" else _fixture(n, rs, folder)
                for (k, n), rs in by.items() if k == "case" or len(rs) > 1]
    skipped = "".join(f"<li>SKIPPED <b>{_e(b)}</b>: {_e(w)}</li>" for b, w in sorted(results["skipped"].items()))
    backends = "".join(f"<li>{_e(line)}</li>" for line in backend_lines(results))
    toc = "".join(f'<li><a href="#{k}-{_e(n)}">{_e(n)}</a></li>' for (k, n), rs in by.items() if k == "case" or len(rs) > 1)
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>Merge evaluation</title>'
            f"<style>{CSS}</style></head><body><h1>Merge evaluation</h1>"
            "<p>Columns are explained in the README, section \"Evaluating merges\".</p>"
            f"{_table(results)}<ul>{backends}{skipped}</ul><ul>{toc}</ul>{''.join(sections)}</body></html>\n")
