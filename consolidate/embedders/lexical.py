"""A lexical embedding that needs no weights: hashed, sublinear-TF word and bigram features.

Words are lower-cased, English stop words dropped, plural/ing/ed endings folded, and
identifiers split (`worker_concurrency` gives `worker`, `concurrency` and the whole). Each
unigram and adjacent-word bigram is hashed (crc32, stable across runs and machines) into
`dim` signed buckets, weighted 1 + log(tf), and the row is L2-normalised. The cluster stage
centres vectors over the corpus, which plays the part of IDF.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]|[A-Za-z]")
STOP = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just may me might more most must my no
nor not now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up use used using very via was
we were what when where which while who whom why will with would you your yours e g eg ie etc""".split())


def _fold(w: str) -> str:
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed"):
        return w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


class LexicalEmbedder:
    version = 1

    def __init__(self, dim: int = 512):
        self.dim = dim
        self.model_id = f"lexical-v{self.version}-d{dim}"
        self._memo: dict[str, tuple[str, ...]] = {}
        self._hash: dict[str, int] = {}

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        memo = self._memo
        for raw in WORD.findall(text):
            t = memo.get(raw)
            if t is None:
                low = raw.lower()
                parts = [p for p in re.split(r"_|(?<=[a-z])(?=[A-Z])", raw) if p]
                t = tuple(_fold(p.lower()) for p in parts if p.lower() not in STOP and len(p) > 1)
                if len(parts) > 1 and low not in STOP:
                    t = t + (low,)
                memo[raw] = t
            out.extend(t)
        return out

    def _bucket(self, feat: str) -> int:
        h = self._hash.get(feat)
        if h is None:
            h = zlib.crc32(feat.encode("utf-8"))
            self._hash[feat] = h
        return h

    def embed(self, texts: list[str]) -> np.ndarray:
        rows, cols, signs = [], [], []
        dim = self.dim
        for r, text in enumerate(texts):
            ts = self.terms(text)
            feats = ts + [a + " " + b for a, b in zip(ts, ts[1:])]
            hs = [self._bucket(f) for f in feats]
            rows.extend([r] * len(hs))
            cols.extend(h % dim for h in hs)
            signs.extend(1 if (h >> 16) & 1 else -1 for h in hs)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if rows:
            # term counts per (row, bucket, sign), then 1 + log(tf), signed
            key = (np.asarray(rows, dtype=np.int64) * dim + np.asarray(cols, dtype=np.int64)) * 2 + (np.asarray(signs) > 0)
            uniq, counts = np.unique(key, return_counts=True)
            sign = np.where(uniq % 2 == 1, 1.0, -1.0).astype(np.float32)
            cell = uniq // 2
            np.add.at(out.reshape(-1), cell, sign * (1.0 + np.log(counts.astype(np.float32))))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms
