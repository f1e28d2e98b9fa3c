"""Known-answer tests of id maps and the weighted interaction matrix."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.data.event_log import EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.interactions import IdMap, build_interactions, event_weights

DAY = 86_400


def make_log(rows: list[tuple[str, str, str, str, int]]) -> EventLog:
    """rows of (user, item, event_type, channel, timestamp)."""
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    return EventLog(
        user_ids=np.array(cols[0], dtype=str),
        item_ids=np.array(cols[1], dtype=str),
        event_types=np.array(cols[2], dtype=str),
        channels=np.array(cols[3], dtype=str),
        timestamps=np.array(cols[4], dtype=np.int64),
        quantity=np.ones(n, dtype=np.float32),
        price=np.full(n, np.nan, dtype=np.float32),
        session_ids=np.full(n, "", dtype=str),
        store_ids=np.full(n, "", dtype=str),
        event_ids=np.full(n, "", dtype=str),
    )


CONFIG = TrainingConfig(
    event_weights={"view": 1.0, "purchase": 5.0, "return": -3.0},
    channel_weights={"web": 1.0, "email": 0.5},
    half_life_days=10.0,
)


def test_id_map_sorted_and_unknown_is_minus_one() -> None:
    ids = IdMap(np.array(["b", "a", "c", "a"]))
    assert ids.external_ids.tolist() == ["a", "b", "c"]
    assert ids.to_internal(np.array(["c", "a", "zz"])).tolist() == [2, 0, -1]
    assert IdMap(np.array([], dtype=str)).to_internal(np.array(["a"])).tolist() == [-1]


def test_event_weight_is_type_times_channel_times_decay() -> None:
    log = make_log([("u", "i", "purchase", "email", 0), ("u", "i", "view", "web", 20 * DAY)])
    weights = event_weights(log, CONFIG, cutoff=20 * DAY)
    # purchase 5 x email 0.5 x two half-lives 0.25; the view is at the cut-off.
    assert weights.tolist() == pytest.approx([0.625, 1.0])


def test_unknown_type_weighs_zero_and_unknown_channel_one() -> None:
    log = make_log([("u", "i", "offer_shown", "web", 0), ("u", "i", "view", "kiosk", 0)])
    assert event_weights(log, CONFIG, cutoff=0).tolist() == [0.0, 1.0]


def test_matrix_sums_pairs_and_clips_negative_totals() -> None:
    log = make_log(
        [
            ("u1", "i1", "view", "web", 0),
            ("u1", "i1", "purchase", "web", 0),
            ("u2", "i1", "purchase", "web", 0),
            ("u2", "i1", "return", "web", 0),
            ("u2", "i2", "view", "web", 0),
            ("u2", "i2", "return", "web", 0),
        ]
    )
    users, items = IdMap(log.user_ids), IdMap(log.item_ids)
    matrix = build_interactions(log, users, items, CONFIG, cutoff=0).toarray()
    assert matrix.tolist() == [[6.0, 0.0], [2.0, 0.0]]
    assert matrix.dtype == np.float32
