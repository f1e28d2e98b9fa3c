"""Known-answer tests of channel popularity and the channel mask."""

from __future__ import annotations

import numpy as np
import pytest
from test_interactions import CONFIG, DAY, make_log

from omnirec_train.interactions import IdMap
from omnirec_train.popularity import channel_popularity


def test_popularity_per_channel_scaled_with_all_first() -> None:
    log = make_log(
        [
            ("u1", "a", "purchase", "web", 10 * DAY),  # 5
            ("u2", "b", "view", "web", 10 * DAY),  # 1
            ("u3", "b", "purchase", "email", 0),  # 5 x 0.5 x 0.5 (one half-life) = 1.25
            ("u3", "a", "return", "email", 10 * DAY),  # negative: ignored
        ]
    )
    items = IdMap(np.array(["a", "b", "c"]))
    pop = channel_popularity(log, items, CONFIG, cutoff=10 * DAY)
    assert pop.channels == ["all", "email", "web"]
    assert pop.popularity[0].tolist() == pytest.approx([1.0, 2.25 / 5, 0.0])
    assert pop.popularity[1].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert pop.popularity[2].tolist() == pytest.approx([1.0, 0.2, 0.0])
    assert pop.channels_mask.tolist() == [[True, True, True], [True, True, True], [True, False, False]]
