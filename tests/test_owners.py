"""One owner page per concept (issue 14 item 2): a statement two pages say is kept on the page
and section about it and linked from the other (`See [heading](page.md#anchor).`, ledger
`linked-to`); when no section is clearly about it, when another page says it with other values,
or when its places differ in context, it stays where it is."""

import json

from typer.testing import CliRunner

from conftest import write
from consolidate.checks.citations import SourceIndex
from consolidate.cli import app
from consolidate.merge.owners import stems
from consolidate.stages.check import check_pages

SAID = "Harbor requires PostgreSQL 15 or later for its job store."
INSTALL = ("# Installing Harbor\n\n## Requirements\n\n" + SAID + "\n\n## Download\n\n"
           "Download the harbor tarball from the releases page and unpack it into the opt folder.\n"
           "Check the tarball checksum against the signed checksum file before unpacking it.\n")
HELM = ("# Harbor on Kubernetes\n\n## Install with Helm\n\nAdd the chart repository and install the chart into "
        "its own namespace.\n" + SAID + "\n\n## Scaling pods\n\nScale the worker deployment on queue depth, "
        "never on processor load, and keep replicas below the pool size.\n")


def _run(tmp_path, docs, name="docs"):
    for path, text in docs.items():
        write(tmp_path / name, path, text)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(tmp_path / name), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    pages = {p.name: p.read_text() for p in sorted((out / "pages").rglob("*.md"))}
    return out, pages, json.loads((out / "report.json").read_text()), json.loads((out / "ledger.json").read_text())


def _linked(ledger):
    return [(e["doc"], e["start"], e["page"], e["to"]) for e in ledger["entries"] if e["status"] == "linked-to"]


def test_a_statement_two_pages_say_is_kept_on_the_section_about_it(tmp_path):
    out, pages, report, ledger = _run(tmp_path, {"install.md": INSTALL, "helm.md": HELM})
    assert sorted(pages) == ["harbor-on-kubernetes.md", "installing-harbor.md"]
    assert SAID in pages["installing-harbor.md"]
    helm = pages["harbor-on-kubernetes.md"]
    assert SAID not in helm
    assert "See [Requirements](installing-harbor.md#requirements)." in helm.splitlines()
    assert _linked(ledger) == [("helm.md", 6, "harbor-on-kubernetes.md", "installing-harbor.md#requirements")]
    assert report["errors"] == 0 and ledger["coverage"]["unaccounted"] == 0 and ledger["coverage"]["linked_to"] == 1
    r = CliRunner().invoke(app, ["check", str(out), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["errors"] == 0, r.output


def test_no_section_about_it_leaves_it_on_both_pages(tmp_path):
    docs = {"install.md": INSTALL.replace("## Requirements", "## Before you start"), "helm.md": HELM}
    _, pages, report, ledger = _run(tmp_path, docs)
    assert all(SAID in text for text in pages.values()) and _linked(ledger) == []
    assert report["errors"] == 0


def test_a_statement_said_elsewhere_with_other_values_stays(tmp_path):
    faq = ("# Frequently asked questions\n\n## Which database?\n\n"
           "Harbor requires PostgreSQL 14 or later for its job store.\n\n## Which browser?\n\n"
           "The dashboard supports the two latest releases of every evergreen browser vendor.\n")
    _, pages, _, ledger = _run(tmp_path, {"install.md": INSTALL, "helm.md": HELM, "faq.md": faq})
    assert _linked(ledger) == [] and sum(SAID in text for text in pages.values()) == 2


def test_a_statement_in_another_context_stays(tmp_path):
    _, pages, _, ledger = _run(tmp_path, {"install.md": INSTALL, "production/helm.md": HELM})
    assert _linked(ledger) == [] and sum(SAID in text for text in pages.values()) == 2


def test_the_checker_verifies_a_pointer_label():
    target = "---\ntitle: Install\n---\n\n# Install\n\n## Requirements\n\nSome text.\n"
    good = "---\ntitle: Helm\n---\n\n# Helm\n\n## Install\n\nSee [Requirements](install.md#requirements).\n"
    bad = good.replace("See [Requirements]", "See [Prerequisites]")
    index = SourceIndex([], {})
    for page, errors in ((good, 0), (bad, 1)):
        findings, claims = check_pages({"install.md": target, "helm.md": page}, index, set())
        mine = [f for f in findings if f.page == "helm.md" and f.severity == "error"]
        assert len(mine) == errors and claims["helm.md"] == 0, mine
    assert "not the heading there 'Requirements'" in mine[0].message


def test_stems_match_a_word_to_its_heading():
    assert stems("Harbor requires PostgreSQL") & stems("Requirements") == {"requir"}
    assert "worker" in stems("Set `HARBOR_WORKER_CONCURRENCY` to 8") & stems("Worker settings")


def test_the_review_page_lists_what_it_links_to_its_owner(tmp_path):
    from starlette.testclient import TestClient

    from consolidate.web.app import create_app
    out, _, _, _ = _run(tmp_path, {"install.md": INSTALL, "helm.md": HELM})
    html = TestClient(create_app(out, token="t"), base_url="http://127.0.0.1").get("/page/harbor-on-kubernetes.md").text
    assert "Said on their owner page (1)" in html and "linked to <code>installing-harbor.md#requirements</code>" in html


def test_a_statement_leaves_only_for_an_owner_that_says_what_was_merged_into_it_too():
    """A statement with another unit merged into it leaves its page with that unit, so its owner
    must say all of both (on the large tree, 47 link-lost errors: the pointer led to a section that
    said the statement but not what was merged into it)."""
    from consolidate.merge.owners import Place, owners
    from consolidate.units import Unit

    def unit(doc, start, text, section):
        u = Unit(kind="sentence", text=text, doc=doc, chunk="c" + doc, start=start, end=start, section=section,
                 para=(doc, start))
        u.citations.append(u.cite())
        return u

    here = unit("guide.md", 5, "The harbor scheduler retries a failed berth booking three times.", "Overview")
    owner = unit("scheduler.md", 9, "The harbor scheduler retries a failed berth booking three times.", "Harbor scheduler retries")
    extra = unit("notes.md", 7, "A failed berth booking is retried even when the harbor scheduler is paused.", "Overview")
    places = [Place("guide.md", "Guide", {"overview": [here]}, {"overview": "Overview"}, {"overview": "overview"}),
              Place("scheduler.md", "Harbor scheduler", {"retries": [owner]}, {"retries": "Harbor scheduler retries"},
                    {"retries": "harbor-scheduler-retries"})]
    assert id(here) in owners(places, set())  # alone, it leaves for the section about it
    assert id(here) not in owners(places, set(), merged=lambda u: [extra] if u is here else [])


def test_a_sentence_sharing_its_line_with_a_linked_one_is_merged_not_lost(tmp_path):
    """Two sentences on one line: the second is said on its owner page (a pointer replaces it), the
    first is restated by another source on its own page. The pointer's reason is keyed by the
    line's span; the first is still `merged` into the claim that says it, not `link-lost`."""
    helm = HELM.replace("its own namespace.\n" + SAID, "its own namespace. " + SAID)
    notes = ("# Harbor on Kubernetes notes\n\n## Install with Helm\n\nAdd the harbor chart repository and then install "
             "the chart into its own namespace with the default values file.\n\n## Scaling pods\n\nScale the worker "
             "deployment on queue depth, never on processor load, and keep replicas below the pool size.\n")
    out, pages, report, ledger = _run(tmp_path, {"install.md": INSTALL, "helm.md": helm, "helm-notes.md": notes})
    assert report["errors"] == 0, [f["message"] for f in report["findings"] if f["severity"] == "error"]
    on_line = {e["text"].split()[0]: e["status"] for e in ledger["entries"] if e["doc"] == "helm.md" and e["start"] == 5}
    assert on_line == {"Harbor": "linked-to", "Add": "merged"}, on_line
