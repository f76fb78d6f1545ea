"""Registered stages and reruns: an unchanged rerun computes nothing again, an edit redrafts only
the pages holding the edited document (and gives the bytes a fresh run gives), a killed run resumes."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, write
from consolidate import pipeline, runner
from consolidate.errors import UsageError
from consolidate.records import page_file
from consolidate.settings import Settings
from consolidate.checks import ledger as ledger_module
from consolidate.stages import cluster as cluster_module
from consolidate.stages import draft_model
from consolidate.stages import draft as draft_module
from consolidate.stages import ingest as ingest_module

EVERY = ["ingest", "chunk", "embed", "cluster", "plan", "draft", "check", "write"]
EDITED = "docs/community/faq.md"


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a run writes for people (not .state/ or .cache/), report.json without its run-dependent keys."""
    files = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and not rel.startswith((".state/", ".cache/")):
            files[rel] = p.read_bytes()
    report = json.loads(files.pop("report.json"))
    for key in ("timings", "reused_stages", "reused_pages"):
        report.pop(key)
    files["report.json"] = json.dumps(report, sort_keys=True).encode()
    return files


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


def holding(out: Path, doc: str) -> set[str]:
    return {page_file(p["section"], p["slug"]) for p in json.loads((out / "plan.json").read_text())["pages"]
            if doc in p["sources"]}


@pytest.fixture
def docs(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "docs")
    return tmp_path / "docs"


def _refuse(*args, **kwargs):
    raise AssertionError("a reused stage was computed again")


def test_an_unchanged_rerun_computes_nothing_again(docs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    pipeline.run([docs], out, Settings())
    first = outputs(out)
    from consolidate import review as review_module
    from consolidate.stages import chunk as chunk_module, check as check_module, plan as plan_module

    # every core after read (each stage imports its core from its module when it runs)
    for module, name in ((chunk_module, "chunk_documents"), (plan_module, "plan_pages"), (ingest_module, "parse_files"),
                         (cluster_module, "cluster_chunks"), (ingest_module, "parse_read"), (draft_module, "_merge_page"),
                         (draft_model, "draft_for_run"), (check_module, "check_pages"), (review_module, "review_files")):
        monkeypatch.setattr(module, name, _refuse)
    res = pipeline.run([docs], out, Settings())
    r = report(out)
    assert r["reused_stages"] == EVERY == res.reused
    assert r["reused_pages"]["merged"] == r["reused_pages"]["checked"] == sorted(r["page_details"])
    assert outputs(out) == first and res.report["pages"] == len(r["page_details"]) and res.errors == 0


def test_an_edit_redrafts_only_the_pages_holding_the_document(docs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    pipeline.run([docs], out, Settings())
    text = (docs / EDITED).read_text()
    (docs / EDITED).write_text(text.replace("and lightly edited.", "and edited with great care."))
    merged, parsed = [], []
    real_merge, real_parse = draft_module._merge_page, ingest_module.parse_read
    with monkeypatch.context() as m:
        m.setattr(draft_module, "_merge_page", lambda p, *a: merged.append(p.file) or real_merge(p, *a))
        m.setattr(ingest_module, "parse_read", lambda r: parsed.append(r.source.rel) or real_parse(r))
        pipeline.run([docs], out, Settings())
    r = report(out)
    pages = set(r["page_details"])
    assert parsed == [EDITED]  # every other file's parse is reused
    assert set(merged) == holding(out, EDITED) == pages - set(r["reused_pages"]["merged"]) and len(merged) < len(pages)
    assert len(r["reused_pages"]["checked"]) > 0
    fresh = tmp_path / "fresh"
    pipeline.run([docs], fresh, Settings())  # the same tree from scratch: the same bytes
    assert outputs(out) == outputs(fresh)


def test_a_killed_run_resumes_from_its_last_saved_stage(docs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        m.setattr(ledger_module, "make_ledger", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
        pipeline.run([docs], out, Settings())
    assert not (out / "report.json").exists() and not (out / ".state" / "check.done").exists()
    with monkeypatch.context() as m:
        m.setattr(draft_model, "draft_for_run", _refuse)  # drafted before the kill
        res = pipeline.run([docs], out, Settings())
    assert res.reused == ["ingest", "chunk", "embed", "cluster", "plan", "draft"]
    fresh = tmp_path / "fresh"
    pipeline.run([docs], fresh, Settings())
    assert outputs(out) == outputs(fresh)


def test_a_damaged_or_unmarked_result_is_made_again(docs, tmp_path):
    out = tmp_path / "out"
    pipeline.run([docs], out, Settings())
    first = outputs(out)
    (out / ".state" / "plan.done").unlink()  # killed while saving the plan: no mark
    (out / ".state" / "chunks.json").write_text("{not json")  # marked, but unreadable
    res = pipeline.run([docs], out, Settings())
    assert "plan" not in res.reused and "chunk" not in res.reused and outputs(out) == first


def test_an_output_file_changed_by_hand_is_written_again(docs, tmp_path):
    out = tmp_path / "out"
    pipeline.run([docs], out, Settings())
    first = outputs(out)
    page = next((out / "pages").glob("*.md"))
    page.write_text("edited by hand\n")
    res = pipeline.run([docs], out, Settings())
    assert "write" not in res.reused and "check" in res.reused and outputs(out) == first


def test_settings_that_change_a_stage_rerun_it_and_the_stages_after(docs, tmp_path):
    out = tmp_path / "out"
    pipeline.run([docs], out, Settings())
    res = pipeline.run([docs], out, Settings(draft={"max_page_words": 60}))
    assert res.reused == ["ingest", "chunk", "embed", "cluster", "plan"]


def test_unknown_stage_names_and_missing_inputs_are_errors():
    pipeline._context(Path("unused"), Settings(), lambda *a: None)  # registers the stages
    with pytest.raises(UsageError, match="unknown stage 'drift'; known stages: read, ingest, chunk"):
        runner.stages(["read", "drift"])
    with pytest.raises(UsageError, match="stage 'chunk' needs read, ingest before it"):
        runner.stages(["chunk"])


def test_ingest_reuses_a_parse_only_for_the_same_text_path_and_root(tmp_path):
    write(tmp_path / "a", "x.md", "# X\n\nOne.\n")
    write(tmp_path / "a", "y.md", "# Y\n\nTwo.\n")
    read = ingest_module.read_roots([tmp_path / "a"], max_bytes=10_000)
    docs, texts, _, per_doc = ingest_module.parse_files(read)
    known = {(d.path, str((tmp_path / "a").resolve()), d.sha256): (d.model_copy(update={"title": "from before"}), [])
             for d in docs}
    write(tmp_path / "a", "y.md", "# Y\n\nTwo, changed.\n")
    again, _, _, _ = ingest_module.parse_files(ingest_module.read_roots([tmp_path / "a"], max_bytes=10_000), known)
    assert [d.title for d in again] == ["from before", "Y"]
