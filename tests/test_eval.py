"""Regression gate: the offline (extractive) eval on eval/fixtures must not fall below
eval/results/baseline.json by more than its tolerance. Raising or lowering the baseline is a
reviewed change: run `consolidate eval --write-baseline` and commit the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
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
    assert names == {"api-split", "design-kinds", "hard-kinds", "ops-runbooks", "product-install"}
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


def test_extractive_and_an_openai_server_in_one_table_with_pages_side_by_side(tmp_path, monkeypatch):
    """Both backends over the same fixture and a real case in one run; the model is a real HTTP
    server on 127.0.0.1. The HTML puts each backend's pages beside the people's."""
    from llm_server import LLMServer, echo_page

    from consolidate.evaluate.html import eval_html
    from consolidate.evaluate.main import eval_command

    case = tmp_path / "cases" / "tiny"
    write(case / "before", "install.md", "# Install\n\nRun `make install` on Linux. It takes 2 minutes.\n")
    write(case / "before", "setup.md", "# Setup\n\nRun `make install` on Linux. Then start the server on port 8080.\n")
    write(case / "after", "install.md", "# Install\n\nRun `make install` on Linux, then start the server on port 8080.\n\n"
                                        "<script>alert(1)</script> [x](javascript:alert(1))\n")
    with LLMServer() as server:
        server.default = echo_page
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_MODEL", "test-model")
        monkeypatch.setenv("CONSOLIDATE_LLM__MODE", "page")  # whole pages drafted by the model, side by side
        text = eval_command(ROOT / "eval" / "fixtures", tmp_path / "cases", "extractive,openai", tmp_path / "res",
                            None, False, lambda m: None, tmp_path / "work", "api-split,tiny")
        calls = len([r for r in server.requests if r[0].endswith("/chat/completions")])
    results = json.loads((tmp_path / "res" / "latest.json").read_text())
    rows = {(r["backend"], r["name"]): r for r in results["rows"]}
    assert set(rows) == {(b, n) for b in ("extractive", "openai") for n in ("api-split", "tiny")}  # --only
    assert sum(r["model_calls"] for r in results["rows"]) == calls > 0
    assert rows[("openai", "api-split")]["model_pages"] == 1.0  # drafted by the model, none fell back
    assert rows[("extractive", "api-split")]["model_pages"] is None
    # people's words over the inputs' words: 15 (the markup line is 2 words) / (10 + 13)
    assert rows[("extractive", "tiny")]["words_in"] == 23 and rows[("extractive", "tiny")]["hratio"] == round(15 / 23, 4)
    assert "backend openai:" in text and "backend extractive:" in text
    assert (tmp_path / "work" / "openai" / "api-split" / "pages").is_dir()  # runs are kept per backend
    html = (tmp_path / "res" / "latest.html").read_text()
    assert html == eval_html(results, tmp_path / "res")  # a pure function of the results and the kept runs
    tiny = html[html.index('id="case-tiny"'):]
    assert tiny.count('<div class="col">') == 3  # extractive, openai, people's
    assert "ours (openai)" in tiny and "people&#x27;s (after/)" in tiny and 'class="differs"' in tiny
    assert "<script" not in html and 'href="javascript' not in html and "Content-Security-Policy" in html


def test_a_kept_run_is_recomputed_not_resumed(tmp_path):
    """Saved stages are fingerprinted by settings and inputs, not code; an eval rerun after a code
    change must not score the old topics."""
    fx = [f for f in load_fixtures(ROOT / "eval" / "fixtures") if f.name == "api-split"]
    first = evaluate(fx, [], ["extractive"], work=tmp_path)
    pages = tmp_path / "extractive" / "api-split" / "pages"
    (pages / "from-an-older-plan.md").write_text("# Old\n\nA page an earlier run made.\n")
    again = evaluate(fx, [], ["extractive"], work=tmp_path)
    assert again["rows"][0]["reused_stages"] == [] and again["rows"][0]["out"] == first["rows"][0]["out"]
    assert not (pages / "from-an-older-plan.md").exists()  # not scored as one of this run's pages
    assert again["rows"][0]["pages"] == first["rows"][0]["pages"] == len(list(pages.rglob("*.md")))
    replies = tmp_path / "extractive" / "api-split" / ".cache" / "llm" / "kept.txt"  # stands for cached model replies
    replies.parent.mkdir(parents=True, exist_ok=True)
    replies.write_text("x")
    evaluate(fx, [], ["extractive"], work=tmp_path)
    assert replies.exists()  # a rerun asks the model nothing it already asked
    evaluate(fx, [], ["extractive"], work=tmp_path, fresh=True)
    assert not replies.exists()  # --fresh asks again
