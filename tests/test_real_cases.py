"""Every real case in ../shared/corpora/real: nothing unaccounted, no checker error on our own pages."""

import json
from pathlib import Path

import pytest

from consolidate.pipeline import run
from consolidate.settings import Settings

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real"
CASES = sorted(p.name for p in REAL.iterdir() if (p / "before").is_dir()) if REAL.is_dir() else []


@pytest.mark.skipif(not CASES, reason=f"SKIPPED: no real cases at {REAL} (the shared/ folder beside the checkout)")
@pytest.mark.parametrize("case", CASES)
def test_real_case_loses_nothing(tmp_path, case):
    out = tmp_path / "out"
    res = run([REAL / case / "before"], out, Settings())
    ledger = json.loads((out / "ledger.json").read_text())
    assert ledger["coverage"]["unaccounted"] == 0
    assert ledger["coverage"]["accounted"] == 1.0
    errors = [f"{f.kind}: {f.message}" for f in res.findings if f.severity == "error"]
    assert errors == []
