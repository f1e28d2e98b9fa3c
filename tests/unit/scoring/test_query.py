"""Known answers of the one events -> query path (omnirec.scoring.query), shared by ranker, item lists and offers."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.bundle.format import BundleManifest, RankerParams
from omnirec.offers.affinity import AffinityModel
from omnirec.scoring import Catalog, RankRequest, build_context
from omnirec.scoring.candidates import build_candidates
from omnirec.scoring.query import customer_query, event_weights
from omnirec.store.records import CustomerEvent, HistoryEntry

NOW = 1_700_000_000
DAY = 86_400
HALF_LIFE = 10.0  # days


def tiny_catalog(**params: object) -> Catalog:
    """Three items on the axes of a 2-d space (the third at their diagonal); default event weights."""
    arrays = {
        "item_ids": np.array(["a", "b", "c"]),
        "item_vectors": np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32),
        "item_biases": np.zeros(3, dtype=np.float32),
        "item_has_interactions": np.ones(3, dtype=bool),
        "item_categories": np.array(["x", "y", "z"]),
        "item_channels_mask": np.ones((3, 1), dtype=bool),
        "channels": np.array(["all"]),
        "popularity": np.array([[0.3, 0.2, 0.1]], dtype=np.float32),
        "repeat_rate": np.zeros(3, dtype=np.float32),
        "repeat_interval_days": np.zeros(3, dtype=np.float32),
        "user_feature_names": np.array(["segment=s"]),
        "user_feature_vectors": np.array([[0, 2]], dtype=np.float32),
    }
    manifest = BundleManifest(
        version="v1",
        created_at="2026-01-01T00:00:00Z",
        data_fingerprint="x",
        data_source="tiny",
        settings={},
        ranker=RankerParams(history_half_life_days=HALF_LIFE, **params),  # type: ignore[arg-type]
        dim=2,
    )
    return Catalog.from_arrays(manifest, arrays)


def live(item: str, event_type: str, timestamp: int) -> CustomerEvent:
    return CustomerEvent(
        user_id="c",
        item_id=item,
        event_type=event_type,
        timestamp=timestamp,
        channel="web",
        event_id=f"{item}{timestamp}",
    )


def test_event_weights_are_type_weight_times_recency_anchored_at_each_customers_newest_event() -> None:
    catalog = tiny_catalog()
    # customer 0: a view now and a purchase one half-life earlier; customer 1: nothing;
    # customer 2: a cart event from the future (the anchor is capped at now) and a type the model does not weigh
    types = ["view", "purchase", "add_to_cart", "wink"]
    times = np.array([NOW, NOW - 10 * DAY, NOW + 5 * DAY, NOW - 20 * DAY], dtype=np.int64)
    w = event_weights(catalog, types, times, np.array([2, 0, 2]), NOW)
    assert w.customer.tolist() == [0, 0, 2, 2]
    assert w.starts.tolist() == [0, 2, 2, 4]
    assert w.anchor.tolist() == [NOW, 0, NOW]
    assert w.type_weight.tolist() == [1.0, 5.0, 3.0, 0.0]
    assert w.recency.tolist() == pytest.approx([1.0, 0.5, 1.0, 0.25])
    assert w.weights.tolist() == pytest.approx([1.0, 2.5, 3.0, 0.0])


def test_a_strangers_session_is_the_weighted_mean_of_their_recent_items() -> None:
    catalog = tiny_catalog()
    ctx = build_context(
        catalog, user_vector=None, live_events=[live("a", "view", NOW), live("b", "purchase", NOW - 10 * DAY)]
    )
    query, strategy = customer_query(catalog, ctx, NOW)
    assert strategy == "session"
    assert query is not None and query.tolist() == pytest.approx([1 / 3.5, 2.5 / 3.5])


def test_a_known_customers_vector_is_mixed_with_the_session_at_the_sessions_scale() -> None:
    catalog = tiny_catalog(session_mix=0.25)
    history = [HistoryEntry("b", "view", NOW - 10 * DAY, "web")]
    ctx = build_context(catalog, user_vector=np.array([3.0, 0.0], dtype=np.float32), history=history)
    query, strategy = customer_query(catalog, ctx, NOW)
    assert strategy == "personalized"
    # session = b = (0, 1); scaled to the user vector's norm 3, a quarter of it
    assert query is not None and query.tolist() == pytest.approx([0.75 * 3.0, 0.25 * 3.0])


def test_features_stand_in_for_a_missing_vector_and_nothing_at_all_is_popular() -> None:
    catalog = tiny_catalog(session_mix=0.0)
    segment = build_context(catalog, user_vector=None, features={"segment": "s"})
    assert customer_query(catalog, segment, NOW)[1] == "segment"
    assert customer_query(catalog, build_context(catalog, user_vector=None), NOW) == (None, "popular")


def test_the_ranker_and_offers_build_the_same_query() -> None:
    """The ranker's candidates (build_candidates) and offers' affinity go through customer_query's numbers."""
    catalog = tiny_catalog()
    ctx = build_context(
        catalog, user_vector=None, live_events=[live("a", "view", NOW), live("b", "purchase", NOW - 10 * DAY)]
    )
    query, strategy = customer_query(catalog, ctx, NOW)
    assert build_candidates(catalog, [ctx], RankRequest(now=NOW, k=2)).strategies == (strategy,)
    affinity = AffinityModel(catalog).query(ctx, NOW)
    assert affinity is not None and query is not None and affinity.tolist() == query.tolist()


def test_a_batch_of_one_weighs_exactly_as_the_same_customer_in_a_batch() -> None:
    catalog = tiny_catalog()
    rng = np.random.default_rng(3)
    counts = np.array([5, 0, 7, 1])
    types = [str(t) for t in rng.choice(["view", "purchase", "return", "wink"], size=int(counts.sum()))]
    times = NOW - rng.integers(0, 400 * DAY, size=int(counts.sum())).astype(np.int64)
    times[5] = NOW + 2 * DAY  # customer 2's newest event is in the future: anchored at now
    batch = event_weights(catalog, types, times, counts, NOW)
    for b, (start, end) in enumerate(zip(batch.starts[:-1].tolist(), batch.starts[1:].tolist(), strict=True)):
        alone = event_weights(catalog, types[start:end], times[start:end], counts[b : b + 1], NOW)
        assert alone.weights.tolist() == batch.weights[start:end].tolist()  # bit for bit
        assert alone.anchor.tolist() == [batch.anchor[b]]
        assert alone.customer.tolist() == [0] * (end - start) and alone.starts.tolist() == [0, end - start]
