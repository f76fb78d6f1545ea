"""What `consolidate eval` does, apart from argument parsing."""

from __future__ import annotations

from pathlib import Path

from consolidate.evaluate.fixtures import EvalError, load_cases, load_fixtures
from consolidate.evaluate.report import text_table, write_baseline, write_results
from consolidate.evaluate.runner import availability, evaluate

DEFAULT_CASES = Path("../shared/corpora/real")


def pick_backends(spec: str, config: Path | None) -> list[str]:
    if spec.strip():
        names = [b.strip() for b in spec.split(",") if b.strip()]
        if "extractive" not in names:
            names.insert(0, "extractive")  # the offline numbers are always there to compare with
        return names
    return ["extractive"] + (["openai"] if not availability("openai", True, config) else [])


def eval_command(fixtures: Path, cases: Path | None, backends: str, out: Path, config: Path | None,
                 baseline: bool, progress) -> str:
    fx = load_fixtures(fixtures)
    if cases is None:
        cases = DEFAULT_CASES if DEFAULT_CASES.is_dir() else None
    real = load_cases(cases) if cases is not None else []
    names = pick_backends(backends, config)
    results = evaluate(fx, real, names, config, progress)
    results["cases_folder"] = str(cases) if cases else None
    if not backends.strip() and "openai" not in names:
        results["skipped"].setdefault("openai", availability("openai", True, config))
    if "local" not in names:
        results["skipped"].setdefault("local", "not asked for: pass --backends extractive,local")
    j, md = write_results(results, out)
    lines = [text_table(results), f"results: {j}, {md}"]
    if baseline:
        lines.append(f"baseline written: {write_baseline(results, out / 'baseline.json')} (commit it as a reviewed change)")
    if not results["rows"]:
        raise EvalError("no backend could run; see the skipped reasons above")
    return "\n".join(lines)
