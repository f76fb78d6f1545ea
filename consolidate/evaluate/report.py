"""The eval table (terminal and markdown), the JSON results, and the baseline gate."""

from __future__ import annotations

from pathlib import Path

from consolidate.fsio import read_json, write_json, write_text

COLUMNS = [  # (key, header)
    ("topic_ari", "ARI"), ("topic_nmi", "NMI"), ("fact_coverage", "facts"), ("supported", "supp"),
    ("citation_precision", "c.prec"), ("citation_recall", "c.rec"), ("unaccounted", "lost"), ("dead_links", "dead"),
    ("dup_rate_before", "dup0"), ("dup_rate_after", "dup"), ("tokens_before", "tok0"), ("tokens_after", "tok1"),
    ("ratio", "ratio"), ("hratio", "hratio"), ("meta", "meta"), ("dropped", "drop"),
    ("conflicts_found", "confl"), ("conflicts_unlabelled", "c.new"), ("stale_found", "stale"), ("pages", "pages"), ("human_pages", "hpages"),
    ("human_facts_kept", "hkept"), ("human_input_facts", "hfacts"), ("model_pages", "mdl"), ("wall_s", "sec"), ("model_calls", "calls"),
    ("edits_asked", "edits"), ("edits_written", "e.ok"),
    ("cost", "cost"),
]
# gated metrics: higher is better, except those in LOWER
GATED = ["topic_ari", "topic_nmi", "mapping_ari", "fact_coverage", "supported", "citation_precision",
         "citation_recall", "conflicts_found", "stale_found", "dead_links", "unaccounted", "ratio"]
LOWER = {"dead_links", "unaccounted", "ratio"}
TOLERANCE = 0.02


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def table_rows(results: dict) -> list[list[str]]:
    rows = []
    for r in results["rows"] + results["overall"]:
        rows.append([r["backend"], r["kind"], r["name"][:24]] + [_fmt(r.get(k)) for k, _ in COLUMNS])
    return rows


def text_table(results: dict) -> str:
    head = ["backend", "kind", "name"] + [h for _, h in COLUMNS]
    rows = [head] + table_rows(results)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines += backend_lines(results)
    lines += [f"SKIPPED backend {b}: {why}" for b, why in sorted(results["skipped"].items())]
    return "\n".join(lines)


def backend_lines(results: dict) -> list[str]:
    out = []
    for b, t in results.get("backends", {}).items():
        share = ("no pages" if t["model_pages"] is None else "all drafted by the model" if t["model_pages"] == 1
                 else f"{t['model_pages']:.0%} drafted by the model, the rest fell back to extractive")
        if t.get("edits_asked"):  # llm.mode = edits: the model rewrote merge groups, not whole pages
            share = (f"{t['edits_written']:.0f} of {t['edits_asked']:.0f} merge groups written by the model and accepted "
                     "by the checks, the rest extractive")
        out.append(f"backend {b}: {t['pages']:.0f} pages ({share}), {t['model_calls']:.0f} model calls, {t['cache_hits']:.0f} cache hits, "
                   f"{t['tokens_in']:.0f} tokens in, {t['tokens_out']:.0f} out, {t['cost']:.4f} USD, {t['wall_s']:.1f}s"
                   if b != "extractive" else f"backend {b}: {t['pages']:.0f} pages, no model, {t['wall_s']:.1f}s")
    return out


def markdown(results: dict) -> str:
    head = ["backend", "kind", "name"] + [h for _, h in COLUMNS]
    out = ["# Merge evaluation", "", "Columns: see README, \"Evaluating merges\".", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in table_rows(results)]
    out += ["", "## Backends", ""] + [f"- {line}" for line in backend_lines(results)]
    if results["skipped"]:
        out += ["", "## Skipped backends", ""] + [f"- **{b}**: {why}" for b, why in sorted(results["skipped"].items())]
    out += ["", "## Input lines dropped, by reason (line ledger)", ""] + [drop_line(r) for r in results["rows"]]
    cases = [r for r in results["rows"] if r["kind"] == "case"]
    if cases:
        out += ["", "## Real cases against their labels (eval/cases/<case>.json)", ""]
        out += [line for r in cases for line in label_lines(r)]
    compared = [r for r in cases if r.get("after")]
    if compared:
        out += ["", "## Side by side: our pages and the pages people made", "",
                "Rows are the metrics that differ; the pages themselves are side by side in latest.html.", ""]
    for r in compared:
        pairs = side_by_side(r)
        differ = [c for c in pairs if c[3]]
        same = [c[0] for c in pairs if not c[3]]
        out += [f"### {r['name']} ({r['backend']})", "", "| | ours | people's |", "|---|---|---|"]
        out += [f"| {label} | {ours} | {theirs} |" for label, ours, theirs, _ in differ]
        out += ["", f"Same in both: {', '.join(same) or 'nothing'}.", "",
                "Our pages: " + "; ".join(r["our_titles"]), "", "Their pages: " + "; ".join(r["human_titles"]), ""]
        if r.get("manifest_notes"):
            out += [f"MANIFEST notes: {r['manifest_notes']}", ""]
    return "\n".join(out) + "\n"


def drop_line(r: dict) -> str:
    """One row's dropped input lines: the share of all non-blank lines, then per reason."""
    reasons = ", ".join(f"{k} {v:.1%}" for k, v in (r.get("dropped_by_reason") or {}).items())
    return f"- **{r['name']}** ({r['backend']}): {r.get('dropped', 0):.1%} dropped" + (f" ({reasons})" if reasons else "")


def side_by_side(r: dict) -> list[tuple[str, str, str, bool]]:
    """(metric, ours, people's, differs) for a real case's row."""
    pairs = [
        ("pages", r.get("pages"), r.get("human_pages")),
        ("tokens (citations stripped)", r.get("tokens_after"), r.get("human_tokens")),
        ("words out / words in (provenance stripped)", r.get("ratio"), r.get("hratio")),
        ("duplicate-sentence rate", r.get("dup_rate_after"), r.get("human_dup_rate")),
        ("dead links (checked against before/)", r.get("our_dead_links_standalone"), r.get("human_dead_links")),
        ("facts traced to no input", r.get("our_untraceable"), r.get("human_untraceable")),
        ("people's traced facts kept", r.get("human_facts_kept"), 1.0 if r.get("human_traced_facts") else None),
    ]
    return [(label, _fmt(a), _fmt(b), _fmt(a) != _fmt(b)) for label, a, b in pairs]


def label_lines(r: dict) -> list[str]:
    """One case's label scores: what we found, what we missed, what we flagged beyond the labels."""
    if str(r.get("labels", "")).startswith("missing"):
        return [f"- **{r['name']}** ({r['backend']}): labels {r['labels']}"]
    out = [f"- **{r['name']}** ({r['backend']}): topic ARI {_fmt(r.get('topic_ari'))}, NMI {_fmt(r.get('topic_nmi'))}; "
           f"conflicts found {_fmt(r.get('conflicts_found'))}, {_fmt(r.get('conflicts_reported'))} reported, "
           f"{_fmt(r.get('conflicts_unlabelled'))} of them not in the labels; stale found {_fmt(r.get('stale_found'))}"]
    out += [f"  - missed conflict: {m}" for m in r.get("conflicts_missed", [])]
    out += [f"  - flagged stale beyond the labels: {d}" for d in r.get("stale_extra", [])]
    return out


def write_results(results: dict, folder: Path) -> tuple[Path, Path, Path]:
    from consolidate.evaluate.html import eval_html

    write_json(folder / "latest.json", results)
    write_text(folder / "latest.md", markdown(results))
    write_text(folder / "latest.html", eval_html(results, folder))
    return folder / "latest.json", folder / "latest.md", folder / "latest.html"


def baseline_of(results: dict) -> dict:
    """The gated numbers of the extractive backend on the fixtures."""
    return {"tolerance": TOLERANCE, "backend": "extractive",
            "fixtures": {r["name"]: {k: r.get(k) for k in GATED}
                         for r in results["rows"] if r["backend"] == "extractive" and r["kind"] == "fixture"}}


def write_baseline(results: dict, path: Path) -> Path:
    write_json(path, baseline_of(results))
    return path


def regressions(results: dict, baseline_path: Path) -> list[str]:
    """One line per gated metric that fell below the baseline by more than its tolerance."""
    base = read_json(baseline_path)
    tol = base.get("tolerance", TOLERANCE)
    now = baseline_of(results)["fixtures"]
    out = []
    for name, metrics in base["fixtures"].items():
        if name not in now:
            out.append(f"{name}: fixture missing from this run")
            continue
        for k, old in metrics.items():
            new = now[name].get(k)
            if old is None:
                continue
            if new is None:
                out.append(f"{name}: {k} was {old}, now missing")
            elif (new > old + tol) if k in LOWER else (new < old - tol):
                out.append(f"{name}: {k} {old} -> {new} (tolerance {tol})")
    return out
