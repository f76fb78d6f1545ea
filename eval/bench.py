"""Benchmark the offline pipeline (no model) on synthetic docs trees of about N chunks.

    python eval/bench.py [--sizes 1000,10000,100000] [--workdir DIR] [--seed 0] [--timeout S]
    python eval/bench.py --tree ../shared/corpora/large   # a real tree as it is: times, errors, unaccounted lines
    python eval/bench.py --one N [--tree DIR]      # one size, in this process (used by the above)

For each size the parent builds a tree of about N chunks, then runs the stages ingest ->
chunk -> embed -> cluster -> plan -> draft -> render -> check in a fresh child process
(`--one N --tree DIR`), so the peak RSS it reports (`ru_maxrss` of the child) belongs to that
size alone. Trees are built under a temp dir (or --workdir) and deleted afterwards.

Trees replicate markdown from the project's corpus/, the real cases' `before/` inputs and the
large PowerShell-Docs corpus (read at run time from ../shared/corpora; nothing is copied into
the repository) into `copy-001/...` subfolders. Each copy is perturbed deterministically
(numbers replaced, adjacent words swapped, the copy index appended to headings; front matter,
code, link targets and URLs left alone) so copies are near-duplicates, not identical. The
file selection is sized from per-file chunk counts of the originals; the real chunk count is
measured after chunking and the tree is rebuilt with a corrected budget when it lands more
than 20% from the target. Everything is seeded: the same arguments give the same trees.

The embedder is called directly (no embedding cache), in batches of 4096 as the pipeline does.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "corpora"
TARGETS = {"total_s": 60.0, "peak_mib": 2048.0, "embed_cps": 5000.0}  # checked at ~10k chunks
STAGES = ["ingest", "chunk", "embed", "cluster", "plan", "draft", "render", "check", "ledger"]
MAX_BYTES = 2_000_000
EMBED_BATCH = 4096


# ---------------------------------------------------------------------------------------------
# source pool and tree building


def source_pool(seed: int) -> list[tuple[Path, str]]:
    """(absolute path, relative destination) for every source markdown file, in a fixed order:
    the project's corpus, the real cases' inputs, then the large corpus shuffled with `seed`."""
    from consolidate.stages.ingest import is_markdown

    def md_files(root: Path) -> list[Path]:
        return sorted(p for p in root.rglob("*") if p.is_file() and is_markdown(p.name))

    pool: list[tuple[Path, str]] = []
    corpus = REPO / "corpus"
    pool += [(p, "corpus/" + p.relative_to(corpus).as_posix()) for p in md_files(corpus)]
    real = SHARED / "real"
    if real.is_dir():
        for case in sorted(d for d in real.iterdir() if (d / "before").is_dir()):
            before = case / "before"
            pool += [(p, f"real-{case.name}/" + p.relative_to(before).as_posix()) for p in md_files(before)]
    large = SHARED / "large"
    if large.is_dir():
        big = [(p, "large/" + p.relative_to(large).as_posix()) for p in md_files(large)]
        random.Random(seed).shuffle(big)
        pool += big
    if not pool:
        raise SystemExit("no source markdown found (corpus/ and ../shared/corpora are both empty)")
    return pool


class Calibrator:
    """Chunk counts of pool files, computed on demand (each file ingested and chunked alone)."""

    def __init__(self, pool: list[tuple[Path, str]]):
        self.pool = pool
        self.counts: list[int] = []

    def count(self, i: int) -> int:
        from consolidate.errors import UsageError
        from consolidate.stages.chunk import chunk_documents
        from consolidate.stages.ingest import ingest

        while len(self.counts) <= i:
            path = self.pool[len(self.counts)][0]
            try:
                docs, texts, _ = ingest([path], max_bytes=MAX_BYTES)
                n = len(chunk_documents(docs, texts)[0])
            except UsageError:
                n = 0
            self.counts.append(n)
        return self.counts[i]

    def total(self) -> int:
        return sum(self.count(i) for i in range(len(self.pool)))


def plan_tree(target: int, cal: Calibrator, budget_scale: float = 1.0) -> tuple[int, list[int]]:
    """Choose (copies, pool indices): at least two copies of one file selection whose chunk count,
    times copies, is about target * budget_scale."""
    want = max(1, int(round(target * budget_scale)))
    got, i = 0, 0
    while i < len(cal.pool) and got < want / 2:  # calibrate only as far as needed
        got += cal.count(i)
        i += 1
    copies = 2 if got >= want / 2 else max(2, math.ceil(want / got))
    per_copy = want / copies
    chosen, got = [], 0
    for i in range(len(cal.pool)):
        if got >= per_copy:
            break
        n = cal.count(i)
        if n == 0:
            continue
        # stop before a file that would overshoot by more than it undershoots
        if got and got + n - per_copy > per_copy - got:
            break
        chosen.append(i)
        got += n
    return copies, chosen


NUM = re.compile(r"(?<![\w.])\d+(?![\w])")
PROTECTED = re.compile(r"`[^`]*`|\]\([^)]*\)|\]\[[^\]]*\]|<[^>\s]+>|https?://\S+|\{[^}]*\}|^\s*\[[^\]]+\]:.*$")
HEADING = re.compile(r"^(#{1,6}[ \t]+)(.*?)([ \t]*\{#[^}]*\})?([ \t]*#*[ \t]*)$")
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def _perturb_segment(seg: str, rng: random.Random) -> str:
    def num(m: re.Match) -> str:
        s = m.group(0)
        if rng.random() >= 0.25:
            return s
        lo = 10 ** (len(s) - 1) if len(s) > 1 else 0
        return str(rng.randrange(lo, 10 ** len(s)))

    seg = NUM.sub(num, seg)
    words = seg.split(" ")
    if len(words) >= 6 and rng.random() < 0.15:
        plain = [k for k in range(len(words) - 1) if words[k].isalpha() and words[k + 1].isalpha()]
        if plain:
            k = rng.choice(plain)
            words[k], words[k + 1] = words[k + 1], words[k]
            seg = " ".join(words)
    return seg


def _perturb_line(line: str, rng: random.Random) -> str:
    out, pos = [], 0
    for m in PROTECTED.finditer(line):
        out.append(_perturb_segment(line[pos:m.start()], rng))
        out.append(m.group(0))
        pos = m.end()
    out.append(_perturb_segment(line[pos:], rng))
    return "".join(out)


def perturb(text: str, copy: int, rng: random.Random) -> str:
    """Deterministic near-duplicate of a markdown text (line endings and BOM kept)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    first = lines[0].lstrip("\ufeff").rstrip("\r\n") if lines else ""
    if first == "---":  # front matter: unchanged
        out.append(lines[0])
        i = 1
        while i < len(lines):
            out.append(lines[i])
            i += 1
            if lines[i - 1].rstrip("\r\n") in ("---", "..."):
                break
    fence = ""
    for line in lines[i:]:
        body = line.rstrip("\r\n")
        eol = line[len(body):]
        f = FENCE.match(body)
        if fence:
            if f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence) and not body.strip()[len(f.group(1)):].strip():
                fence = ""
            out.append(line)
            continue
        if f:
            fence = f.group(1)
            out.append(line)
            continue
        if body.startswith("    ") or body.startswith("\t"):  # indented code (or nested list content)
            out.append(line)
            continue
        h = HEADING.match(body)
        if h and h.group(2).strip():
            out.append(f"{h.group(1)}{h.group(2)} ({copy:03d}){h.group(3) or ''}{h.group(4)}{eol}")
            continue
        out.append(_perturb_line(body, rng) + eol)
    return "".join(out)


def build_tree(dest: Path, copies: int, chosen: list[int], pool: list[tuple[Path, str]], seed: int) -> int:
    """Write the tree; returns bytes written."""
    written = 0
    for c in range(1, copies + 1):
        base = dest / f"copy-{c:03d}"
        for i in chosen:
            src, rel = pool[i]
            raw = src.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                data = raw  # left as it is; ingest reports it
            else:
                data = perturb(text, c, random.Random(f"{seed}:{c}:{rel}")).encode("utf-8")
            out = base / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written += len(data)
    return written


# ---------------------------------------------------------------------------------------------
# one size, timed (child process)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run_one(tree: Path, target: int) -> dict:
    import numpy as np

    from consolidate.checks.citations import SourceIndex
    from consolidate.checks.ledger import make_ledger
    from consolidate.checks.links import input_urls
    from consolidate.embedders import make_embedder
    from consolidate.render import render_page
    from consolidate.settings import load_settings
    from consolidate.stages.check import check_pages
    from consolidate.stages.chunk import chunk_documents
    from consolidate.stages.cluster import cluster_chunks, cut_settings
    from consolidate.stages.draft import draft_pages
    from consolidate.stages.ingest import ingest
    from consolidate.stages.plan import plan_pages

    s = load_settings(config=None, env={})
    times: dict[str, float] = {}
    peaks: dict[str, float] = {"imports": peak_mib()}
    findings = []

    def done(stage: str, t0: float, note: str = "") -> None:
        times[stage] = time.perf_counter() - t0
        peaks[stage] = peak_mib()
        print(f"  [{target}] {stage:<8} {times[stage]:8.2f} s  peak {peaks[stage]:7.0f} MiB  {note}", file=sys.stderr, flush=True)

    t = time.perf_counter()
    docs, texts, fs = ingest([tree], max_bytes=s.ingest.max_file_bytes)
    findings += fs
    done("ingest", t, f"{len(docs)} docs")

    t = time.perf_counter()
    chunks, fs = chunk_documents(docs, texts, max_tokens=s.chunk.max_tokens, encoding=s.chunk.encoding)
    findings += fs
    done("chunk", t, f"{len(chunks)} chunks")

    t = time.perf_counter()
    embedder = make_embedder("lexical")
    chunk_texts = [c.text for c in chunks]
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for b in range(0, len(chunk_texts), EMBED_BATCH):
        vectors[b:b + EMBED_BATCH] = embedder.embed(chunk_texts[b:b + EMBED_BATCH])
    del chunk_texts
    done("embed", t, embedder.model_id)

    t = time.perf_counter()
    c = s.cluster
    threshold, centre_docs = cut_settings(s.embed.kind, c.threshold, c.centre_docs)
    topics = cluster_chunks(chunks, vectors, threshold=threshold, doc_weight=c.doc_weight, min_size=c.min_size,
                            max_direct=c.max_direct, dup_threshold=c.duplicate_threshold, centre_docs=centre_docs)
    done("cluster", t, f"{len(topics)} topics")

    t = time.perf_counter()
    plan = plan_pages(topics, chunks, docs)
    done("plan", t, f"{len(plan.pages)} pages")

    # conflict detection, timed inside draft (every call the drafter makes: its pages' pairs and
    # the plan-wide pass over every unit); part of the draft time, shown apart
    import consolidate.stages.draft as draft_module
    spent = [0.0, 0]
    plain_find = draft_module.find_conflicts

    def timed_find(*args, **kwargs):
        t0 = time.perf_counter()
        out = plain_find(*args, **kwargs)
        spent[0] += time.perf_counter() - t0
        spent[1] = max(spent[1], len(out))
        return out

    draft_module.find_conflicts = timed_find
    t = time.perf_counter()
    drafts, fs = draft_pages(plan, chunks, docs, texts)
    findings += fs
    done("draft", t, f"conflict detection {spent[0]:.2f} s ({spent[1]} conflicts across the plan)")
    draft_module.find_conflicts = plain_find
    conflicts_s, n_conflicts = spent

    t = time.perf_counter()
    pages = {d.file: render_page(d, "2026-01-01", "bench") for d in drafts}
    assets = {rel for d in drafts for rel, _ in d.assets}
    done("render", t)

    t = time.perf_counter()
    index = SourceIndex(chunks, texts)
    fs, claims = check_pages(pages, index, input_urls(docs, texts), assets)
    findings += fs
    n_claims = sum(claims.values())
    done("check", t, f"{n_claims} claims")

    t = time.perf_counter()
    ledger, fs = make_ledger(plan, chunks, docs, texts, drafts, pages)
    findings += fs
    done("ledger", t, f"{ledger['coverage']['lines']} lines, {ledger['coverage']['unaccounted']} unaccounted")

    total = sum(times.values())
    errors = Counter(f.kind for f in findings if f.severity == "error")
    return {
        "target": target, "docs": len(docs), "chunks": len(chunks), "topics": len(topics), "pages": len(pages),
        "times": {k: round(v, 3) for k, v in times.items()}, "total_s": round(total, 3),
        "peak_mib": round(peak_mib(), 1), "peaks": {k: round(v, 1) for k, v in peaks.items()},
        "embed_cps": round(len(chunks) / times["embed"], 1) if times["embed"] else 0.0,
        "conflicts_s": round(conflicts_s, 3), "conflicts": n_conflicts,
        "claims": n_claims, "claims_per_s": round(n_claims / times["check"], 1) if times["check"] else 0.0,
        "errors": sum(errors.values()), "error_kinds": dict(errors.most_common()),
        "warnings": sum(f.severity == "warning" for f in findings),
        "lines": ledger["coverage"]["lines"], "unaccounted": ledger["coverage"]["unaccounted"],
        "line_coverage": ledger["coverage"]["coverage"],
    }


# ---------------------------------------------------------------------------------------------
# driver


def fmt_table(rows: list[dict]) -> str:
    head = ["target", "docs", "chunks"] + [f"{s} s" for s in STAGES] + ["total s", "peak MiB", "embed ch/s",
                                                                         "claims", "claims/s", "errors", "unaccounted"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['target']:,} | " + r["error"] + " |")
            continue
        cells = [f"{r['target']:,}", f"{r['docs']:,}", f"{r['chunks']:,}"]
        cells += [f"{r['times'].get(s, 0):.2f}" for s in STAGES]
        cells += [f"{r['total_s']:.2f}", f"{r['peak_mib']:.0f}", f"{r['embed_cps']:,.0f}", f"{r['claims']:,}",
                  f"{r['claims_per_s']:,.0f}", f"{r['errors']:,}", f"{r['unaccounted']:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(r: dict) -> list[str]:
    checks = [("total < 60 s", r["total_s"] < TARGETS["total_s"], f"{r['total_s']:.1f} s"),
              ("peak RSS < 2 GiB", r["peak_mib"] < TARGETS["peak_mib"], f"{r['peak_mib']:.0f} MiB"),
              ("embedding >= 5,000 chunks/s", r["embed_cps"] >= TARGETS["embed_cps"], f"{r['embed_cps']:,.0f} chunks/s")]
    return [f"  {'PASS' if ok else 'FAIL'}  {name}: {val}" for name, ok, val in checks]


def run_child(target: int, tree: Path, timeout: float | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(target), "--tree", str(tree)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"target": target, "error": f"timed out after {timeout:.0f} s (see the stage lines above)"}
    if proc.returncode != 0:
        return {"target": target, "error": f"child exited {proc.returncode} (see stderr above)"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated chunk-count targets")
    ap.add_argument("--workdir", type=Path, help="where to build trees (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=None, help="seconds allowed per size (child is killed)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, help="run on this tree as it is (e.g. ../shared/corpora/large) instead of built ones")
    a = ap.parse_args(argv)

    if a.tree is not None and a.one is None:  # a real tree, as it is
        r = run_child(0, a.tree, a.timeout)
        print(fmt_table([r]), flush=True)
        if "error" not in r:
            print(f"{a.tree}: {r['lines']:,} non-blank lines, {r['unaccounted']:,} unaccounted, line coverage "
                  f"{r['line_coverage']:.4f}; errors by kind: {r['error_kinds']}", flush=True)
        return 0 if "error" not in r and not r["unaccounted"] else 1

    if a.one is not None:  # child: time one tree
        if a.tree is None:
            with tempfile.TemporaryDirectory(prefix="consolidate-bench-", dir=a.workdir) as tmp:
                pool = source_pool(a.seed)
                copies, chosen = plan_tree(a.one, Calibrator(pool))
                build_tree(Path(tmp) / "tree", copies, chosen, pool, a.seed)
                gc.collect()
                print(json.dumps(run_one(Path(tmp) / "tree", a.one)))
        else:
            print(json.dumps(run_one(a.tree, a.one)))
        return 0

    sizes = [int(x.replace("_", "")) for x in a.sizes.split(",") if x.strip()]
    pool = source_pool(a.seed)
    cal = Calibrator(pool)
    if a.workdir:
        a.workdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="consolidate-bench-", dir=a.workdir))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, seed {a.seed}, "
          f"pool {len(pool)} files, trees under {tmp}", flush=True)
    rows = []
    try:
        for target in sizes:
            scale = 1.0
            for attempt in range(3):
                copies, chosen = plan_tree(target, cal, scale)
                tree = tmp / f"tree-{target}"
                t = time.perf_counter()
                nbytes = build_tree(tree, copies, chosen, pool, a.seed)
                estimate = copies * sum(cal.counts[i] for i in chosen)
                print(f"[{target}] tree: {copies} copies x {len(chosen)} files, {nbytes / 2**20:.1f} MiB, "
                      f"~{estimate} chunks estimated, built in {time.perf_counter() - t:.1f} s", flush=True)
                r = run_child(target, tree, a.timeout)
                shutil.rmtree(tree, ignore_errors=True)
                if "error" in r or abs(r["chunks"] - target) <= 0.2 * target or not r["chunks"]:
                    break
                print(f"[{target}] {r['chunks']} chunks is more than 20% off; rebuilding", flush=True)
                scale *= target / r["chunks"]
            if "error" not in r:
                r["copies"], r["files_per_copy"] = copies, len(chosen)
                r["within_20pct"] = abs(r["chunks"] - target) <= 0.2 * target
            rows.append(r)
            print(f"[{target}] " + (r["error"] if "error" in r else
                                    f"{r['chunks']} chunks, {r['total_s']:.2f} s, peak {r['peak_mib']:.0f} MiB, "
                                    f"errors by kind: {r['error_kinds']}"), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(fmt_table(rows))
    ok = [r for r in rows if "error" not in r]
    if ok:
        near = [r for r in ok if 8000 <= r["chunks"] <= 12000]
        if near:
            ref = min(near, key=lambda r: abs(r["chunks"] - 10000))
            print(f"\ntargets at ~10k chunks (row {ref['target']:,}, {ref['chunks']:,} chunks):")
            print("\n".join(verdicts(ref)))
        else:
            print("\n(no ~10k-chunk row: targets not checked)")
        for r in ok:
            top = max(r["times"], key=r["times"].get)
            peak_stage = next((s for s in STAGES if r["peaks"].get(s, 0) >= r["peak_mib"] - 0.5), "?")
            print(f"{r['target']:,}: slowest stage {top} ({r['times'][top]:.1f} s, "
                  f"{100 * r['times'][top] / r['total_s']:.0f}%), peak reached in {peak_stage}, "
                  f"{r['topics']} topics, {r['pages']} pages, {r['warnings']} warnings")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
