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


class SortedLookup:
    """Where each key sits in an ascending table, found once and reused for every column looked up."""

    def __init__(self, keys: np.ndarray, table: np.ndarray) -> None:
        self.n = keys.shape[0]
        if table.size and keys.size:
            pos = np.minimum(np.searchsorted(table, keys), table.shape[0] - 1)
            self.hit = table[pos] == keys
            self.pos = pos[self.hit]
        else:
            self.hit = np.zeros(self.n, dtype=bool)
            self.pos = np.empty(0, dtype=np.int64)

    def take(self, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """values[table == key] per key; `fill` where a key is absent. values may be 2-D."""
        out = np.full((self.n, *values.shape[1:]), fill, dtype=np.float64)
        out[self.hit] = values[self.pos]
        return out


def lookup(keys: np.ndarray, items: np.ndarray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """values[items == key] per key (items ascending); `fill` where a key is absent. values may be 2-D."""
    return SortedLookup(keys, items).take(values, fill)
