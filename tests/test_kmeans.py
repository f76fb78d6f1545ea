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


def test_group_sums_are_the_sums_add_at_gives_bit_for_bit():
    from consolidate.stages.cluster import group_sums
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5000, 64)).astype(np.float32)
    labels = rng.integers(0, 300, 5000)
    labels[labels == 7] = 8  # a label no row has: its sum is zero
    want = np.zeros((300, 64), dtype=np.float32)
    np.add.at(want, labels, x)
    assert np.array_equal(group_sums(x, labels, 300), want)


def test_cosine_distances_are_scipys_condensed_cosine_distances():
    from scipy.spatial.distance import pdist

    from consolidate.stages.cluster import cosine_distances
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2500, 40)).astype(np.float32)  # 2,500 rows: three blocks of 1,024 and a part
    d = cosine_distances(x)
    assert d.shape == (2500 * 2499 // 2,)
    assert np.allclose(d, pdist(x.astype(np.float64), "cosine"), rtol=0, atol=1e-12)


def test_micro_clusters_make_about_k_clusters_in_levels_the_same_each_time():
    from consolidate.stages.cluster import micro_clusters
    rng = np.random.default_rng(6)
    groups = _normalise(rng.normal(size=(40, 32)).astype(np.float32))
    x = _normalise(groups[rng.integers(0, 40, 6000)] + 0.5 * rng.normal(size=(6000, 32)).astype(np.float32))
    labels = micro_clusters(x, 750)
    assert np.array_equal(labels, micro_clusters(x, 750))
    used = np.unique(labels)
    assert 600 <= len(used) <= 750 and labels.min() == 0
    # about as tight as one k-means over all chunks (0.65 against 0.68 here; random labels: 0.38)
    def tightness(labels):
        return float(np.mean([np.linalg.norm(x[labels == l].mean(axis=0)) for l in np.unique(labels)]))
    assert tightness(labels) >= tightness(spherical_kmeans(x, 750)) - 0.05


def test_a_repeated_row_is_at_distance_zero_never_below():
    from consolidate.stages.cluster import cosine_distances
    rng = np.random.default_rng(7)
    x = _normalise(rng.normal(size=(50, 384)).astype(np.float32))
    d = cosine_distances(np.vstack([x, x]))
    assert d.min() == 0.0
