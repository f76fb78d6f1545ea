import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_EMBEDDING_MODEL"):
        monkeypatch.delenv(var, raising=False)  # a developer's key must not turn tests into paid model runs


def write(root: Path, rel: str, text: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def page_file(entry: dict) -> str:
    """A plan.json page entry's file under OUT/pages (in its section's folder): its name in review.json and report.json."""
    return f"{entry['section']}/{entry['slug']}.md" if entry.get("section") else f"{entry['slug']}.md"
