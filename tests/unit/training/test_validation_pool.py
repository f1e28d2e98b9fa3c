"""Known-answer tests of pooling (customer, window) query groups for the ranker choice."""

from __future__ import annotations

import numpy as np

from bundle_factory import make_bundle
from omnirec_train.ranker_eval import collect_components
from omnirec_train.validation_pool import HOLDOUT_EVERY, ValidationPool, ValidationWindow

NOW = 1_800_000_000
DAY = 86_400
K = 5


def two_windows() -> list[ValidationWindow]:
    """Window 0 (newest): 40 items, customers u0..u9; window 1: an older probe of 30 items, u5..u11 (u5..u9 in both)."""
    newest = make_bundle(n_items=40, n_users=12, seed=1)
    older = make_bundle(n_items=30, n_users=12, seed=2)
    return [
        ValidationWindow.of(newest, {f"u{i}": {"i1", f"i{30 + i % 10}"} for i in range(10)}, NOW),
        ValidationWindow.of(older, {f"u{i}": {"i2", "i35"} for i in range(5, 12)}, NOW - 30 * DAY),
    ]


def test_each_customer_is_a_group_per_window_with_targets_in_that_windows_catalogue() -> None:
    windows = two_windows()
    pool = ValidationPool(windows, K, cap=1000, seed=0)
    assert len(pool) == 17 and pool.n_customers == 12 and pool.n_windows == 2
    assert pool.keys[:10] == [f"u{i}" for i in range(10)]  # window 0 groups are keyed by the customer id
    assert pool.keys[10:] == [f"u{i}\x1f1" for i in (10, 11, 5, 6, 7, 8, 9)]  # customers sorted as strings
    assert pool.targets["u3"] == {1, 33}
    # i35 is not in the older probe's 30-item catalogue: it cannot be found but counts against the ideal.
    assert pool.targets["u7\x1f1"] == {2, -2}  # a distinct negative stand-in per unknown item


def test_held_out_groups_are_chosen_by_customer_across_windows() -> None:
    pool = ValidationPool(two_windows(), K, cap=1000, seed=0)
    customers = sorted({f"u{i}" for i in range(12)})  # u0, u1, u10, u11, u2, ...
    held = {u for u in customers if customers.index(u) % HOLDOUT_EVERY == 0}
    assert held == {"u0", "u3", "u8"}
    assert [key.split("\x1f")[0] in held for key in pool.keys] == pool.held_out.tolist()
    comps = pool.components(30.0)
    fitted, out = pool.split(comps)
    assert [c.user for c in out] == ["u0", "u3", "u8", "u8\x1f1"]
    assert len(fitted) + len(out) == len(pool)


def test_groups_are_scored_with_their_own_windows_probe_and_cut() -> None:
    windows = two_windows()
    pool = ValidationPool(windows, K, cap=1000, seed=0)
    comps = pool.components(30.0)
    older = collect_components(windows[1].catalog, windows[1].bundle, ["u10", "u11"], windows[1].now, K)
    for mine, expected in zip(comps[10:12], older, strict=True):
        assert mine.user == f"{expected.user}\x1f1"
        np.testing.assert_array_equal(mine.components.candidates, expected.components.candidates)
        np.testing.assert_array_equal(mine.components.matrix, expected.components.matrix)


def test_a_capped_pool_keeps_a_seeded_sample_of_groups() -> None:
    first = ValidationPool(two_windows(), K, cap=6, seed=4)
    again = ValidationPool(two_windows(), K, cap=6, seed=4)
    assert len(first) == 6 and first.keys == again.keys


def test_one_window_is_keyed_and_held_out_by_customer_position_as_before_pooling() -> None:
    window = two_windows()[0]
    pool = ValidationPool([window], K, cap=1000, seed=0)
    assert pool.keys == sorted(window.targets) and pool.n_windows == 1
    assert pool.held_out.tolist() == [i % HOLDOUT_EVERY == 0 for i in range(len(pool))]
