"""Per-customer selections over rows that are contiguous per customer (keys = customer * items + item)."""

from __future__ import annotations

import numpy as np

PAD_CELLS = 1 << 22  # most cells of one padded (customers x rows) block: 32 MB of float64
SORT_BELOW = 2048  # rows up to which a plain sort selects (one request's candidates and co-occurrences)


def top_per_customer(keys: np.ndarray, scores: np.ndarray, n_items: int, n: int) -> np.ndarray:
    """Of ascending (customer, item) keys, each customer's n best by score (ties: lower item), ascending."""
    return keys[best_of_each(keys // n_items, scores, n)]


def best_of_each(customer: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """Per row, whether it is among its customer's n best by score; of rows tied at the cut, the first.

    Rows are contiguous per customer (`customer` ascending). One partition per customer row of a padded
    matrix finds each customer's n-th best score; the rows above it are kept, and of the rows tied with
    it the first ones, as a stable sort by score would. Linear where a sort of all rows is not (the
    co-occurrence pool holds thousands of rows per customer). Scores must not be NaN.
    """
    keep = np.ones(customer.shape[0], dtype=bool)
    if n <= 0:
        return ~keep
    if not customer.size:
        return keep
    if customer[0] == customer[-1]:  # one customer (a request): one partition of its rows, no padding
        return _best_of_one(scores, n)
    if customer.shape[0] <= SORT_BELOW:  # a stable sort of few rows costs less than the partition's steps
        order = np.lexsort((-scores, customer))
        ranked = customer[order]
        keep[order[np.arange(order.shape[0]) - np.searchsorted(ranked, ranked) >= n]] = False
        return keep
    bounds = np.flatnonzero(np.concatenate([[True], customer[1:] != customer[:-1], [True]]))
    starts, counts = bounds[:-1], np.diff(bounds)
    over = counts > n  # segments (customers) with more than n rows
    if not over.any():
        return keep
    seg_starts, seg_counts = starts[over], counts[over]
    width = int(seg_counts.max())
    step = max(1, PAD_CELLS // width)
    for first in range(0, seg_starts.shape[0], step):
        chunk_counts = seg_counts[first : first + step]
        chunk_starts = seg_starts[first : first + step]
        segs = chunk_counts.shape[0]
        in_chunk = np.zeros(customer.shape[0] + 1, dtype=np.int8)  # +1 / -1 at each segment's ends
        np.add.at(in_chunk, chunk_starts, 1)
        np.add.at(in_chunk, chunk_starts + chunk_counts, -1)
        index = np.flatnonzero(np.cumsum(in_chunk[:-1], dtype=np.int8))
        values = scores[index]
        filled = np.arange(width) < chunk_counts[:, None]
        padded = np.full((segs, width), -np.inf)
        padded[filled] = values  # row-major: each customer's rows in key order
        # The n-th largest of each row: position width - n of the ascending partition.
        cuts = np.partition(padded, width - n, axis=1)[:, width - n]
        rows = np.repeat(np.arange(segs), chunk_counts)
        cut = cuts[rows]
        chosen = values > cut
        tied = np.flatnonzero(values == cut)
        # Of the rows tied with the cut, as many as the customer has places left, in key order.
        places = n - np.bincount(rows[chosen], minlength=segs)
        tie_rows = rows[tied]
        tie_rank = np.arange(tied.shape[0]) - np.searchsorted(tie_rows, tie_rows)
        chosen[tied[tie_rank < places[tie_rows]]] = True
        keep[index] = chosen
    return keep


def _best_of_one(scores: np.ndarray, n: int) -> np.ndarray:
    """best_of_each for rows of a single customer: above the n-th best score, then the first ones tied with it."""
    if scores.shape[0] <= n:
        return np.ones(scores.shape[0], dtype=bool)
    cut = np.partition(scores, scores.shape[0] - n)[scores.shape[0] - n]
    keep = scores > cut
    tied = np.flatnonzero(scores == cut)
    keep[tied[: n - int(np.count_nonzero(keep))]] = True
    return keep
