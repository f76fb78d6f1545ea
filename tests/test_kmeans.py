"""The spherical k-means that reduces a large tree's chunks before clustering skips the chunks its
bounds show cannot change centre, and still gives the labels of comparing every chunk every round."""

import numpy as np
import pytest

from consolidate.stages.cluster import _normalise, spherical_kmeans


def every_chunk_every_round(x: np.ndarray, k: int, iters: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(x)
    centres = x[np.sort(rng.choice(n, size=k, replace=False))].copy()
    labels = np.zeros(n, dtype=np.int64)
    for it in range(iters):
        before = labels.copy()
        for s in range(0, n, 8192):
            labels[s:s + 8192] = np.argmax(x[s:s + 8192] @ centres.T, axis=1)
        if it and np.array_equal(labels, before):
            break
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, x)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centres[empty]
        centres = _normalise(sums)
    return labels


@pytest.mark.parametrize("n,k,dim,seed", [(3000, 375, 64, 0), (2000, 2, 32, 1), (500, 60, 512, 2), (9000, 1100, 48, 3)])
def test_the_bounds_give_the_labels_of_comparing_every_chunk(n, k, dim, seed):
    rng = np.random.default_rng(seed)
    groups = _normalise(rng.normal(size=(max(2, k // 3), dim)).astype(np.float32))
    x = groups[rng.integers(0, len(groups), n)] + 2.0 * rng.normal(size=(n, dim)).astype(np.float32)
    x = _normalise(x).astype(np.float32)
    assert np.array_equal(spherical_kmeans(x, k), every_chunk_every_round(x, k))
