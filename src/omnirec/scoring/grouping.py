"""Sorted-key grouping kernels for the feature builder: unique int64 keys, with first index and inverse.

np.unique returns the same arrays but pays a dozen Python-level steps per call (argument handling,
reshapes, a mask, a cumsum and an inverse permutation, each its own array); on a request's few hundred
keys those steps cost more than the sort. These do the sort and the few steps needed, with the same
results: keys ascending, `first` the index of each key's first occurrence (a stable sort), `inverse`
the position of each value's key.
"""

from __future__ import annotations

import numpy as np

PACK_ABOVE = 256  # values from which packing (value, position) into one int64 sorts faster than argsort


def unique_keys(values: np.ndarray) -> np.ndarray:
    """Sorted unique int64 values (a sort and a comparison: numpy's hash-based unique is slower on these)."""
    ordered = np.sort(values, kind="stable")
    if ordered.size > 1:
        ordered = ordered[_starts(ordered)]
    return ordered


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted unique values, index of each one's first occurrence, each value's position among them)."""
    ordered, order = stable_sorted(values)
    inverse = np.empty(values.shape[0], dtype=np.intp)
    if values.shape[0] <= 1:
        inverse[order] = 0
        return ordered, order, inverse
    starts = _starts(ordered)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts], inverse


def stable_sorted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values ascending, their positions: ties in input order), as values[argsort(kind="stable")] gives.

    Non-negative int64 values small enough to leave room for a position in their low bits are packed with
    it into one int64 and sorted by value, ties by position: numpy's (unstable, SIMD) sort of int64 ran
    2x faster than a stable argsort at 2,500 values and 10x at 30,000 (a batch's events) on this box.
    """
    n = values.shape[0]
    bits = max(1, (n - 1).bit_length())
    if n > PACK_ABOVE and values.dtype == np.int64 and values.min() >= 0 and values.max() < (1 << (63 - bits)):
        packed = values << bits
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        return packed >> bits, packed & ((1 << bits) - 1)
    order = np.argsort(values, kind="stable")
    return values[order], order


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Per value of an ascending array: is it the first of its run?"""
    starts = np.empty(ordered.shape[0], dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts
