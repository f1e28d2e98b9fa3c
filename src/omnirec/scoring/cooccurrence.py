"""Co-occurrence evidence: neighbours of the customer's recent items, summed with recency weights."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# Item index -> (neighbour indices, association scores), for the context's recent items.
Neighbours = Mapping[int, tuple[np.ndarray, np.ndarray]]


def neighbours_from_arrays(
    indices: np.ndarray, scores: np.ndarray, items: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Neighbour lists of the given items from (I, K) arrays, padding (-1) removed."""
    uniq = np.unique(items)
    rows = indices[uniq].astype(np.int64)
    values = scores[uniq].astype(np.float64)
    keep = rows >= 0
    return {item: (rows[j][keep[j]], values[j][keep[j]]) for j, item in enumerate(uniq.tolist())}


def cooccurrence(
    recent_items: np.ndarray, weights: np.ndarray, neighbours: Neighbours
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(items ascending, summed association, the recent item contributing most to each) for recent items."""
    anchor_items, inverse = np.unique(recent_items, return_inverse=True)
    anchor_w = np.bincount(inverse, weights=weights, minlength=anchor_items.shape[0])
    used = [(a, w) for a, w in zip(anchor_items.tolist(), anchor_w.tolist(), strict=True) if w > 0 and a in neighbours]
    lists = [neighbours[a] for a, _ in used]
    lengths = np.fromiter((len(idx) for idx, _ in lists), dtype=np.int64, count=len(lists))
    if not lists or not lengths.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0), empty
    idx = np.concatenate([idx for idx, _ in lists])
    contrib = np.concatenate([s for _, s in lists]) * np.repeat([w for _, w in used], lengths)
    anchor_of = np.repeat(np.array([a for a, _ in used], dtype=np.int64), lengths)
    items, inv = np.unique(idx, return_inverse=True)
    totals = np.bincount(inv, weights=contrib, minlength=items.shape[0])
    best = np.full(items.shape[0], -1, dtype=np.int64)
    order = np.lexsort((-contrib, inv))  # per item, the largest contribution first
    first = np.unique(inv[order], return_index=True)[1]
    best[inv[order][first]] = anchor_of[order][first]
    return items, totals, best


def lookup(keys: np.ndarray, items: np.ndarray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """values[items == key] per key (items ascending); `fill` where a key is absent. values may be 2-D."""
    out = np.full((keys.shape[0], *values.shape[1:]), fill, dtype=np.float64)
    if items.size:
        pos = np.minimum(np.searchsorted(items, keys), items.shape[0] - 1)
        hit = items[pos] == keys
        out[hit] = values[pos[hit]]
    return out
