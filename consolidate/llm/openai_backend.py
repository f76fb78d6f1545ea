"""Any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).

Uses the `openai` client's own retries (exponential backoff; a 429's Retry-After is honoured) and
timeout. Structured output is asked for with `response_format` (JSON schema); a server that
rejects it is asked again without it, and a server that ignores it still works because the JSON
is parsed out of the reply text (llm/structured.py).
"""

from __future__ import annotations

import threading
import time

import openai

from consolidate.errors import ConfigError
from consolidate.llm.base import DEFAULT_MODEL, ModelError, Request, Result
from consolidate.llm.choice import openai_config
from consolidate.settings import LLMSettings

NO_KEY = "not-needed"  # local servers ignore the key, but the client insists on one


class OpenAIBackend:
    name = "openai"

    def __init__(self, *, base_url: str = "", api_key: str = "", model: str = "", timeout: float = 120.0,
                 max_retries: int = 2, context_tokens: int = 16384, name: str = "openai"):
        if not api_key and not base_url:
            raise ConfigError("llm backend 'openai' needs an API key: set OPENAI_API_KEY (or llm.api_key), or point "
                              "--base-url / OPENAI_BASE_URL at an OpenAI-compatible server, or use --backend extractive")
        self.name = name
        self.base_url = base_url or "https://api.openai.com/v1"
        self.model = model or ("" if base_url else DEFAULT_MODEL)
        self.timeout = timeout
        self.max_retries = max_retries
        self.context_tokens = context_tokens
        self.use_response_format = True
        self.client = openai.OpenAI(base_url=self.base_url, api_key=api_key or NO_KEY, timeout=timeout,
                                    max_retries=max_retries)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, s: LLMSettings) -> "OpenAIBackend":
        base_url, api_key, model = openai_config(s)
        return cls(base_url=base_url, api_key=api_key, model=model, timeout=s.timeout, max_retries=s.max_retries,
                   context_tokens=s.context_tokens)

    def resolve_model(self) -> str:
        """A server given by base URL with no model named: use the first model it lists."""
        with self._lock:
            if not self.model:
                try:
                    ids = sorted(m.id for m in self.client.models.list())
                except openai.OpenAIError as exc:
                    raise ConfigError(f"{self.base_url}: no model named and the server did not list its models ({exc}); "
                                      "pass --model or set OPENAI_MODEL") from exc
                if not ids:
                    raise ConfigError(f"{self.base_url}: the server lists no models; pass --model or set OPENAI_MODEL")
                self.model = ids[0]
            return self.model

    def complete(self, request: Request) -> Result:
        model = self.resolve_model()
        kwargs = {"model": model, "messages": [{"role": m.role, "content": m.content} for m in request.messages],
                  "temperature": request.temperature, "max_tokens": request.max_tokens}
        if request.json_schema is not None and self.use_response_format:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name or "reply", "schema": request.json_schema, "strict": False}}
        started = time.perf_counter()
        try:
            try:
                resp = self.client.chat.completions.create(**kwargs)
            except openai.BadRequestError as exc:
                if "response_format" not in kwargs or "response_format" not in str(exc).lower():
                    raise
                self.use_response_format = False  # the server rejects it: ask in the prompt only
                kwargs.pop("response_format")
                resp = self.client.chat.completions.create(**kwargs)
        except openai.AuthenticationError as exc:
            raise ConfigError(f"{self.base_url}: the server refused the API key (401); set OPENAI_API_KEY "
                              "or llm.api_key to a valid key") from exc
        except openai.NotFoundError as exc:
            raise ConfigError(f"{self.base_url}: model {model!r} or the chat endpoint was not found (404); "
                              "pass --model / OPENAI_MODEL, or a base URL ending in /v1") from exc
        except openai.APITimeoutError as exc:
            raise ModelError(f"{self.base_url}: no answer within {self.timeout:g}s after {self.max_retries} retries; "
                             "raise llm.timeout or lower llm.concurrency") from exc
        except openai.APIStatusError as exc:
            raise ModelError(f"{self.base_url}: the server answered {exc.status_code} after {self.max_retries} retries: "
                             f"{_short(exc)}") from exc
        except openai.APIConnectionError as exc:
            raise ModelError(f"{self.base_url}: cannot connect ({_short(exc)}); check --base-url / OPENAI_BASE_URL") from exc
        if not resp.choices:
            raise ModelError(f"{self.base_url}: the reply held no choices")
        choice = resp.choices[0]
        usage = resp.usage
        return Result(text=choice.message.content or "", model=model,
                      tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
                      tokens_out=getattr(usage, "completion_tokens", 0) or 0,
                      finish_reason=choice.finish_reason or "", seconds=round(time.perf_counter() - started, 3),
                      **engine_timings(resp))


def engine_timings(resp) -> dict:
    """llama.cpp's server adds `timings` to each reply: prompt tokens processed (those not reused
    from its prompt cache), and the milliseconds spent on the prompt and on generation."""
    t = (getattr(resp, "model_extra", None) or {}).get("timings")
    if not isinstance(t, dict):
        return {}
    try:
        return {"tokens_prompt_done": int(t.get("prompt_n") or 0),
                "prompt_seconds": round(float(t.get("prompt_ms") or 0) / 1000, 3),
                "gen_seconds": round(float(t.get("predicted_ms") or 0) / 1000, 3)}
    except (TypeError, ValueError):
        return {}


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
