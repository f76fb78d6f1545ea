"""The merged page's outline: one H1, heading levels kept relative to each other, the page's own
title never repeated as a sub-heading, no level skipped."""

import json
import re

from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app


def _page(tmp_path, docs: dict[str, str]) -> str:
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    r = CliRunner().invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    return "".join(p.read_text() for p in sorted((tmp_path / "out" / "pages").rglob("*.md")))


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


def test_a_block_shares_its_intros_citation_and_keeps_the_list_whole(tmp_path):
    """A code block right after the item (or sentence) that introduces it, in the same source, is
    cited by that item's citation: no `Sources:` line breaks the numbered list; the checker holds
    the block to the shared span, and the ledger keeps both units."""
    page = _page(tmp_path, {"setup.md": "# Setup\n\n1. Install the tool\n\n    ```bash\n    pip install tool\n    ```\n\n"
                                         "1. Start it with `tool serve`.\n\nThe server then listens.\n\n```text\nready\n```\n"})
    body = page.split("## Sources")[0]
    assert "Sources: [^" not in body
    # the block stays in the item, so the list goes on: the next step numbers 2 (render.py)
    assert re.search(r"^1\. Install the tool\[\^1\]\n\n    ```bash\n    pip install tool\n    ```\n\n2\. Start", body, re.M)
    assert "`setup.md:3-7`" in page  # the item's citation spans the item and its block
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert {(e["start"], e["status"]) for e in ledger["entries"] if e["kind"] == "code"} == {(5, "kept"), (13, "kept")}


def test_a_shared_citation_still_holds_the_block_to_its_span(tmp_path):
    _page(tmp_path, {"setup.md": "# Setup\n\nInstall the tool:\n\n```bash\npip install tool\n```\n"})
    out = tmp_path / "out" / "pages"
    page = next(out.rglob("*.md"))
    page.write_text(page.read_text().replace("pip install tool", "pip install othertool"))
    r = CliRunner().invoke(app, ["check", str(tmp_path / "out")])
    assert r.exit_code == 1 and "code block does not match its cited span(s) setup.md:3-7" in r.output, r.output


def test_sections_merge_in_the_outlines_order(tmp_path):
    """The first source's order; another's own section goes before the next section it shares
    with the page, its sections after its last shared one at the end; the opening comes first."""
    page = _page(tmp_path, {
        "install.md": "# Installing the harbor\n\nThe harbor runs on one Linux host with Python and nginx.\n\n"
                      "## Install the harbor\n\nRun the harbor installer as root on the host.\n\n"
                      "## Configure the harbor\n\nSet the harbor port in the harbor config file.\n\n"
                      "## Upgrade the harbor\n\nRun the harbor installer again with the new version.\n",
        "proxy.md": "# Installing the harbor\n\nThe harbor installer needs a network.\n\n"
                    "## Set up the harbor proxy\n\nExport the proxy variables before the harbor installer runs.\n\n"
                    "## Install the harbor\n\nRun the harbor installer as root on the host.\n\n"
                    "## Harbor proxy troubleshooting\n\nA harbor proxy timeout means the proxy refused the harbor installer.\n"})
    heads = [t for n, t in _headings(page) if n == 2 and t != "Sources"]
    assert heads == ["Overview", "Set up the harbor proxy", "Install the harbor", "Configure the harbor",
                     "Upgrade the harbor", "Harbor proxy troubleshooting"], heads


def test_sections_of_one_role_are_one_section(tmp_path):
    """"Prerequisites" and "What you need" are one section of the merged page, under the heading of
    the source read first; a source holding two sections of one role keeps them apart; a link to
    the renamed section's old anchor lands on the merged section."""
    page = _page(tmp_path, {
        "install.md": "# Installing Quayside\n\nQuayside books harbor berths.\n\n## Prerequisites\n\n"
                      "Installing Quayside needs a harbor tide feed.\n\n"
                      "## Install the package\n\nInstall the Quayside package with `pip install quayside`. "
                      "Check [the list](#prerequisites) first.\n",
        "laptop.md": "# Installing Quayside on a laptop\n\nInstalling Quayside on a laptop books harbor berths locally.\n\n"
                     "## Install the package\n\nInstall the Quayside package with `pip install quayside[dev]`.\n\n"
                     "## What you need\n\nInstalling Quayside also needs a harbor map in GeoJSON.\n",
        "ops.md": "# Installing Quayside in production\n\nInstalling Quayside in production books harbor berths.\n\n"
                  "## Requirements\n\nInstalling Quayside needs a host with 4 GB of memory.\n\n"
                  "## Prerequisites\n\nInstalling Quayside needs an account on the harbor registry.\n"})
    assert page.count("\n# ") + page.startswith("# ") == 1 or page.count("---\ntitle:") == 1, page  # one page
    heads = [t for n, t in _headings(page) if n >= 2]
    assert heads.count("What you need") == 1 and heads.count("Prerequisites") == 1, heads
    assert heads.count("Requirements") == 1, heads  # ops.md has two sections of the role: kept apart
    body = page.split("## Sources")[0]
    need = body.split("## What you need")[1].split("\n## ")[0]
    assert "tide feed" in need and "GeoJSON" in need and "registry" not in need, need
    assert "registry" in body.split("# Prerequisites")[1].split("\n## ")[0]
    assert "(#what-you-need)" in body and "(#prerequisites)" not in body, body


def test_a_later_source_with_sections_of_its_own_is_one_section_under_its_title(tmp_path):
    """Its opening stands under its title, not in the page's opening; its own sections one level
    below, together, after the sections the sources share; a shared section still merges."""
    page = _page(tmp_path, {
        "install.md": "# Installing the harbor\n\nThe harbor runs on one Linux host with Python and nginx.\n\n"
                      "## Install the harbor\n\nRun the harbor installer as root on the harbor host. When it fails, "
                      "read [the harbor troubleshooting notes](trouble.md) on the harbor host.\n\n"
                      "## Configure the harbor\n\nSet the harbor port in the harbor config file.\n\n"
                      "## Upgrade the harbor\n\nRun the harbor installer again with the new harbor version.\n\n"
                      "## Remove the harbor\n\nRun the harbor uninstaller and delete the harbor data folder.\n",
        "trouble.md": "# Harbor troubleshooting\n\nStart with the harbor status command on the harbor host.\n\n"
                      "## Harbor installer fails\n\nThe harbor installer fails when the harbor host has no Python.\n\n"
                      "## Configure the harbor\n\nSet the harbor port in the harbor config file.\n\n"
                      "## Harbor port busy\n\nA busy harbor port means another harbor runs on the harbor host.\n"})
    heads = [(n, t) for n, t in _headings(page) if t != "Sources"]
    assert heads == [(1, "Installing the harbor"), (2, "Overview"), (2, "Install the harbor"), (2, "Configure the harbor"),
                     (2, "Upgrade the harbor"), (2, "Remove the harbor"), (2, "Harbor troubleshooting"), (3, "Harbor installer fails"), (3, "Harbor port busy")], heads
    overview = page.split("## Overview")[1].split("\n## ")[0]
    assert "harbor status command" not in overview
    assert "harbor status command" in page.split("## Harbor troubleshooting")[1].split("### ")[0]
    # a link to the source leads to its section
    assert "read [the harbor troubleshooting notes](#harbor-troubleshooting) on the harbor host" in page


def test_a_block_with_no_intro_shares_the_citation_of_the_sentence_after_it(tmp_path):
    """A block right under its heading, followed in its source by the sentence that says what it
    shows, is cited by that sentence's citation, which spans both: no `Sources:` line between
    them. The checker holds the block to that span (a tampered block is an error), the ledger
    keeps both; a block followed by nothing of its source keeps its `Sources:` line."""
    page = _page(tmp_path, {"check.md": "# Health check\n\n## Check the server\n\n```bash\ncurl -s localhost:8000/health\n```\n\n"
                                         "It prints ok when the server is up.\n\n## Logs\n\n```bash\njournalctl -u tool\n```\n"})
    body = page.split("## Sources")[0]
    assert re.search(r"## Check the server\n\n```bash\ncurl -s localhost:8000/health\n```\n\nIt prints ok when the server is up\.\[\^1\]", body)
    assert "`check.md:5-9`" in page  # the sentence's citation spans the block and the sentence
    assert body.count("Sources: [^") == 1  # the last block, followed by nothing of its source
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert {(e["start"], e["status"]) for e in ledger["entries"]} >= {(5, "kept"), (9, "kept")}
    out = next((tmp_path / "out" / "pages").rglob("*.md"))
    out.write_text(out.read_text().replace("localhost:8000/health", "localhost:9000/health"))
    r = CliRunner().invoke(app, ["check", str(tmp_path / "out")])
    assert r.exit_code == 1 and "code block does not match its cited span(s) check.md:5-9" in r.output, r.output


def test_a_heading_with_only_sub_sections_stays_and_a_name_used_twice_is_two_sections(tmp_path):
    """"## 2.1.0" holds no text, only "### Added": it still stands over it (not lost, its sections
    promoted to ##); "### Added" under 2.1.0 and under 2.0.0 are two sections, each under its
    version, not one list of both versions' additions."""
    page = _page(tmp_path, {"CHANGES.md": "# Harbor changes\n\nEvery harbor release is listed here.\n\n"
                                          "## 2.1.0\n\n### Added\n\n- Harbor tide alerts by email.\n\n### Fixed\n\n"
                                          "- Harbor berth times in UTC.\n\n## 2.0.0\n\n### Added\n\n- Harbor berth booking API.\n"})
    heads = [(n, t) for n, t in _headings(page) if t != "Sources"]
    assert heads == [(1, "Harbor changes"), (2, "Overview"), (2, "2.1.0"), (3, "Added"), (3, "Fixed"),
                     (2, "2.0.0"), (3, "Added")], heads
    assert "Harbor berth booking API" in page.split("## 2.0.0")[1]
    assert "Harbor berth booking API" not in page.split("## 2.0.0")[0]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert [r["status"] for r in ledger["lines"]["CHANGES.md"] if r["start"] in (5, 15)] == ["kept", "kept"]  # the version headings


def test_a_word_between_two_blocks_does_not_share_their_citations(tmp_path):
    """"or" between two command blocks is too short to find itself in a span that starts with a
    block: it shares no citation with the block before it (the checker read the first block as
    the sentence it cites and reported its command dropped)."""
    _page(tmp_path, {"remove.md": "# Remove the harbor\n\n## Remove with snap\n\n```sh\nsudo snap remove harbor\n```\n\n"
                                  "or\n\n```sh\nsudo snap remove harbor-preview\n```\n\nThe harbor data folder stays.\n"})
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0, [f["message"] for f in report["findings"] if f["severity"] == "error"]


def test_headings_worded_apart_are_one_section_and_sub_sections_join_their_heading(tmp_path):
    """"Starting the harbor" and "🎬 Start the harbor" are one section (merge/outline.heading_key);
    the second source's sub-sections go under it, after the first's, numbered on ("Option 3");
    its troubleshooting sub-sections join the first's "Troubleshooting"; no heading stands twice.
    Sub-sections with one key under different headings stay apart."""
    page = _page(tmp_path, {
        "quickstart.md": "# Harbor quick start\n\nThe harbor serves boats on one host.\n\n## Starting the harbor\n\n"
                         "### Option 1: The script\n\nRun `./start-harbor.sh` from the harbor checkout.\n\n"
                         "### Option 2: By hand\n\nRun `harbor serve --port 8000` in one terminal.\n\n"
                         "## Troubleshooting\n\n### Port in use\n\nStop the other harbor process on port 8000.\n\n"
                         "## Tuning\n\n### Dock concurrency\n\nSet the dock concurrency to 4 on big hosts.\n",
        "quickstart-final.md": "# 🚦 Harbor quick start, final\n\n## 🎬 Start the harbor\n\n"
                               "### Option 1: Editor tasks\n\nRun the editor task named harbor dev.\n\n"
                               "### Option 2: Terminals\n\nRun `harbor serve --reload` in a terminal.\n\n"
                               "## 🐛 Troubleshooting\n\n### No boats listed\n\nReload the harbor catalogue with `harbor load`.\n\n"
                               "## Running locally\n\n### About dock concurrency\n\nWe set the dock concurrency to 2 locally.\n"})
    heads = [(n, t) for n, t in _headings(page) if t != "Sources"]
    assert heads[:11] == [(1, "Harbor quick start"), (2, "Overview"), (2, "Starting the harbor"),
                          (3, "Option 1: The script"), (3, "Option 2: By hand"), (3, "Option 3: Editor tasks"),
                          (3, "Option 4: Terminals"), (2, "Troubleshooting"), (3, "Port in use"), (3, "No boats listed"),
                          (2, "Tuning")], heads
    titles = [t for _, t in heads]
    assert "🎬 Start the harbor" not in titles and "🐛 Troubleshooting" not in titles
    assert "Dock concurrency" in titles and "About dock concurrency" in titles  # under different headings: apart
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["errors"] == 0


def test_a_grouped_sources_empty_headings_stay_over_their_sub_sections(tmp_path):
    """A later source shown one level down under its own title keeps the headings that hold only
    sub-sections ("### Harbor collector failures" over "#### Harbor collector killed"): its `###` sections are not
    promoted to `##` beside the page's own sections."""
    page = _page(tmp_path, {
        "collector.md": "# Harbor collector\n\nThe harbor collector tallies harbor vessels at each harbor dock.\n\n"
                        "## Harbor collector tallies\n\nThe harbor collector tallies harbor vessels every sixty seconds.\n\n"
                        "## Configure the harbor collector\n\nSet the harbor collector interval in the harbor config file.\n\n"
                        "## Harbor collector reports\n\nA nightly harbor collector report lists the busiest harbor docks. "
                        "The harbor collector report also lists each harbor dock's idle hours and its harbor pilot. "
                        "Harbor masters read the harbor collector report every morning before the harbor opens.\n",
        "collector-design.md": "# Harbor collector design\n\nThis harbor collector design explains the harbor journal.\n\n"
                               "## Harbor collector journal\n\nEach harbor tally goes to a local harbor journal before it is sent.\n\n"
                               "## Configure the harbor collector\n\nSet the harbor collector interval in the harbor config file.\n\n"
                               "## Harbor collector failures\n\n### Harbor collector killed\n\nA killed harbor collector replays "
                               "its harbor journal on start.\n\n### Harbor host crash\n\nAfter a harbor host crash at most one "
                               "harbor journal entry is lost.\n"})
    heads = [(n, t) for n, t in _headings(page) if t != "Sources"]
    at = heads.index((2, "Harbor collector design"))
    assert heads[at:at + 5] == [(2, "Harbor collector design"), (3, "Harbor collector journal"),
                                (3, "Harbor collector failures"), (4, "Harbor collector killed"), (4, "Harbor host crash")], heads
    assert all(b[0] <= a[0] + 1 for a, b in zip(heads, heads[1:]))  # no level skipped
