"""Cluster: deterministic topics over chunk vectors, near-duplicate groups, readable labels.

1. Each chunk vector is blended with its document's mean vector (`doc_weight`), so sections
   of one page stay together unless their content pulls them apart; vectors are centred on
   the corpus mean (this removes what every chunk shares, like IDF), partly for a few documents
   (`centre_docs`), and re-normalised.
2. Average-linkage agglomerative clustering on cosine distance, cut at `threshold`. Above
   `max_direct` chunks, a deterministic two-level spherical k-means (`micro_clusters`) first
   reduces them to micro-clusters whose centroids are clustered instead (memory stays linear in
   the chunk count, time about n * sqrt(k) instead of n * k).
3. No chunk is dropped as noise: clusters smaller than `min_size` are attached to the nearest
   larger topic (by centroid) and listed in `Topic.attached`, unless they hold a whole document
   (a short page on its own subject stays a topic; only fragments are attached).
4. Topic ids follow the first member in document order, so the same input gives the same ids.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage

from consolidate.dedupe import near_duplicate_groups
from consolidate.embedders.lexical import LexicalEmbedder
from consolidate.records import Chunk, Topic

# (threshold, centre_docs) per embedder kind, picked with eval/topic_quality.py (docs/design.md):
# sparse lexical vectors share little, so a few documents on one subject need only part of the
# mean taken off; dense vectors share a lot and need all of it, and a lower cut.
CUT_DEFAULTS = {"lexical": (0.90, 8.0), "minilm": (0.85, 0.0), "openai": (0.85, 0.0)}


def cut_settings(kind: str, threshold: float | None, centre_docs: float | None) -> tuple[float, float]:
    """The settings' threshold and centre_docs, each defaulting to the embedder's measured value."""
    t, c = CUT_DEFAULTS.get(kind, CUT_DEFAULTS["lexical"])
    return (t if threshold is None else threshold), (c if centre_docs is None else centre_docs)



def _normalise(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


def prepare(vectors: np.ndarray, chunks: list[Chunk], doc_weight: float, centre_docs: float = 8.0) -> np.ndarray:
    docs = sorted({c.doc for c in chunks})
    index = {d: i for i, d in enumerate(docs)}
    di = np.fromiter((index[c.doc] for c in chunks), dtype=np.int64, count=len(chunks))
    means = group_sums(vectors.astype(np.float32, copy=False), di, len(docs))
    x = vectors + doc_weight * _normalise(means)[di]
    x = _normalise(x)
    # Centring removes what every chunk shares (like IDF). In a handful of documents on one subject
    # that shared part is the subject itself, and removing it all pushes pages that people would
    # merge apart; so the mean is taken off in proportion n / (n + centre_docs).
    x = x - (len(docs) / (len(docs) + centre_docs)) * x.mean(axis=0, keepdims=True)
    return _normalise(x).astype(np.float32)


# how much a similarity computed in float32 may be off (a 512-term dot product of unit vectors is
# off by ~1e-5 at most): the bounds below skip a chunk only when it wins by more than this
_MARGIN = 1e-3


def group_sums(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The sum of each label's rows: what np.add.at(np.zeros((k, dim)), labels, x) gives, bit for bit
    (each sum adds its rows in order), as a sparse one-hot product, ten times quicker (59,132 rows
    of 512: 0.03 s against 0.3 s a call, a call per k-means round)."""
    one_hot = sparse.csr_matrix((np.ones(len(labels), dtype=x.dtype), (labels, np.arange(len(labels)))),
                                shape=(k, len(labels)))
    return np.asarray(one_hot @ x, dtype=x.dtype)


def spherical_kmeans(x: np.ndarray, k: int, iters: int = 12, seed: int = 0) -> np.ndarray:
    """Deterministic (fixed seed, farthest-point-ish init on a sample) k-means on the unit sphere.

    Each chunk keeps a lower bound on its similarity to its own centre and an upper bound on its
    similarity to any other (Hamerly's bounds; a centre that moves by d changes a unit vector's
    similarity to it by at most d). A chunk whose own centre still wins by more than _MARGIN keeps
    it without being compared again; the others are compared with every centre, as before. So the
    labels are the ones comparing every chunk every round gives, for about 2/3 of the work."""
    rng = np.random.default_rng(seed)
    n = len(x)
    centres = x[np.sort(rng.choice(n, size=k, replace=False))].copy()
    labels = np.zeros(n, dtype=np.int64)
    own = np.full(n, -np.inf)  # lower bound on the similarity to the own centre
    other = np.full(n, np.inf)  # upper bound on the similarity to any other centre
    for it in range(iters):
        before = labels.copy()
        todo = np.nonzero(own <= other + _MARGIN)[0]
        for s in range(0, len(todo), 8192):
            rows = todo[s:s + 8192]
            sims = x[rows] @ centres.T
            best = np.argmax(sims, axis=1)
            labels[rows] = best
            at = np.arange(len(rows))
            own[rows] = sims[at, best]
            sims[at, best] = -np.inf
            other[rows] = sims.max(axis=1) if k > 1 else -np.inf
        if it and np.array_equal(labels, before):
            break  # a fixed point: the same labels give the same centres, so every later round is this one
        sums = group_sums(x, labels, k)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centres[empty]
        moved = _normalise(sums)
        shift = np.linalg.norm(moved - centres, axis=1).astype(np.float64)
        centres = moved
        own -= shift[labels]
        other += shift.max()
    return labels


def micro_clusters(x: np.ndarray, k: int) -> np.ndarray:
    """About k micro-clusters in levels: a spherical k-means with about sqrt(k) centres, then the same
    inside each of its clusters with a share of k in proportion to its size (again in levels when
    that share is large: a coarse cluster may hold a third of the chunks). Each chunk is compared
    with about 2 sqrt(k) centres instead of k (59,132 chunks into 7,391: 85 + ~85 instead of 7,391),
    and the micro-clusters only feed the linkage above, which joins them again."""
    coarse_k = max(2, math.isqrt(k))
    if k <= 4 * coarse_k:  # too few to be worth two levels
        return spherical_kmeans(x, k)
    coarse = spherical_kmeans(x, coarse_k)
    labels = np.zeros(len(x), dtype=np.int64)
    first = 0
    for c in range(coarse_k):
        members = np.nonzero(coarse == c)[0]
        if not len(members):
            continue
        kc = max(1, min(len(members), round(k * len(members) / len(x))))
        labels[members] = first + (micro_clusters(x[members], kc) if kc > 1 else 0)
        first += kc
    return labels


def cosine_distances(x: np.ndarray, block: int = 1024) -> np.ndarray:
    """The condensed cosine distances of x's rows (scipy's pdist(x, "cosine") to 1e-15), as float64
    products a block of rows at a time: 4x quicker than pdist (7,391 rows of 512: 1.6 s against 6.1 s)."""
    x = _normalise(x.astype(np.float64))
    n = len(x)
    out = np.empty(n * (n - 1) // 2)
    pos = 0
    for a in range(0, n, block):
        sims = x[a:a + block] @ x[a:].T
        for r in range(len(sims)):
            row = sims[r, r + 1:]
            out[pos:pos + len(row)] = np.clip(1.0 - row, 0.0, 2.0)  # as pdist clips: a repeated row is at 0, not -1e-16
            pos += len(row)
    return out


def agglomerate(x: np.ndarray, threshold: float, max_direct: int) -> np.ndarray:
    n = len(x)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    if n <= max_direct:
        z = linkage(cosine_distances(x), method="average")
        return fcluster(z, t=threshold, criterion="distance").astype(np.int64) - 1
    k = max(2, min(max_direct, n // 8))
    micro = micro_clusters(x, k)
    used = np.unique(micro)
    remap = {m: i for i, m in enumerate(used)}
    mi = np.fromiter((remap[m] for m in micro), dtype=np.int64, count=n)
    sums = group_sums(x, mi, len(used))
    top = agglomerate(_normalise(sums), threshold, max_direct)
    return top[mi]


def _whole_documents(labels: np.ndarray, chunks: list[Chunk]) -> set[int]:
    """Clusters holding every chunk of at least one document: a page someone wrote is a topic."""
    per_doc: dict[str, set[int]] = defaultdict(set)
    for c, l in zip(chunks, labels.tolist()):
        per_doc[c.doc].add(l)
    return {next(iter(ls)) for ls in per_doc.values() if len(ls) == 1}


def _attach_small(labels: np.ndarray, x: np.ndarray, min_size: int,
                  keep: set[int] = frozenset()) -> tuple[np.ndarray, set[int]]:
    sizes = Counter(labels.tolist())
    big = sorted(l for l, s in sizes.items() if s >= min_size or l in keep)
    attached: set[int] = set()
    if not big or len(big) == len(sizes):
        return labels, attached
    cent = _normalise(np.stack([x[labels == l].sum(axis=0) for l in big]))
    out = labels.copy()
    for l in sorted(set(sizes) - set(big)):
        members = np.nonzero(labels == l)[0]
        c = _normalise(x[members].sum(axis=0, keepdims=True))
        target = big[int(np.argmax(cent @ c[0]))]
        out[members] = target
        attached.update(members.tolist())
    return out, attached


def label_topics(groups: list[list[Chunk]], n_terms: int = 3) -> list[str]:
    """c-TF-IDF over lexical terms: the words most typical of each topic relative to the others."""
    lex = LexicalEmbedder()
    tfs = []
    df: Counter[str] = Counter()
    for g in groups:
        tf: Counter[str] = Counter()
        for c in g:
            body = "\n".join(ln for ln in c.text.splitlines() if not ln.startswith(("```", "    ")))
            tf.update(t for t in lex.terms(body + " " + " ".join(c.heading_path)) if "_" not in t)
        tfs.append(tf)
        df.update(tf.keys())
    labels = []
    total = len(groups)
    for tf in tfs:
        size = sum(tf.values()) or 1
        scored = sorted(tf.items(), key=lambda kv: (-(kv[1] / size) * math.log(1 + total / df[kv[0]]), kv[0]))
        labels.append(" · ".join(t for t, _ in scored[:n_terms]) or "misc")
    return labels


def cluster_chunks(chunks: list[Chunk], vectors: np.ndarray, *, threshold: float = 0.90, doc_weight: float = 1.0,
                   min_size: int = 3, max_direct: int = 12000, dup_threshold: float = 0.8,
                   centre_docs: float = 8.0) -> list[Topic]:
    if not chunks:
        return []
    order = {c.id: i for i, c in enumerate(chunks)}  # chunks arrive sorted by doc path, then line
    x = prepare(vectors, chunks, doc_weight, centre_docs)
    labels = agglomerate(x, threshold, max_direct)
    labels, attached_idx = _attach_small(labels, x, min_size, _whole_documents(labels, chunks))
    members: dict[int, list[int]] = defaultdict(list)
    for i, l in enumerate(labels.tolist()):
        members[l].append(i)
    groups = sorted(members.values(), key=lambda idx: min(idx))
    chunk_groups = [[chunks[i] for i in idx] for idx in groups]
    names = label_topics(chunk_groups)
    topics = []
    for n, (idx, g, name) in enumerate(zip(groups, chunk_groups, names), start=1):
        docs = tuple(dict.fromkeys(c.doc for c in g))
        dups = near_duplicate_groups(g, dup_threshold)
        topics.append(Topic(id=f"t{n:02d}", label=name, chunk_ids=tuple(c.id for c in g), documents=docs,
                            duplicate_groups=tuple(tuple(sorted(d, key=order.get)) for d in dups),
                            attached=tuple(chunks[i].id for i in idx if i in attached_idx)))
    return topics
