"""scoring/grouping.py returns what np.unique and a stable argsort return, on either of its sort paths."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.scoring.grouping import PACK_ABOVE, stable_sorted, unique_inverse, unique_keys


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, PACK_ABOVE, PACK_ABOVE + 1, 5000])
@pytest.mark.parametrize("high", [1, 7, 10**9, 2**62])
def test_unique_inverse_equals_numpys_unique(n: int, high: int) -> None:
    values = np.random.default_rng(n).integers(0, high, n).astype(np.int64)
    keys, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    got_keys, got_first, got_inverse = unique_inverse(values)
    np.testing.assert_array_equal(got_keys, keys)
    np.testing.assert_array_equal(got_first, first)
    np.testing.assert_array_equal(got_inverse, inverse.ravel())
    np.testing.assert_array_equal(unique_keys(values), keys)


@pytest.mark.parametrize("n", [PACK_ABOVE + 1, 4096])
def test_stable_sorted_keeps_ties_in_input_order(n: int) -> None:
    values = np.random.default_rng(1).integers(0, 5, n).astype(np.int64)  # every value repeated many times
    ordered, order = stable_sorted(values)
    np.testing.assert_array_equal(order, np.argsort(values, kind="stable"))
    np.testing.assert_array_equal(ordered, values[order])


def test_values_too_large_or_negative_to_pack_sort_by_argsort() -> None:
    values = np.array([2**62, -3, 5, -3, 2**62] * 100, dtype=np.int64)
    ordered, order = stable_sorted(values)
    np.testing.assert_array_equal(order, np.argsort(values, kind="stable"))
    np.testing.assert_array_equal(ordered, np.sort(values))
