"""Known-answer tests of the time-based holdout."""

from __future__ import annotations

import pytest
from test_interactions import make_log

from omnirec_train.split import time_split

LOG = make_log(
    [
        ("u1", "a", "purchase", "web", 1),
        ("u2", "b", "view", "web", 2),
        ("u1", "b", "purchase", "web", 3),
        ("u1", "c", "view", "web", 4),
        ("u1", "d", "purchase", "app", 5),
        ("u2", "a", "add_to_cart", "web", 6),
        ("u3", "a", "purchase", "web", 7),  # u3 is new after the cut: not in the test
        ("u2", "c", "view", "web", 8),  # a view is not a target
    ]
)


def test_cut_at_time_quantile_keeps_later_targets_of_known_users() -> None:
    split = time_split(LOG, test_fraction=0.5)
    assert split.cutoff == 5
    assert split.train.timestamps.tolist() == [1, 2, 3, 4]
    assert split.test.timestamps.tolist() == [5, 6]
    assert split.targets() == {("u1", ""): {"d"}, ("u2", ""): {"a"}}
    assert split.targets(by_channel=True) == {("u1", "app"): {"d"}, ("u2", "web"): {"a"}}


def test_single_timestamp_puts_everything_in_train() -> None:
    log = make_log([("u1", "a", "purchase", "web", 9), ("u2", "b", "purchase", "web", 9)])
    split = time_split(log, 0.2)
    assert len(split.train) == 2
    assert len(split.test) == 0


def test_bad_fraction_is_rejected() -> None:
    with pytest.raises(ValueError):
        time_split(LOG, 1.0)
