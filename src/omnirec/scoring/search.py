"""Top-n search over item vectors: exact (numpy) for small catalogues, HNSW (hnswlib) for large ones.

Scores are `vectors @ query + biases` (LightFM's prediction). HNSW indexes the bias as an extra
dimension so inner-product search ranks by exactly that score.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class ItemSearch(Protocol):
    def top(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> np.ndarray:
        """Indices of the n best-scoring allowed items, best first."""


class ExactSearch:
    """Scores every item: exact, and fast enough up to a few hundred thousand items."""

    def __init__(self, vectors: np.ndarray, biases: np.ndarray) -> None:
        self.vectors = vectors
        self.biases = biases

    def top(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> np.ndarray:
        scores = self.vectors @ query.astype(np.float32) + self.biases
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
            n = min(n, int(allowed.sum()))
        return top_indices(scores, n)


class HnswSearch:
    """Approximate inner-product search; falls back to exact when filters leave too few hits."""

    def __init__(self, vectors: np.ndarray, biases: np.ndarray, ef: int = 200, m: int = 16) -> None:
        import hnswlib  # service dependency; imported lazily so small catalogues never build it

        self.exact = ExactSearch(vectors, biases)
        data = np.hstack([vectors, biases[:, None]]).astype(np.float32)
        self.index = hnswlib.Index(space="ip", dim=data.shape[1])
        self.index.init_index(max_elements=data.shape[0], ef_construction=ef, M=m, random_seed=7)
        self.index.add_items(data, np.arange(data.shape[0]))
        self.index.set_ef(ef)

    def top(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> np.ndarray:
        fetch = min(self.index.get_current_count(), max(n * 4, 64))
        labels, _ = self.index.knn_query(np.append(query, 1.0).astype(np.float32)[None, :], k=fetch)
        found = labels[0].astype(np.int64)
        if allowed is not None:
            found = found[allowed[found]]
        if found.shape[0] < n:
            return self.exact.top(query, n, allowed)
        return found[:n]


def build_search(vectors: np.ndarray, biases: np.ndarray, ann_threshold: int) -> ItemSearch:
    """Exact below ann_threshold items, HNSW at or above it (benchmarks/ann_benchmark.py measures both)."""
    if vectors.shape[0] >= ann_threshold:
        return HnswSearch(vectors, biases)
    return ExactSearch(vectors, biases)


def top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest finite scores, best first; ties broken by lower index."""
    n = min(n, scores.shape[0])
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < scores.shape[0] else np.arange(scores.shape[0])
    order = np.lexsort((part, -scores[part]))
    chosen = part[order]
    return chosen[np.isfinite(scores[chosen])]
