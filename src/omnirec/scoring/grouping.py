"""Sorted-key grouping kernels for the feature builder: unique int64 keys, with first index and inverse.

np.unique returns the same arrays but pays a dozen Python-level steps per call (argument handling,
reshapes, a mask, a cumsum and an inverse permutation, each its own array); on a request's few hundred
keys those steps cost more than the sort. These do the sort and the few steps needed, with the same
results: keys ascending, `first` the index of each key's first occurrence (a stable sort), `inverse`
the position of each value's key.
"""

from __future__ import annotations

import numpy as np


def unique_keys(values: np.ndarray) -> np.ndarray:
    """Sorted unique int64 values (a sort and a comparison: numpy's hash-based unique is slower on these)."""
    ordered = np.sort(values, kind="stable")
    if ordered.size > 1:
        ordered = ordered[_starts(ordered)]
    return ordered


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted unique values, index of each one's first occurrence, each value's position among them)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    inverse = np.empty(values.shape[0], dtype=np.intp)
    if values.shape[0] <= 1:
        inverse[order] = 0
        return ordered, order, inverse
    starts = _starts(ordered)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts], inverse


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Per value of an ascending array: is it the first of its run?"""
    starts = np.empty(ordered.shape[0], dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts
