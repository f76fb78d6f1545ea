"""A real backend object for tests: a queue of scripted replies and a history of requests.

As simonw/llm's tests do: `FakeBackend(["{...}", ModelError("boom"), lambda req: "..."])`.
Each `complete` takes the next item: a string is the reply text, an exception is raised, a
callable is called with the request. When the queue is empty, `default` (a callable) answers,
or the call fails loudly.
"""

from __future__ import annotations

import threading
from typing import Callable

from consolidate.llm.base import Request, Result


class FakeBackend:
    name = "fake"

    def __init__(self, replies: list | None = None, *, model: str = "fake-model", context_tokens: int = 16384,
                 default: Callable[[Request], str] | None = None):
        self.model = model
        self.context_tokens = context_tokens
        self.queue = list(replies or [])
        self.default = default
        self.history: list[Request] = []
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Result:
        with self._lock:
            self.history.append(request)
            item = self.queue.pop(0) if self.queue else self.default
        if item is None:
            raise AssertionError(f"FakeBackend: no scripted reply left for call {len(self.history)}")
        if isinstance(item, BaseException):
            raise item
        text = item(request) if callable(item) else item
        n_in = sum(len(m.content.split()) for m in request.messages)
        return Result(text=text, model=self.model, tokens_in=n_in, tokens_out=len(text.split()), finish_reason="stop")
