"""Neighbour lists from the bundle's (I, K) arrays, and sorted-key lookups shared by the scoring code."""

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


def lookup(keys: np.ndarray, items: np.ndarray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """values[items == key] per key (items ascending); `fill` where a key is absent. values may be 2-D."""
    out = np.full((keys.shape[0], *values.shape[1:]), fill, dtype=np.float64)
    if items.size:
        pos = np.minimum(np.searchsorted(items, keys), items.shape[0] - 1)
        hit = items[pos] == keys
        out[hit] = values[pos[hit]]
    return out
