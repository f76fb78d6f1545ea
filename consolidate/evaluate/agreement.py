"""Clustering agreement metrics (no scikit-learn needed): adjusted Rand index and NMI."""

from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Sequence


def _comb2(n: int) -> float:
    return n * (n - 1) / 2


def ari(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    n = len(gold)
    if n < 2:
        return 1.0
    pairs = Counter(zip(gold, pred))
    sum_ij = sum(_comb2(v) for v in pairs.values())
    sum_a = sum(_comb2(v) for v in Counter(gold).values())
    sum_b = sum(_comb2(v) for v in Counter(pred).values())
    expected = sum_a * sum_b / _comb2(n)
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0
    return (sum_ij - expected) / (maximum - expected)


def _entropy(counts: Counter, n: int) -> float:
    return -sum((c / n) * math.log(c / n) for c in counts.values() if c)


def nmi(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Normalised mutual information, arithmetic-mean normalisation (as scikit-learn's default)."""
    n = len(gold)
    if n == 0:
        return 1.0
    cg, cp, joint = Counter(gold), Counter(pred), Counter(zip(gold, pred))
    mi = sum((c / n) * math.log((c * n) / (cg[g] * cp[p])) for (g, p), c in joint.items())
    hg, hp = _entropy(cg, n), _entropy(cp, n)
    if hg == 0 and hp == 0:
        return 1.0
    denom = (hg + hp) / 2
    return mi / denom if denom else 0.0
