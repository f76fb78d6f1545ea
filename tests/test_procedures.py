"""Procedures told once: two sources' numbered lists of one task become one list, steps only one
source has placed in order and cited, numbered 1..n; lists of different tasks stay apart."""

import json
import re

from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app

A = ("# Release the harbor app\n\n## Steps\n\n1. Build the harbor image with make image.\n"
     "2. Push the harbor image to the registry.\n3. Deploy the release with the harbor chart.\n")
B = ("# Release the harbor app\n\n## Steps\n\n1. Tag the release in the harbor repository.\n"
     "2. Build the harbor image with make image.\n3. Run the smoke tests against the new image.\n"
     "4. Push the harbor image to the registry.\n5. Deploy the release with the harbor chart.\n")


def _run(tmp_path, docs):
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    page = "".join(p.read_text() for p in sorted((out / "pages").rglob("*.md")))
    return page, json.loads((out / "report.json").read_text()), json.loads((out / "ledger.json").read_text())


def _steps(page):
    return [re.sub(r"\[\^\d+\]", "", ln) for ln in page.splitlines() if re.match(r"^\d+\. ", ln)]


def test_one_task_told_twice_is_one_list(tmp_path):
    page, report, ledger = _run(tmp_path, {"a.md": A, "b.md": B})
    assert _steps(page) == ["1. Tag the release in the harbor repository.", "2. Build the harbor image with make image.",
                            "3. Run the smoke tests against the new image.", "4. Push the harbor image to the registry.",
                            "5. Deploy the release with the harbor chart."]
    body = page.split("## Sources")[0]
    assert re.search(r"^1\. Tag.*\n2\. Build.*\n3\. Run.*\n4\. Push.*\n5\. Deploy", body, re.M)  # one list
    assert report["errors"] == 0
    status = {(e["doc"], e["start"]): e["status"] for e in ledger["entries"]}
    assert status[("b.md", 5)] == "kept" and status[("b.md", 7)] == "kept"  # the steps only b has
    assert sorted([status[("a.md", 5)], status[("b.md", 6)]]) == ["kept", "merged"]  # the shared one, once


def test_lists_of_different_tasks_stay_apart(tmp_path):
    other = ("# Release the harbor app\n\n## Rollback\n\n1. Stop the harbor service on every host.\n"
             "2. Push the harbor image to the registry.\n3. Restore the previous database snapshot.\n")
    page, report, _ = _run(tmp_path, {"a.md": A, "c.md": other})
    steps = _steps(page)
    assert "1. Stop the harbor service on every host." in steps  # one shared step is not one task
    assert steps.index("1. Stop the harbor service on every host.") > steps.index("3. Deploy the release with the harbor chart.")
    assert report["errors"] == 0


def test_a_moved_step_keeps_its_own_source_block():
    """A step moved into another source's list is shown there (shown_in) but still belongs to its
    own source's list (para): the plan-wide list-membership check reads each source's own list."""
    from consolidate.merge.procedures import merge_procedures
    from consolidate.units import Unit

    def step(doc, n, text, para):
        return Unit(kind="list_item", text=f"{n}. {text}", doc=doc, chunk="c", start=n, end=n, section="Steps", para=para)

    a = [step("a.md", i, t, ("a.md", 1)) for i, t in enumerate(["Build it.", "Push it.", "Deploy it."], 1)]
    b = [step("b.md", i, t, ("b.md", 1)) for i, t in enumerate(["Build it.", "Test it.", "Push it.", "Deploy it."], 1)]
    b[0].into, b[2].into, b[3].into = a[0], a[1], a[2]
    sections = {"steps": a + [b[1]]}
    assert merge_procedures(a + b, sections) == 1
    assert [u.text for u in sections["steps"]] == ["1. Build it.", "2. Test it.", "2. Push it.", "3. Deploy it."]
    assert b[1].para == ("b.md", 1) and b[1].shown_in == ("a.md", 1)


DEPLOY_A = ("# Deploy the harbor app\n\n## Deploy\n\nDeploys are done with harborctl and always dry-run first.\n\n"
            "```bash\nharborctl deploy --env production --dry-run\nharborctl deploy --env production\n```\n\n"
            "## Deploy checks\n\nRun the smoke suite afterwards:\n\n```bash\nharborctl smoke --env staging\n```\n")
DEPLOY_B = ("# Deploy the harbor app\n\n## Commands\n\nThe whole deploy, staging first and production after an hour.\n\n"
            "```sh\nharborctl deploy --env staging\nharborctl smoke --env staging\n# one hour later\n"
            "harborctl deploy --env production --dry-run\nharborctl deploy   --env production\n```\n")


def test_a_code_block_another_source_shows_whole_is_merged_into_it(tmp_path):
    page, report, ledger = _run(tmp_path, {"a.md": DEPLOY_A, "b.md": DEPLOY_B})
    body = page.split("## Sources")[0]
    assert report["errors"] == 0
    # a.md's two lines are in b.md's block, in order: b's block stands where a's stood, citing both
    assert body.count("harborctl deploy --env production --dry-run") == 1
    deploy = body.split("## Deploy\n")[1].split("\n## ")[0]
    assert "# one hour later" in deploy
    status = {(e["doc"], e["start"]): e for e in ledger["entries"]}
    assert status[("a.md", 7)]["status"] == "merged" and status[("a.md", 7)]["duplicate_of"]["doc"] == "b.md"
    # a block an intro ending in ":" introduces stays with its intro, though b's block shows it
    assert "Run the smoke suite afterwards:" in body and body.count("harborctl smoke --env staging") == 2


def test_the_checker_proves_a_merged_block(tmp_path):
    """A block citing a second source must show that source's whole block: tampered, it is an error."""
    from consolidate.checks.citations import SourceIndex, _shows_block
    from consolidate.footnotes import Ref
    index = SourceIndex([], {"a.md": DEPLOY_A.splitlines(), "b.md": DEPLOY_B.splitlines()})
    merged = "```bash\n" + "\n".join(DEPLOY_B.split("```sh\n")[1].split("```")[0].splitlines()) + "\n```"
    a_block = Ref(doc="a.md", start=7, end=10, chunk="c")
    assert _shows_block(index, a_block, merged)
    assert not _shows_block(index, a_block, merged.replace("--env production --dry-run", "--env production"))
    assert not _shows_block(index, Ref(doc="a.md", start=5, end=5, chunk="c"), merged)  # prose is no block
