"""Executors (consolidate/executors.py): local and Ray map the same pure functions, and a run gives the
same bytes whichever one runs it."""

import importlib.util
import sys

import pytest
from typer.testing import CliRunner

from conftest import write
from consolidate.cli import app
from consolidate.errors import ConfigError, UnknownComponentError
from consolidate.executors import LocalExecutor, RayExecutor, make_executor

runner = CliRunner()
HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="SKIPPED: Ray is not installed, so --executor ray is untested here; "
                                                  "pip install 'consolidate[ray]' to run it")


def _square_plus(ctx, x):
    return x * x + ctx


def test_local_maps_in_order_with_the_context():
    assert list(LocalExecutor().map(_square_plus, range(5), 10)) == [10, 11, 14, 19, 26]


def test_an_unknown_executor_lists_the_known_ones():
    with pytest.raises(UnknownComponentError, match="unknown executor 'dask'; known: local, ray"):
        make_executor("dask")


def test_ray_missing_is_one_line_naming_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(ConfigError, match=r"Ray is not installed; run `pip install 'consolidate\[ray\]'`"):
        RayExecutor()


def test_a_bad_executor_value_is_a_usage_error(tmp_path):
    write(tmp_path / "docs", "a.md", "# A\n\nText.\n")
    result = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "--executor", "dask", "-q"])
    assert result.exit_code == 2
    assert "run.executor" in result.output and "'local' or 'ray'" in result.output
    assert "Traceback" not in result.output


def _tree(root):
    """Three subjects, each said by several pages, with a conflict across pages and links between them."""
    for i in range(3):
        write(root, f"install/setup-{i}.md",
              f"# Install the agent\n\nDownload version 2.{i}.0 of the agent from the releases page.\n\n"
              "Run the installer as an administrator.\n\n## Ports\n\nThe agent listens on port 80" + str(i) + ".\n\n"
              "See [configuration](../configure/options-0.md#options) for the settings.\n")
        write(root, f"configure/options-{i}.md",
              f"# Configure the agent\n\n## Options\n\n- `log_level`: the log level, default `info`.\n"
              f"- `workers`: worker threads, default {4 + i}.\n\nEdit `/etc/agent/agent.toml` and restart.\n")
        write(root, f"operate/monitor-{i}.md",
              "# Monitor the agent\n\nThe agent writes metrics every 30 seconds.\n\n```sh\nagent status --json\n```\n\n"
              f"Alerts fire after {i + 2} missed heartbeats. Back to [install](../install/setup-{i}.md).\n")


def _files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.parts and p.name != "report.json"
            and p.relative_to(out).as_posix() not in (".state/write.json",  # the written files' mtimes, by design
                                                      ".state/settings.json")}  # the settings it ran with: its executor


@needs_ray
def test_ray_maps_in_order_in_tasks():
    ex = make_executor("ray")  # Ray's workers import fn by name: a builtin, as this test module is not on their path
    assert list(ex.map(pow, range(50), 2)) == [2 ** x for x in range(50)]


@needs_ray
def test_a_run_is_byte_identical_on_either_executor(tmp_path):
    import json

    _tree(tmp_path / "docs")
    outs = {}
    for kind in ("local", "ray"):
        out = tmp_path / kind / "out"
        result = runner.invoke(app, ["run", str(tmp_path / "docs"), "--out", str(out), "--executor", kind, "-q"])
        assert result.exit_code == 0, result.output
        outs[kind] = out
    local, ray = _files(outs["local"]), _files(outs["ray"])
    assert len([f for f in local if f.startswith("pages/")]) >= 3  # several pages: several tasks
    assert local == ray
    reports = [json.loads((outs[k] / "report.json").read_text()) for k in ("local", "ray")]
    for r in reports:
        r.pop("timings")
    assert reports[0] == reports[1]
