"""The stage runner: stages registered by name, each with declared inputs, a fingerprint and a saved result.

A `Stage` is a thin I/O wrapper around a pure core: `run(ctx)` reads its declared inputs from the
context (`ctx["chunk"]`) and returns its result. The runner takes a pipeline (a list of stage
names) and, for each stage in order:

- computes its fingerprint: the stage's name and version, the code's (`CODE`), the part of
  the settings the stage declares (`config`), and the fingerprints of its inputs; a stage with
  no inputs (`ingest`) always runs, and its fingerprint is taken from what it read (`key`);
- reuses the saved result when one was saved with that fingerprint (a killed run resumes from its
  last saved stage), and loads it only if a later stage that must run asks for it, so an
  unchanged rerun reads next to nothing;
- otherwise runs it, saves the result, and records the time and a progress line.

The settings may be an earlier run's, read back without validating them (config.SavedSettings):
fingerprints and the root stage read them as they are; before any other stage runs, the runner
validates their sources, so a stage's core always gets `Settings`.

A stage that saves nothing (`embed`: its vectors are cached per text) is computed only when a stage
that must run asks for it, and let go of once no remaining stage takes it as an input. The runner
times each stage, lists the reused ones, and reports progress as `progress(stage, done, total)`; a
stage may report while it runs (`ctx.progress`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from consolidate import __version__
from consolidate.config import SavedSettings
from consolidate.errors import UsageError
from consolidate.state import OutputDir, fingerprint

if TYPE_CHECKING:
    from consolidate.settings import Settings

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def code_version() -> str:
    """The version and a hash of the package's code and prompts: a saved result made by other code is not reused."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for p in sorted(root.rglob("*.py")) + sorted((root.parent / "prompts").glob("*.txt")):
        h.update(p.relative_to(root.parent).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


CODE = code_version()


def _none(ctx: "Context") -> None:
    return None


@dataclass(frozen=True)
class Stage:
    """One registered stage. save(od, fp, value) and load(ctx, fp) -> value | None keep its result under .state/
    (load may ask the context for the results of the stage's inputs)."""

    name: str
    run: Callable[["Context"], Any]
    inputs: tuple[str, ...] = ()
    config: Callable[["Context"], Any] = _none  # the settings (and options) that change its result
    save: Callable[[OutputDir, str, Any], None] | None = None  # None: nothing saved (computed when asked for)
    load: Callable[["Context", str], Any] | None = None  # None when no result was saved with that fingerprint
    key: Callable[[Any], Any] | None = None  # stages without inputs: their fingerprint from their result
    intact: Callable[[OutputDir, str], bool] | None = None  # a saved result that also needs its files as written
    count: Callable[[Any], int] = lambda value: 1
    version: int = 1  # raise when the core's result changes for the same inputs


REGISTRY: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    if stage.name in REGISTRY:
        raise ValueError(f"stage {stage.name!r} is registered twice")
    REGISTRY[stage.name] = stage
    return stage


def stages(names: list[str], given: set[str] = frozenset()) -> list[Stage]:
    """The registered stages by name, in order; an unknown name is an error listing the known ones.
    given: results the caller already holds (a resumed run's), which count as earlier stages."""
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(f"unknown stage {', '.join(map(repr, unknown))}; known stages: {', '.join(REGISTRY)}")
    out = [REGISTRY[n] for n in names]
    for i, s in enumerate(out):
        missing = [x for x in s.inputs if x not in names[:i] and x not in given]
        if missing:
            raise UsageError(f"stage {s.name!r} needs {', '.join(missing)} before it in the pipeline")
    return out


@dataclass
class Context:
    """What a run's stages share: the output folder, settings, options, and the results so far."""

    od: OutputDir
    settings: Settings | SavedSettings
    progress: Progress
    options: dict[str, Any] = field(default_factory=dict)  # per-run inputs that are not settings (plan_file)
    fingerprints: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    _pending: dict[str, Stage] = field(default_factory=dict)  # reused or unsaved stages not yet loaded / computed

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            stage = self._pending.pop(name)
            if stage.save is None:  # computed on demand, timed as itself
                for i in stage.inputs:
                    self[i]
                self.validated()
                with self.timer(name):
                    self.values[name] = stage.run(self)
                if name in self.reused:
                    self.reused.remove(name)
            else:
                value = stage.load(self, self.fingerprints[name])
                if value is None:  # marked as saved but unreadable (damaged, removed): made again
                    self.reused.remove(name)
                    _compute(stage, self)
                else:
                    self.values[name] = value
        return self.values[name]

    def validated(self) -> Settings:
        """The settings as `Settings` (an earlier run's saved ones are validated from their sources here, once)."""
        if isinstance(self.settings, SavedSettings):
            self.settings = self.settings.validate()
        return self.settings

    def has(self, name: str) -> bool:
        """The run has (or can load, or compute) this stage's result."""
        return name in self.values or name in self._pending

    def timer(self, name: str) -> "_Timer":
        return _Timer(self.timings, name)


class _Timer:
    def __init__(self, timings: dict[str, float], name: str):
        self.timings, self.name = timings, name

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        self.timings[self.name] = round(self.timings.get(self.name, 0.0) + time.perf_counter() - self.t, 4)


def stage_fingerprint(stage: Stage, ctx: Context) -> str:
    return fingerprint(stage.name, stage.version, CODE, stage.config(ctx),
                       [ctx.fingerprints[i] for i in stage.inputs])


def run_stages(names: list[str], ctx: Context) -> Context:
    """Run (or reuse) each named stage in order; see the module docstring."""
    todo = stages(names, set(ctx.values) | set(ctx._pending))
    for i, stage in enumerate(todo):
        _release(ctx, todo[i:])
        if stage.key is not None:  # a root stage: always runs, its fingerprint is what it read
            with ctx.timer(stage.name):
                value = ctx.values[stage.name] = stage.run(ctx)
                ctx.fingerprints[stage.name] = fingerprint(stage.name, stage.version, CODE, stage.config(ctx),
                                                           stage.key(value))
            ctx.progress(stage.name, stage.count(value), stage.count(value))
            continue
        fp = ctx.fingerprints[stage.name] = stage_fingerprint(stage, ctx)
        if stage.save is None or (ctx.od.has_stage(stage.name, fp) and (stage.intact is None or stage.intact(ctx.od, fp))):
            ctx._pending[stage.name] = stage  # loaded (or computed) only if a stage that runs asks for it
            ctx.reused.append(stage.name)
            ctx.timings.setdefault(stage.name, 0.0)
            continue
        _compute(stage, ctx)
    _release(ctx, [])
    return ctx


def _release(ctx: Context, remaining: list[Stage]) -> None:
    """Let go of the results of stages that save nothing (embed's vectors) once no remaining stage
    takes them as an input: they are computed again if asked for (from their cache), and a large
    run does not hold them through the stages after their last use."""
    needed = {i for s in remaining for i in s.inputs}
    for name in [n for n in ctx.values if n not in needed and n in REGISTRY]:
        stage = REGISTRY[name]
        if stage.save is None and stage.key is None:
            del ctx.values[name]
            ctx._pending[name] = stage


def _compute(stage: Stage, ctx: Context) -> None:
    """Run a saved stage, save its result and mark it with its fingerprint."""
    for i in stage.inputs:  # computed inputs are timed as themselves, before this stage's clock starts
        if i in ctx._pending and ctx._pending[i].save is None:
            ctx[i]
    ctx.validated()
    with ctx.timer(stage.name):
        for i in stage.inputs:
            ctx[i]
        value = ctx.values[stage.name] = stage.run(ctx)
        ctx.od.unmark_stage(stage.name)
        stage.save(ctx.od, ctx.fingerprints[stage.name], value)
        ctx.od.mark_stage(stage.name, ctx.fingerprints[stage.name])
    ctx.progress(stage.name, stage.count(value), stage.count(value))
