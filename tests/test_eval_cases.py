"""Real cases scored against hand-resolved labels (eval/cases/<case>.json): loading and its
one-line errors, exact merge groups for topic ARI/NMI, conflicts and stale pages found or missed,
and cases with no after/ (no human merge) that still get a row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
from consolidate.evaluate.fixtures import EvalError, load_case_labels, load_cases
from consolidate.evaluate.metrics import mentions
from consolidate.evaluate.report import markdown
from consolidate.evaluate.runner import evaluate

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "eval" / "cases"
REAL = ROOT.parent / "shared" / "corpora" / "real"

INSTALL = """# Installing Parcelbox

Parcelbox is a small shipping label printer service.

## Requirements

Parcelbox needs Python 3.11 or later and a label printer that speaks ZPL.

## Install

Run `pip install parcelbox` and then `parcelbox init` to create the config file.
Set `port` to {port} in `parcelbox.toml` before the first start.
The printer queue is kept in `queue.db` next to the config file.
"""
BACKUPS = """# Backups of the label archive

The label archive is copied to cold storage every night at 02:00.

## Restoring

Restores are done with `archive-restore` and take about ten minutes per gigabyte.
Ask the on-call engineer before restoring over a live archive.

## Retention

Keep at least 30 nightly copies; older copies are pruned on Sundays.
Monthly copies are kept for seven years for the auditors.
"""
DONE = """# Setup complete

Everything was installed on the test machine and the first label printed fine.
"""


def _labels(folder: Path, name: str, **data) -> Path:
    return write(folder, f"{name}.json", json.dumps({"groups": [], "conflicts": [], "stale": []} | data))


def _case(cases: Path, name: str, docs: dict[str, str], after: bool) -> Path:
    for rel, text in docs.items():
        write(cases / name / "before", rel, text)
    if after:
        write(cases / name / "after", "parcelbox.md", INSTALL.format(port=8080))
    return cases / name / "before"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Three tiny cases and their label files: `mini` (after/, install and quick start merged, a
    planted port conflict), `noafter` (before/ and labels only), `nolabels` (no label file);
    `ignored` has before/ only and no label file, so it is not a case."""
    tmp = tmp_path_factory.mktemp("cases")
    cases, labels = tmp / "cases", tmp / "labels"
    docs = {"guide/install.md": INSTALL.format(port=8080), "guide/quickstart.md": INSTALL.format(port=8081)
            .replace("# Installing Parcelbox", "# Installing Parcelbox quickly"), "ops/backups.md": BACKUPS}
    _case(cases, "mini", docs, after=True)
    _labels(labels, "mini", groups=[["guide/install.md", "guide/quickstart.md"]], stale=["ops/backups.md"], conflicts=[
        {"docs": ["guide/install.md", "guide/quickstart.md"], "about": "port", "terms": ["8081"]},
        {"docs": ["guide/install.md", "guide/quickstart.md"], "about": "a value never given", "terms": ["9090"]},
        {"docs": ["guide/install.md", "ops/backups.md"], "about": "nothing the detector can see"}])
    _case(cases, "noafter", {"guide/install.md": INSTALL.format(port=8080), "SETUP_COMPLETE.md": DONE}, after=False)
    _labels(labels, "noafter", stale=["SETUP_COMPLETE.md"])
    _case(cases, "nolabels", {"ops/backups.md": BACKUPS}, after=True)
    _case(cases, "ignored", {"ops/backups.md": BACKUPS}, after=False)
    loaded = load_cases(cases, labels)
    results = evaluate([], loaded, ["extractive"])
    return {"cases": loaded, "labels": labels, "rows": {r["name"]: r for r in results["rows"]}, "results": results}


def test_cases_with_labels_or_after_are_loaded(synthetic):
    by = {c.name: c for c in synthetic["cases"]}
    assert sorted(by) == ["mini", "noafter", "nolabels"]
    assert by["noafter"].after is None and by["noafter"].labels.stale == ["SETUP_COMPLETE.md"]
    assert by["nolabels"].labels is None


def test_exact_groups_give_topic_ari(synthetic):
    row = synthetic["rows"]["mini"]
    # the run puts install and quick start on one page and backups on another, as the labels say
    assert (row["topic_ari"], row["topic_nmi"]) == (1.0, 1.0)


def test_wrong_groups_lower_topic_ari(synthetic, tmp_path):
    """The same run against labels that group install with backups instead: -0.5 exactly."""
    from consolidate.evaluate.realcases import doc_topic_scores
    from consolidate.pipeline import run
    from consolidate.settings import Settings

    mini = next(c for c in synthetic["cases"] if c.name == "mini")
    res = run([mini.root], tmp_path / "out", Settings())
    assert doc_topic_scores([["guide/install.md", "ops/backups.md"]], res.chunks, res.plan)["topic_ari"] == -0.5
    assert doc_topic_scores([], res.chunks, res.plan) == {"topic_ari": None, "topic_nmi": None}


def test_conflicts_found_and_missed(synthetic):
    row = synthetic["rows"]["mini"]
    assert row["conflicts_found"] == round(1 / 3, 4)
    assert row["conflicts_missed"] == ["guide/install.md vs guide/quickstart.md (a value never given)",
                                       "guide/install.md vs ops/backups.md (nothing the detector can see)"]
    assert (row["stale_found"], row["stale_extra"]) == (0.0, [])


def test_case_without_after_gets_a_label_row(synthetic):
    row = synthetic["rows"]["noafter"]
    assert row["labels"].endswith("noafter.json")
    assert (row["topic_ari"], row["conflicts_found"], row["stale_found"]) == (None, None, 1.0)
    assert "human_pages" not in row and "human_pages" in synthetic["rows"]["mini"]
    assert "noafter" in markdown(synthetic["results"])  # the side-by-side section skips it, the label section has it


def test_case_without_labels_says_so(synthetic):
    row = synthetic["rows"]["nolabels"]
    assert row["labels"].startswith("missing") and row["topic_ari"] is None and row["conflicts_found"] is None


def test_terms_are_whole_words():
    c = {"subject": "priority", "sides": [{"doc": "a", "values": ["50"]}, {"doc": "b", "values": ["/ws/monitor/x"]}]}
    assert mentions(c, []) and mentions(c, ["50"]) and mentions(c, ["/WS/monitor"]) and mentions(c, ["Priority"])
    assert not mentions(c, ["5"]) and not mentions(c, ["monitor/x/y"])


@pytest.mark.parametrize("data, message", [
    ("{", "not valid JSON"),
    ('{"groups": []}', "missing or not a list: conflicts, stale"),
    ('{"groups": [], "conflicts": [], "stale": ["nope.md"]}', "'nope.md' is not a file under"),
    ('{"groups": [], "conflicts": [], "stale": ["../outside.md"]}', "is not a file under"),
    ('{"groups": [["a.md"], ["a.md"]], "conflicts": [], "stale": []}', "a.md is in two groups"),
    ('{"groups": [], "conflicts": [{"docs": ["a.md"]}], "stale": []}', "needs \"docs\""),
    ('{"groups": [], "conflicts": [{"docs": ["a.md", "a.md"], "about": "x", "terms": [""]}], "stale": []}', "terms"),
])
def test_bad_label_files_are_one_line_errors(tmp_path, data, message):
    write(tmp_path / "before", "a.md", "# A\n")
    write(tmp_path, "outside.md", "# outside\n")
    path = write(tmp_path, "labels.json", data)
    with pytest.raises(EvalError, match=message) as exc:
        load_case_labels(path, tmp_path / "before")
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_a_bad_label_file_stops_load_cases(tmp_path):
    write(tmp_path / "cases" / "c" / "before", "a.md", "# A\n")
    _labels(tmp_path / "labels", "c", stale=["gone.md"])
    with pytest.raises(EvalError, match="c.json: 'gone.md' is not a file under"):
        load_cases(tmp_path / "cases", tmp_path / "labels")


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real cases not here ({REAL}); they live beside the repository")
def test_every_real_case_has_labels_that_resolve():
    """Every label file still names files that exist under its case's before/ (labels cannot rot),
    and every real case has one, emprops (no after/) included."""
    cases = {c.name: c for c in load_cases(REAL, LABELS)}
    assert sorted(p.stem for p in LABELS.glob("*.json")) == sorted(cases)
    assert all(c.labels is not None for c in cases.values())
    assert cases["emprops-job-queue-docs"].after is None and cases["emprops-job-queue-docs"].labels.groups == []
