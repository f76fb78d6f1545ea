"""The embedder protocol, a registry by name, and a diskcache keyed by model id + text hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from consolidate.errors import UnknownComponentError
from consolidate.executors import Executor, LocalExecutor


class Embedder(Protocol):
    model_id: str  # changes whenever vectors would change; part of every cache key
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return float32 vectors, one row per text, L2-normalised."""
        ...


def _lexical(**kw) -> Embedder:
    from consolidate.embedders.lexical import LexicalEmbedder

    return LexicalEmbedder(**kw)


def _minilm(**kw) -> Embedder:
    from consolidate.embedders.minilm import MiniLMEmbedder

    return MiniLMEmbedder(**kw)


def _openai(**kw) -> Embedder:
    from consolidate.embedders.openai_embedder import OpenAIEmbedder

    return OpenAIEmbedder(**kw)


EMBEDDERS: dict[str, Callable[..., Embedder]] = {"lexical": _lexical, "minilm": _minilm, "openai": _openai}


def make_embedder(kind: str, **kw) -> Embedder:
    if kind not in EMBEDDERS:
        raise UnknownComponentError("embedder", kind, list(EMBEDDERS))
    return EMBEDDERS[kind](**kw)


def text_key(model_id: str, text: str) -> str:
    return model_id + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_batch(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One batch's float32 vectors (what an executor maps over the batches)."""
    return embedder.embed(texts).astype(np.float32)


def embed_cached(embedder: Embedder, texts: list[str], cache_dir: Path | None,
                 batch: int = 4096, progress: Callable[[int], None] | None = None,
                 executor: Executor | None = None) -> tuple[np.ndarray, int]:
    """Embed with a diskcache in front. Returns (vectors, cache hits).

    Rows are gathered first and stacked at the end, so an embedder whose dimension is only known
    after its first answer (a remote model) works, and a fully cached rerun calls nothing. The
    batches are mapped by `executor` (default: in this process, one after another)."""
    ex = executor or LocalExecutor()
    rows: list[np.ndarray | None] = [None] * len(texts)
    hits = 0
    if cache_dir is None:
        starts = range(0, len(texts), batch)
        for s, vecs in zip(starts, ex.map(embed_batch, [texts[s:s + batch] for s in starts], embedder)):
            rows[s:s + batch] = list(vecs)
            if progress:
                progress(len(vecs))
        return _stack(rows, embedder), 0
    import diskcache

    keys = [text_key(embedder.model_id, t) for t in texts]
    with diskcache.Cache(str(cache_dir)) as cache:
        missing = []
        for i, k in enumerate(keys):
            v = cache.get(k)
            if v is None:
                missing.append(i)
            else:
                rows[i] = np.frombuffer(v, dtype=np.float32)
                hits += 1
        if progress and hits:
            progress(hits)
        groups = [missing[s:s + batch] for s in range(0, len(missing), batch)]
        for idx, vecs in zip(groups, ex.map(embed_batch, [[texts[i] for i in g] for g in groups], embedder)):
            with cache.transact():
                for i, v in zip(idx, vecs):
                    rows[i] = v
                    cache.set(keys[i], v.tobytes())
            if progress:
                progress(len(idx))
    return _stack(rows, embedder), hits


def _stack(rows: list, embedder: Embedder) -> np.ndarray:
    if not rows:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack(rows).astype(np.float32, copy=False)
