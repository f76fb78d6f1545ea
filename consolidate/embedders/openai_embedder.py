"""Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (`embed.kind = "openai"`).

Configured by OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_EMBEDDING_MODEL (default
text-embedding-3-small). Vectors are L2-normalised and cached like every embedder's (by model id
and text hash), so a rerun sends nothing.
"""

from __future__ import annotations

import os

import numpy as np

from consolidate.errors import ConfigError

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


class OpenAIEmbedder:
    def __init__(self, model: str = "", base_url: str = "", api_key: str = "", batch_size: int = 256,
                 timeout: float = 60.0, max_retries: int = 2):
        import openai

        base_url = base_url or os.environ.get("OPENAI_BASE_URL", "")
        api_key = api_key or os.environ.get("OPENAI_API_KEY", "")
        if not base_url and not api_key:
            raise ConfigError("embedder 'openai' needs OPENAI_API_KEY, or OPENAI_BASE_URL pointing at an "
                              "OpenAI-compatible server (or set embed.kind = \"lexical\")")
        self.model = model or os.environ.get("OPENAI_EMBEDDING_MODEL", "") or DEFAULT_EMBEDDING_MODEL
        self.model_id = f"openai:{self.model}"
        self.batch_size = batch_size
        self._errors = openai.OpenAIError
        self.client = openai.OpenAI(base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout,
                                    max_retries=max_retries)
        self.dim = 0  # known after the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for s in range(0, len(texts), self.batch_size):
            try:
                resp = self.client.embeddings.create(model=self.model, input=texts[s:s + self.batch_size])
            except self._errors as exc:
                raise ConfigError(f"embedder 'openai' ({self.client.base_url}): {' '.join(str(exc).split())[:200]}; "
                                  "check OPENAI_BASE_URL / OPENAI_EMBEDDING_MODEL or use embed.kind = \"lexical\"") from exc
            rows += [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
        out = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        self.dim = out.shape[1] if len(texts) else self.dim
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms
