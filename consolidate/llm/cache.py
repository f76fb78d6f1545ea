"""Response cache (diskcache). The key is a versioned hash of everything that changes the answer.

In the key: CACHE_VERSION, the model, the messages, the response schema, the parameters
(temperature, max tokens) and the prompt id (template name, version and text hash). Not in the
key: the API key, the base URL, the timeout or retries, which do not change the answer. Only
results that passed validation are stored (the caller decides), so a bad reply is asked again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from consolidate.llm.base import Request, Result

CACHE_VERSION = 1


def cache_key(model: str, request: Request) -> str:
    payload = {
        "v": CACHE_VERSION,
        "model": model,
        "messages": [[m.role, m.content] for m in request.messages],
        "schema": request.json_schema,
        "schema_name": request.schema_name,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "prompt": request.prompt_id,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"llm-v{CACHE_VERSION}:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path | None):
        self.folder = folder
        self._cache = None
        if folder is not None:
            import diskcache

            self._cache = diskcache.Cache(str(folder))

    def get(self, model: str, request: Request) -> Result | None:
        if self._cache is None:
            return None
        raw = self._cache.get(cache_key(model, request))
        if raw is None:
            return None
        try:
            return Result.model_validate_json(raw).model_copy(update={"cached": True})
        except ValueError:
            return None  # a damaged entry is asked again

    def put(self, model: str, request: Request, result: Result) -> None:
        if self._cache is not None:
            self._cache.set(cache_key(model, request), result.model_dump_json())

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
