"""Each customer's n best keys: the partition-based selection equals a full sort, ties to the lower item."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.scoring import segments
from omnirec.scoring.segments import top_per_customer


def sorted_top(keys: np.ndarray, scores: np.ndarray, n_items: int, n: int) -> np.ndarray:
    """The reference: a stable sort by customer, then score descending; the first n of each customer."""
    customer = keys // n_items
    order = np.lexsort((-scores, customer))
    rank = np.arange(order.shape[0]) - np.searchsorted(customer[order], customer[order])
    return np.sort(keys[order[rank < n]])


@pytest.mark.parametrize("sort_below", [0, 10**9])  # the partition, and the sort of small inputs
@pytest.mark.parametrize("seed", range(40))
def test_the_n_best_of_each_customer_ties_to_the_lower_item(
    seed: int, sort_below: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SORT_BELOW", sort_below)
    rng = np.random.default_rng(seed)
    n_items, customers = int(rng.integers(3, 40)), int(rng.integers(1, 9))
    keys = np.unique(rng.integers(0, n_items * customers, int(rng.integers(0, n_items * customers))))
    scores = np.round(rng.random(keys.shape[0]) * (3 if seed % 2 else 1000)) / 4  # many ties when seed is odd
    for n in (0, 1, 2, 5, n_items):
        np.testing.assert_array_equal(top_per_customer(keys, scores, n_items, n), sorted_top(keys, scores, n_items, n))


def test_customers_go_in_chunks_when_the_padded_matrix_would_be_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "PAD_CELLS", 16)  # a chunk of one or two customers
    monkeypatch.setattr(segments, "SORT_BELOW", 0)
    rng = np.random.default_rng(5)
    keys = np.unique(rng.integers(0, 30 * 12, 250))
    scores = np.round(rng.random(keys.shape[0]) * 4)
    np.testing.assert_array_equal(top_per_customer(keys, scores, 30, 4), sorted_top(keys, scores, 30, 4))


@pytest.mark.parametrize("seed", range(30))
def test_one_customers_rows_take_the_single_partition_path_with_the_same_answer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_items = int(rng.integers(2, 3000))
    keys = np.unique(rng.integers(0, n_items, int(rng.integers(1, n_items + 1)))) + 7 * n_items  # customer 7 only
    scores = np.round(rng.random(keys.shape[0]) * (3 if seed % 2 else 1000)) / 4  # many ties when seed is odd
    scores[rng.random(keys.shape[0]) < 0.1] = -np.inf  # rank_batch's unrankable rows
    for n in (1, 2, 10, 100, keys.shape[0]):
        np.testing.assert_array_equal(top_per_customer(keys, scores, n_items, n), sorted_top(keys, scores, n_items, n))
