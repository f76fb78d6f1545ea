"""Progress as a run goes: bars on a terminal, plain lines when stderr is a file or a pipe.

The pipeline calls `progress(stage, done, total)`. On a terminal each stage gets a bar. Otherwise
(a CI log, `2> run.log`, `| tee`) each stage gets one line when it ends, with its count and
seconds; a stage that reports while it runs gets a line at most every INTERVAL seconds; and
while nothing reports (a long draft), a line every INTERVAL seconds says how long it has been.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO

INTERVAL = 10.0  # seconds between lines while a stage runs


class Lines:
    """Plain progress lines for a log. Use as a context manager (it runs a heartbeat thread)."""

    def __init__(self, stream: TextIO, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.stream, self.interval, self.clock = stream, interval, clock
        self.started = self.stage_started = self.last_line = clock()
        self.stage, self.last_done = "", ""
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "Lines":
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self.last_line = self.clock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            now = self.clock()
            self.stage = stage
            if done >= total:
                self._line(f"{stage}: {done}/{total} in {now - self.stage_started:.1f}s")
                self.stage_started, self.last_done, self.stage = now, stage, ""
            elif now - self.last_line >= self.interval:
                self._line(f"{stage}: {done}/{total} ({now - self.stage_started:.0f}s so far)")

    def beat(self) -> None:
        """A line when nothing was said for `interval` seconds (called by the heartbeat thread)."""
        with self.lock:
            now = self.clock()
            if now - self.last_line < self.interval:
                return
            what = f"{self.stage} running" if self.stage else (f"working after {self.last_done}" if self.last_done else "working")
            self._line(f"{what}: {now - self.stage_started:.0f}s ({now - self.started:.0f}s in all)")

    def _beat(self) -> None:
        while not self.stop.wait(min(1.0, self.interval)):
            self.beat()


class Bars:
    """Rich progress bars on a terminal (transient: they vanish when the run ends)."""

    def __init__(self, console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=True)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or 1)
        self.progress.update(self.tasks[stage], completed=done, total=total or 1)


class Silent:
    def __enter__(self) -> "Silent":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def __call__(self, stage: str, done: int, total: int) -> None:
        pass


def reporter(quiet: bool, console, stream: TextIO | None = None):
    """--quiet: nothing; stderr a terminal: bars; else plain lines."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    return Bars(console) if stream.isatty() else Lines(stream)
