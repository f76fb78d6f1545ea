"""What `consolidate eval` does, apart from argument parsing."""

from __future__ import annotations

from pathlib import Path

from consolidate.evaluate.fixtures import DEFAULT_LABELS, EvalError, Fixture, load_cases, load_fixtures
from consolidate.evaluate.report import text_table, write_baseline, write_results
from consolidate.evaluate.runner import BACKENDS, backend_settings, evaluate

DEFAULT_CASES = Path("../shared/corpora/real")
# Measured here (2 shared cores): with llm.mode = edits (the default) the local model runs everywhere,
# `consolidate eval` in 4.4 minutes with the 0.5B model and 7.9 with the 1.5B (docs/eval.md). Drafting whole
# pages (llm.mode = page or sections), one page of a real case ran past 15 minutes (the 0.5B copies its
# sources until the token limit), so then it only runs on the fixtures unless named in --backends.
LOCAL_CASES = ("with llm.mode = page or sections one real-case page took the local model over 15 minutes on this "
               "2-core machine; pass --backends extractive,local to run it on the real cases too")


def pick_backends(spec: str) -> list[str]:
    """The asked-for backends, extractive always first; by default every backend there is (those
    that cannot run here are reported as skipped, with why)."""
    names = [b.strip() for b in spec.split(",") if b.strip()] if spec.strip() else list(BACKENDS)
    if "extractive" not in names:
        names.insert(0, "extractive")  # the offline numbers are always there to compare with
    return list(dict.fromkeys(names))


def pick(items: list[Fixture], only: set[str]) -> list[Fixture]:
    return [f for f in items if not only or f.name in only]


def eval_command(fixtures: Path, cases: Path | None, backends: str, out: Path, config: Path | None,
                 baseline: bool, progress, work: Path | None = None, only: str = "", fresh: bool = False,
                 labels: Path = DEFAULT_LABELS) -> str:
    fx = load_fixtures(fixtures)
    if cases is None:
        cases = DEFAULT_CASES if DEFAULT_CASES.is_dir() else None
    real = load_cases(cases, labels) if cases is not None else []
    wanted = {n.strip() for n in only.split(",") if n.strip()}
    unknown = sorted(wanted - {f.name for f in fx + real})
    if unknown:
        raise EvalError(f"--only {','.join(unknown)}: no such fixture or case; names are the folder names under "
                        f"{fixtures}" + (f" and {cases}" if cases else ""))
    if baseline and wanted:
        raise EvalError("--write-baseline records every fixture; run it without --only")
    names = pick_backends(backends)
    slow = {} if backends.strip() or backend_settings("local", config).llm.mode == "edits" else {"local": LOCAL_CASES}
    results = evaluate(pick(fx, wanted), pick(real, wanted), names, config, progress, work, slow, fresh)
    results["cases_folder"] = str(cases) if cases else None
    j, md, html = write_results(results, out)
    lines = [text_table(results), f"results: {j}, {md}, {html}"]
    if work is not None:
        lines.append(f"runs kept in {work}/<backend>/<name>/ (review one with: consolidate review {work}/extractive/<name>); "
                     "a rerun reuses their model replies (cache hits are in the JSON); --fresh asks the model again")
    if baseline:
        lines.append(f"baseline written: {write_baseline(results, out / 'baseline.json')} (commit it as a reviewed change)")
    if not results["rows"]:
        raise EvalError("no backend could run; see the skipped reasons above")
    return "\n".join(lines)
