"""Model backends: one protocol (`complete(request) -> result`), a registry, a response cache, usage."""

from consolidate.llm.base import Backend, Message, ModelError, Request, Result, make_backend, resolve_backend

__all__ = ["Backend", "Message", "ModelError", "Request", "Result", "make_backend", "resolve_backend"]
