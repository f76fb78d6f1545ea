"""Regression gate: the offline (extractive) eval on eval/fixtures must not fall below
eval/results/baseline.json by more than its tolerance. Raising or lowering the baseline is a
reviewed change: run `consolidate eval --write-baseline` and commit the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consolidate.evaluate.fixtures import EvalError, load_fixtures, load_gold
from consolidate.evaluate.report import markdown, regressions, text_table
from consolidate.evaluate.runner import evaluate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results():
    return evaluate(load_fixtures(ROOT / "eval" / "fixtures"), [], ["extractive"])


def test_offline_eval_not_below_baseline(results):
    assert regressions(results, ROOT / "eval" / "results" / "baseline.json") == []


def test_every_fixture_has_a_row_and_the_table_prints(results):
    names = {r["name"] for r in results["rows"]}
    assert names == {"api-split", "ops-runbooks", "product-install"}
    assert "fact_coverage" in results["rows"][0] and "topic_ari" in results["rows"][0]
    assert "api-split" in text_table(results) and "| backend |" in markdown(results)


def test_eval_is_deterministic_apart_from_time(results):
    again = evaluate(load_fixtures(ROOT / "eval" / "fixtures"), [], ["extractive"])
    strip = lambda r: [{k: v for k, v in row.items() if k != "wall_s"} for row in r["rows"]]  # noqa: E731
    assert strip(again) == strip(results)


def test_regression_is_reported(results, tmp_path):
    base = json.loads((ROOT / "eval" / "results" / "baseline.json").read_text())
    base["fixtures"]["api-split"]["fact_coverage"] = 1.5
    (tmp_path / "b.json").write_text(json.dumps(base))
    assert any("fact_coverage" in line for line in regressions(results, tmp_path / "b.json"))


def test_bad_gold_and_unknown_backend_are_one_line_errors(tmp_path):
    (tmp_path / "gold.json").write_text("{")
    with pytest.raises(EvalError, match="not valid JSON"):
        load_gold(tmp_path / "gold.json")
    with pytest.raises(EvalError, match="unknown"):
        evaluate([], [], ["nope"])


def test_skipped_backend_is_reported_with_why(monkeypatch):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    r = evaluate([], [], ["openai"])
    assert "OPENAI_BASE_URL" in r["skipped"]["openai"] and r["rows"] == []
