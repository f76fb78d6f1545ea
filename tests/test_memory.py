"""What keeps a large run's memory down (issue 16): results let go of after their last use, records
sharing their fields set, and the per-stage memory benchmark."""

import sys

from conftest import ROOT, write
from consolidate import pipeline
from consolidate.records import Block, Citation
from consolidate.settings import Settings

sys.path.insert(0, str(ROOT / "eval"))


def _tree(root):
    for i in range(3):
        write(root, f"guide-{i}.md", f"# Guide {i}\n\nInstall the worker with `pip install worker`.\n\n"
                                     f"## Settings\n\nSet `WORKERS` to {i + 2} before you start it.\n")
    return root


def test_embed_is_let_go_of_after_cluster_and_made_again_when_asked(tmp_path):
    res = pipeline.run([_tree(tmp_path / "docs")], tmp_path / "out", Settings())
    ctx = res.ctx
    assert "embed" not in ctx.values and ctx.has("embed")  # no stage after cluster takes the vectors
    assert {"read", "ingest", "chunk", "cluster", "plan", "draft", "check", "write"} <= set(ctx.values)
    assert len(ctx["embed"].vectors) == len(res.chunks)  # computed again (from its cache) when asked for


def test_records_with_the_same_fields_given_share_one_set_and_copies_keep_theirs_right():
    a = Block(kind="paragraph", start=1, end=2, heading_path=("A",), lang="")
    b = Block(kind="code", start=3, end=4, heading_path=(), lang="sh")
    short = Block(kind="code", start=3, end=4)
    assert a.model_fields_set is b.model_fields_set
    assert short.model_fields_set == {"kind", "start", "end"} and short.model_fields_set is not a.model_fields_set
    c = short.model_copy(update={"lang": "py"})
    assert c.lang == "py" and c.model_fields_set == {"kind", "start", "end", "lang"}
    assert short.model_fields_set == {"kind", "start", "end"}  # the shared set was not changed by the copy
    assert Citation.model_validate({"chunk": "c", "doc": "d", "start": 1, "end": 1}).model_fields_set \
        is Citation(chunk="x", doc="y", start=2, end=3).model_fields_set


def test_bench_memory_shows_each_stage_in_the_order_it_ran(tmp_path):
    import bench_memory

    r = bench_memory.measure(_tree(tmp_path / "docs"), tmp_path / "out", 0.005)
    assert [x["stage"] for x in r["stages"]] == pipeline.PIPELINE
    assert all(x["start_mib"] <= x["peak_mib"] and x["end_mib"] <= x["peak_mib"] for x in r["stages"])
    assert r["peak_mib"] >= max(x["peak_mib"] for x in r["stages"]) - 1  # ru_maxrss: at least every sample
    assert "| cluster |" in bench_memory.table(r)
