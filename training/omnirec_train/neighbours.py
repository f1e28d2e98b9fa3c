"""Item neighbour lists: most similar by vector cosine, and most often bought or viewed together."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from omnirec.data.event_log import EventLog
from omnirec_train.interactions import IdMap

# Events of one user without a session id that fall in the same window form one basket.
BASKET_WINDOW_SECONDS = 3600


def _top_k_dense(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k_eff = min(k, scores.shape[1])
    part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def _pad(indices: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad to width k with index -1 / score 0; non-positive scores become padding."""
    out_i = np.full((indices.shape[0], k), -1, dtype=np.int32)
    out_s = np.zeros((indices.shape[0], k), dtype=np.float32)
    w = min(k, indices.shape[1])
    valid = scores[:, :w] > 0
    out_i[:, :w] = np.where(valid, indices[:, :w], -1)
    out_s[:, :w] = np.where(valid, scores[:, :w], 0.0)
    return out_i, out_s


def similar_items(vectors: np.ndarray, k: int, batch: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Top-k items by cosine of item vectors (self excluded), in batches to bound memory."""
    n = vectors.shape[0]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0).astype(np.float32)
    idx_parts, score_parts = [], []
    for start in range(0, n, batch):
        scores = unit[start : start + batch] @ unit.T
        rows = np.arange(scores.shape[0])
        scores[rows, start + rows] = -np.inf
        idx, sc = _top_k_dense(scores, k)
        idx_parts.append(idx)
        score_parts.append(np.where(np.isfinite(sc), sc, 0.0))
    if not idx_parts:
        return np.full((0, k), -1, dtype=np.int32), np.zeros((0, k), dtype=np.float32)
    return _pad(np.concatenate(idx_parts), np.concatenate(score_parts), k)


def basket_keys(events: EventLog) -> np.ndarray:
    """Basket id per event: user + session id when present, else user + time window."""
    window = (events.timestamps // BASKET_WINDOW_SECONDS).astype(str)
    session = np.where(events.session_ids != "", np.char.add("s", events.session_ids.astype(str)), window)
    return np.char.add(np.char.add(events.user_ids.astype(str), "|"), session)


def cooccurrence_matrix(events: EventLog, items: IdMap, types: set[str]) -> sp.csr_matrix:
    """Item x item cosine over baskets (binary basket membership), diagonal zero; values in [0, 1]."""
    keep = np.isin(events.event_types, list(types))
    item_idx = items.to_internal(events.item_ids[keep])
    ok = item_idx >= 0
    _, basket = np.unique(basket_keys(events.take(keep))[ok], return_inverse=True)
    n_baskets = int(basket.max()) + 1 if basket.size else 0
    membership = sp.csr_matrix(
        (np.ones(basket.shape[0], dtype=np.float32), (basket, item_idx[ok])), shape=(n_baskets, len(items))
    )
    membership.data[:] = 1.0  # duplicates summed by the constructor: presence is what counts
    counts = (membership.T @ membership).tocsr()
    counts.setdiag(0)
    counts.eliminate_zeros()
    n_i = np.asarray(membership.sum(axis=0)).ravel()
    coo = counts.tocoo()
    scores = coo.data / np.sqrt(n_i[coo.row] * n_i[coo.col])
    return sp.csr_matrix((scores.astype(np.float32), (coo.row, coo.col)), shape=counts.shape)


def top_k_sparse(matrix: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k entries of each row of a CSR matrix, padded with -1 / 0."""
    coo = matrix.tocoo()
    order = np.lexsort((-coo.data, coo.row))
    rows, cols, data = coo.row[order], coo.col[order], coo.data[order]
    starts = np.asarray(matrix.indptr[:-1])[rows] if rows.size else rows
    rank = np.arange(rows.shape[0]) - starts
    keep = rank < k
    out_i = np.full((matrix.shape[0], k), -1, dtype=np.int32)
    out_s = np.zeros((matrix.shape[0], k), dtype=np.float32)
    out_i[rows[keep], rank[keep]] = cols[keep]
    out_s[rows[keep], rank[keep]] = data[keep]
    return out_i, out_s


def cooccurrence_lists(events: EventLog, items: IdMap, k: int, types: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Top-k co-occurring items per item with association scores in [0, 1]."""
    return top_k_sparse(cooccurrence_matrix(events, items, types), k)
