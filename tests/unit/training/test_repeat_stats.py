"""Known-answer tests of item repeat rates and intervals."""

from __future__ import annotations

import numpy as np
import pytest
from test_interactions import DAY, make_log

from omnirec_train.interactions import IdMap
from omnirec_train.repeat_stats import PRIOR_STRENGTH, repeat_stats


def test_repeat_rate_is_smoothed_toward_category_and_interval_is_median() -> None:
    log = make_log(
        [
            ("u1", "milk", "purchase", "web", 0),
            ("u1", "milk", "purchase", "web", 7 * DAY),
            ("u1", "milk", "purchase", "web", 21 * DAY),
            ("u2", "milk", "purchase", "web", 0),
            ("u2", "sofa", "purchase", "web", 0),
            ("u2", "sofa", "view", "web", 3 * DAY),  # a view is no purchase
            ("u1", "bread", "view", "web", 0),
        ]
    )
    items = IdMap(np.array(["bread", "milk", "sofa"]))
    stats = repeat_stats(log, items, categories=np.array(["food", "food", "home"]))
    assert stats.buyers.tolist() == [0, 2, 1]
    assert stats.repeaters.tolist() == [0, 1, 0]
    m = PRIOR_STRENGTH
    global_rate = 1 / 3
    food = (1 + m * global_rate) / (2 + m)
    home = (0 + m * global_rate) / (1 + m)
    assert stats.repeat_rate[1] == pytest.approx((1 + m * food) / (2 + m))
    assert stats.repeat_rate[0] == pytest.approx(food)  # never bought: its category's rate
    assert stats.repeat_rate[2] == pytest.approx((0 + m * home) / (1 + m))
    assert stats.interval_days.tolist() == [0.0, 10.5, 0.0]  # gaps 7 and 14 days


def test_same_time_purchases_are_one_occasion() -> None:
    log = make_log([("u1", "a", "purchase", "web", 5), ("u1", "a", "purchase", "web", 5)])
    stats = repeat_stats(log, IdMap(np.array(["a"])), np.array([""]))
    assert stats.repeaters.tolist() == [0]
