"""Executors: map a pure function over items, in this process or on a local Ray instance.

`make_executor("local" | "ray")` gives an object with one method, `map(fn, items, context)`,
that yields `fn(context, item)` for each item, in input order. `fn` is a module-level function
(Ray pickles it by reference), `context` what every call shares (shipped once per run, not per
item) and each item small. The pipeline uses it for the embed stage (one item per batch of
texts) and for each page's own merge in the draft stage (one item per page not reused from the
page memo, in batches; the plan-wide passes, rendering and the checks run in this process); the result is
the same whichever executor runs it, byte for byte (tests/test_executors.py).

`local` (the default) calls `fn` in this process, one item after another, as the pipeline always
did. `ray` starts a local Ray instance (`pip install 'consolidate[ray]'`), puts the context in
its object store once, and runs the items as Ray tasks, a few items a task, one task per CPU at
a time; docs/scale.md says how the same calls spread over a cluster.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Protocol

from consolidate.errors import ConfigError, ConsolidateError, UnknownComponentError

Fn = Callable[[Any, Any], Any]  # fn(context, item) -> result


class Executor(Protocol):
    name: str

    def map(self, fn: Fn, items: Iterable, context: Any = None) -> Iterator:
        """fn(context, item) for each item, yielded in input order."""
        ...


class LocalExecutor:
    """In this process, in order: the default, and what every run did before executors."""

    name = "local"

    def map(self, fn: Fn, items: Iterable, context: Any = None) -> Iterator:
        for item in items:
            yield fn(context, item)


def _run_batch(fn: Fn, context: Any, batch: list) -> list:
    return [fn(context, item) for item in batch]


class RayExecutor:
    """Ray tasks on a local Ray instance, started on first use (Ray stops it when the process exits),
    or the one this process is already connected to (ray.init(address=...) before the run)."""

    name = "ray"

    def __init__(self, num_cpus: int | None = None, tasks_per_cpu: int = 4):
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray: Ray is not installed; run `pip install 'consolidate[ray]'` "
                              "(or choose --executor local)") from None
        self.ray, self.num_cpus, self.tasks_per_cpu = ray, num_cpus, tasks_per_cpu
        self._started = False

    def _start(self) -> None:
        if self._started:
            return
        if not self.ray.is_initialized():
            try:
                self.ray.init(num_cpus=self.num_cpus, include_dashboard=False, log_to_driver=False,
                              configure_logging=False)
            except Exception as exc:  # Ray's own errors (no room in /dev/shm, a port in use) name the cause
                raise ConsolidateError(f"--executor ray: a local Ray instance did not start ({exc}); "
                                       "fix that, or run with --executor local") from exc
        self._task = self.ray.remote(_run_batch)
        self._started = True

    def map(self, fn: Fn, items: Iterable, context: Any = None) -> Iterator:
        items = list(items)
        if not items:
            return
        self._start()
        ray = self.ray
        ctx = ray.put(context)  # shipped to the object store once; each task reads it from there
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        n = max(1, -(-len(items) // (cpus * self.tasks_per_cpu)))  # items per task
        refs = [self._task.remote(fn, ctx, items[s:s + n]) for s in range(0, len(items), n)]
        for ref in refs:
            yield from ray.get(ref)


EXECUTORS: dict[str, Callable[[], Executor]] = {"local": LocalExecutor, "ray": RayExecutor}


_made: dict[str, Executor] = {}


def make_executor(kind: str) -> Executor:
    """The executor of that kind, one per process (so a run's stages share one Ray instance)."""
    if kind not in EXECUTORS:
        raise UnknownComponentError("executor", kind, list(EXECUTORS))
    if kind not in _made:
        _made[kind] = EXECUTORS[kind]()
    return _made[kind]
