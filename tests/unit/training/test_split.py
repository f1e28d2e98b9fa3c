"""Known-answer tests of the time-based holdout."""

from __future__ import annotations

import pytest
from test_interactions import make_log

from omnirec_train.split import rolling_splits, time_split

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


# One purchase a day, days 1..20, by a, b, c in turn (day t: customer "abc"[t % 3], item f"i{t}").
DAILY = make_log([("abc"[t % 3], f"i{t}", "purchase", "web", t) for t in range(1, 21)])


def test_rolling_windows_cut_back_by_the_same_share_and_target_only_their_own_span() -> None:
    splits = rolling_splits(DAILY, 0.25, enough=100, most=5, oldest=0.9)
    # Each window holds a quarter of the 20 days; window 0 is the plain validation split.
    assert [s.cutoff for s in splits] == [16, 11, 6]
    plain = time_split(DAILY, 0.25)
    assert splits[0].train.timestamps.tolist() == plain.train.timestamps.tolist() == list(range(1, 16))
    for split, end in zip(splits, [21, 16, 11], strict=True):
        assert split.train.timestamps.max() < split.cutoff  # the probe sees nothing at or after its cut
        assert split.test.timestamps.min() >= split.cutoff and split.test.timestamps.max() < end
    assert {u: items for (u, _), items in splits[1].targets().items()} == {
        "a": {"i12", "i15"},
        "b": {"i13"},
        "c": {"i11", "i14"},
    }


@pytest.mark.parametrize(
    ("enough", "most", "oldest", "windows"),
    [
        (3, 5, 0.9, 1),  # window 0's three customers are enough
        (4, 5, 0.9, 2),  # 3 + 3 groups reach 4
        (7, 5, 0.9, 3),  # 3 + 3 + 3
        (100, 2, 0.9, 2),  # at most two windows
        (100, 5, 0.5, 2),  # the oldest cut may not pass half of the events
        (100, 5, 0.75, 3),
    ],
)
def test_window_rule(enough: int, most: int, oldest: float, windows: int) -> None:
    assert len(rolling_splits(DAILY, 0.25, enough=enough, most=most, oldest=oldest)) == windows


def test_window_zero_is_returned_even_without_data() -> None:
    empty = make_log([])
    assert [len(s.train) for s in rolling_splits(empty, 0.15, enough=200, most=4, oldest=0.6)] == [0]
    single = make_log([("u1", "a", "purchase", "web", 9), ("u2", "b", "purchase", "web", 9)])
    assert len(rolling_splits(single, 0.15, enough=200, most=4, oldest=0.6)) == 1
