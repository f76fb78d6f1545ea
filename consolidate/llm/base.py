"""The backend contract, the request/result records, and the registry that picks a backend by name.

A backend has one method, `complete(request) -> Result` (as simonw/llm's `Model.execute`). Backends
are built by name from settings; `auto` picks a configured OpenAI-compatible server, else a
configured local model, else the extractive drafter (no model), and says why.
"""

from __future__ import annotations

from typing import Callable, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from consolidate.errors import ConfigError, ConsolidateError
from consolidate.llm.choice import NAMES, resolve_backend
from consolidate.settings import LLMSettings


DEFAULT_MODEL = "gpt-4o-mini"  # the openai backend's model when none is named and no base URL is set


class ModelError(ConsolidateError):
    """A model call failed after the client's retries (server error, timeout, refused connection)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str


class Request(_Frozen):
    messages: tuple[Message, ...]
    schema_name: str = ""
    json_schema: dict | None = None  # ask for JSON matching this schema (response_format)
    temperature: float = 0.0
    max_tokens: int = 4096
    prompt_id: str = ""  # template name, version and text hash: part of the cache key


class Result(_Frozen):
    text: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    finish_reason: str = ""
    cached: bool = False
    seconds: float = 0.0
    # the engine's own timing where the server reports it (llama.cpp's `timings`): prompt tokens it
    # processed (not taken from its prompt cache) and the seconds spent on them and on generating
    tokens_prompt_done: int = 0
    prompt_seconds: float = 0.0
    gen_seconds: float = 0.0


class Backend(Protocol):
    name: str  # "openai", "local", "fake"
    model: str  # model id as sent to the server; part of the cache key
    context_tokens: int

    def complete(self, request: Request) -> Result:
        ...


def _openai(s: LLMSettings) -> Backend:
    from consolidate.llm.openai_backend import OpenAIBackend

    return OpenAIBackend.from_settings(s)


def _local(s: LLMSettings) -> Backend:
    from consolidate.llm.local_backend import LocalBackend

    return LocalBackend.from_settings(s)


_FACTORIES: dict[str, Callable[[LLMSettings], Backend]] = {"openai": _openai, "local": _local}
BACKENDS: dict[str, Callable[[LLMSettings], Backend] | None] = {name: _FACTORIES.get(name) for name in NAMES}


def make_backend(s: LLMSettings, env: dict | None = None) -> tuple[Backend | None, str]:
    """The backend for these settings (None for extractive) and the reason it was chosen."""
    name, reason = resolve_backend(s, env)
    factory = BACKENDS[name]
    return (factory(s) if factory else None), reason


