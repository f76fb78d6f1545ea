"""The merged page's outline: one H1, heading levels kept relative to each other, the page's own
title never repeated as a sub-heading, no level skipped."""

import re

from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app


def _page(tmp_path, docs: dict[str, str]) -> str:
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    r = CliRunner().invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    return "".join(p.read_text() for p in sorted((tmp_path / "out" / "pages").glob("*.md")))


def _headings(page: str) -> list[tuple[int, str]]:
    body = re.sub(r"```.*?```", "", page, flags=re.S)
    return [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^(#{1,6}) (.+)$", body, re.M)]


def test_levels_kept_relative_and_title_not_repeated(tmp_path):
    page = _page(tmp_path, {
        "deploy.md": "# Deploying\n\nShip the release to the cluster.\n\n## Steps\n\nBuild the image first.\n\n"
                     "### Migrations\n\nRun the migrations before the restart.\n",
        "ops/deploy.md": "## Deploying\n\nShip the release to the cluster with care.\n\n### Rollback\n\nRoll back with the previous tag.\n"})
    heads = _headings(page)
    assert [h for h in heads if h[0] == 1] == [(1, "Deploying")]
    assert (3, "Migrations") in heads and (2, "Steps") in heads
    assert all(t != "Deploying" for n, t in heads if n > 1)  # the title is not its own sub-heading
    assert all(b[0] <= a[0] + 1 for a, b in zip(heads, heads[1:]))  # no level skipped
