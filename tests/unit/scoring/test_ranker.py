"""Known-answer tests of the shared ranker on a five-item catalogue."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.bundle.format import RankerParams
from omnirec.scoring import Catalog, RankRequest, build_context, compute_components, rank_for_user
from omnirec.scoring.history_features import HISTORY_FEATURES
from omnirec.scoring.ranker import FEATURES, purchase_exclusion_rate
from omnirec.store.records import HistoryEntry
from tiny_data import tiny_manifest

NOW = 1_700_000_000
DAY = 86_400
ITEMS = ["sofa", "catfood", "drill", "bits", "lamp"]


def make_catalog(**params: object) -> tuple[Catalog, dict[str, np.ndarray]]:
    arrays = {
        "item_ids": np.array(ITEMS),
        "item_vectors": np.array([[1, 0], [0, 1], [1, 1], [0.5, 0.5], [-1, 0]], dtype=np.float32),
        "item_biases": np.zeros(5, dtype=np.float32),
        "item_has_interactions": np.ones(5, dtype=bool),
        "item_categories": np.array(["home/sofa", "pets/cat/food", "diy/tools", "diy/tools/bits", "home/light"]),
        "item_channels_mask": np.array([[1, 1, 1]] * 4 + [[1, 1, 0]], dtype=bool),  # lamp not in store
        "channels": np.array(["all", "web", "store"]),
        "popularity": np.array(
            [[0.2, 0.9, 0.5, 0.3, 1.0], [0.2, 0.9, 0.5, 0.3, 1.0], [0.1, 1.0, 0.4, 0.3, 0.0]], dtype=np.float32
        ),
        "repeat_rate": np.array([0.0, 0.8, 0.01, 0.3, 0.0], dtype=np.float32),
        "repeat_interval_days": np.array([0, 14, 0, 60, 0], dtype=np.float32),
        "user_feature_names": np.array(["segment=pet", "segment=diy"]),
        "user_feature_vectors": np.array([[0, 1], [1, 1]], dtype=np.float32),
        "cooc_indices": np.array([[-1, -1], [-1, -1], [3, -1], [2, -1], [-1, -1]], dtype=np.int32),
        "cooc_scores": np.array([[0, 0], [0, 0], [1.0, 0], [1.0, 0], [0, 0]], dtype=np.float32),
    }
    manifest = tiny_manifest(2, ranker=RankerParams(**params))  # type: ignore[arg-type]
    return Catalog.from_arrays(manifest, arrays), arrays


def ids(ranking: object) -> list[str]:
    return [item.item_id for item in ranking.items]  # type: ignore[attr-defined]


def test_cold_customer_gets_channel_popularity() -> None:
    catalog, _ = make_catalog(w_model=0.0, w_popularity=1.0)
    ctx = build_context(catalog, user_vector=None, history=())
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=3, channel="store"))
    assert ranking.strategy == "popular"
    assert ids(ranking) == ["catfood", "drill", "bits"]  # lamp is not sold in store
    assert {item.source for item in ranking.items} == {"popular"}


def test_durable_purchase_is_excluded_but_consumable_is_bought_again() -> None:
    catalog, _ = make_catalog(w_model=0.1, w_history=1.0, repeat_threshold=0.1)
    history = [
        HistoryEntry("sofa", "purchase", NOW - 5 * DAY, "store"),
        HistoryEntry("catfood", "purchase", NOW - 20 * DAY, "web"),
    ]
    ctx = build_context(catalog, user_vector=np.array([1.0, 0.0], dtype=np.float32), history=history)
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=5), with_reasons=True)
    assert "sofa" not in ids(ranking)
    assert ranking.items[0].item_id == "catfood"
    assert ranking.items[0].source == "buy_again"
    assert ranking.items[0].reason is not None and "bought it online" in ranking.items[0].reason
    everything = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=5, exclude="none"))
    assert "sofa" in ids(everything)


def test_session_events_drive_bought_together() -> None:
    catalog, _ = make_catalog(w_model=0.0, w_cooccurrence=1.0, w_popularity=0.01)
    live = [HistoryEntry("drill", "view", NOW - 60, "tablet")]
    ctx = build_context(catalog, user_vector=None, history=(), live_events=live)
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=2, exclude="seen"), with_reasons=True)
    assert ranking.strategy == "session"
    assert ranking.items[0].item_id == "bits"
    assert ranking.items[0].source == "bought_together"
    assert "drill" in (ranking.items[0].reason or "") and "store tablet" in (ranking.items[0].reason or "")
    assert "drill" not in ids(ranking)


def test_model_affinity_orders_items_for_a_known_user() -> None:
    catalog, _ = make_catalog(w_model=1.0)
    ctx = build_context(catalog, user_vector=np.array([1.0, 0.0], dtype=np.float32), history=())
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=5))
    # scores u.v: sofa 1, drill 1, bits .5, catfood 0, lamp -1; ties broken by lower index
    assert ids(ranking) == ["sofa", "drill", "bits", "catfood", "lamp"]
    assert ranking.items[0].source == "personalized"
    assert ranking.items[0].score == pytest.approx(1.0)


def test_features_build_a_cold_start_vector() -> None:
    catalog, _ = make_catalog(w_model=1.0)
    ctx = build_context(catalog, user_vector=None, history=(), features={"segment": "pet"})
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=1))
    assert ranking.strategy == "segment"
    assert ids(ranking) == ["catfood"]


def test_category_filter_matches_the_subtree() -> None:
    catalog, _ = make_catalog(w_popularity=1.0, w_model=0.0)
    ctx = build_context(catalog, user_vector=None, history=())
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=5, category="diy"))
    assert ids(ranking) == ["drill", "bits"]


def test_unknown_exclude_mode_is_refused() -> None:
    catalog, _ = make_catalog()
    ctx = build_context(catalog, user_vector=None, history=())
    with pytest.raises(ValueError, match="exclude"):
        rank_for_user(catalog, ctx, RankRequest(now=NOW, exclude="everything"))


def test_history_features_known_answer() -> None:
    # Three baskets (hours apart): catfood in all three, bits in the oldest only, lamp viewed once.
    events = [
        HistoryEntry("catfood", "purchase", NOW - 1 * DAY, "web"),
        HistoryEntry("lamp", "view", NOW - 1 * DAY, "web"),
        HistoryEntry("catfood", "purchase", NOW - 15 * DAY, "web"),
        HistoryEntry("catfood", "purchase", NOW - 29 * DAY, "store"),
        HistoryEntry("catfood", "purchase", NOW - 29 * DAY, "store"),  # a second line in the same basket counts once
        HistoryEntry("bits", "purchase", NOW - 29 * DAY, "store"),
    ]
    catalog, _ = make_catalog()
    ctx = build_context(catalog, user_vector=None, history=events)
    comp = compute_components(catalog, ctx, RankRequest(now=NOW, exclude="none"))
    columns = [FEATURES.index(name) for name in HISTORY_FEATURES]
    row = {
        ITEMS[i]: dict(zip(HISTORY_FEATURES, comp.matrix[p, columns], strict=True))
        for p, i in enumerate(comp.candidates)
    }
    assert [row[i]["log_count"] for i in ("catfood", "bits", "lamp")] == pytest.approx(np.log([4, 2, 1]))
    cat, bits, lamp = row["catfood"], row["bits"], row["lamp"]
    assert cat["frequency"] == pytest.approx(1.0) and bits["frequency"] == pytest.approx(1 / 3)
    assert cat["log_count"] == pytest.approx(np.log(4))
    # basket weights halve every 3 baskets: newest 1, then 0.5 ** (1 / 3), oldest (bits) 0.5 ** (2 / 3)
    assert bits["basket_recency"] == pytest.approx(0.5 ** (2 / 3) / (1 + 0.5 ** (1 / 3) + 0.5 ** (2 / 3)))
    assert cat["recency_short"] == pytest.approx(1.0) and bits["recency_short"] == pytest.approx(0.25)
    assert bits["recency_long"] == pytest.approx(0.5 ** (28 / 90))
    assert cat["due"] == pytest.approx(np.exp(-0.5 * np.log(1 / 14) ** 2))  # 1 day of a 14-day interval
    assert bits["due"] == pytest.approx(np.exp(-0.5 * np.log(29 / 60) ** 2))
    assert bits["item_repeat_rate"] == pytest.approx(0.3)
    assert bits["personal_repeat"] == pytest.approx(0.3)  # bought once: the global rate is all we know
    assert cat["personal_repeat"] == pytest.approx((2 + 2 * 0.8) / 4)
    assert lamp["bought"] == 0.0 and lamp["interest"] == pytest.approx(1.0) and cat["bought"] == 1.0


def test_a_customers_own_repeats_beat_a_low_global_repeat_rate() -> None:
    # drill rarely gets bought again (1 %), but this customer bought it in two baskets: keep it.
    catalog, _ = make_catalog(w_model=0.0, w_popularity=1.0, repeat_threshold=0.1)
    history = [
        HistoryEntry("drill", "purchase", NOW - DAY, "web"),
        HistoryEntry("drill", "purchase", NOW - 9 * DAY, "web"),
    ]
    history.append(HistoryEntry("sofa", "purchase", NOW - 2 * DAY, "web"))
    ctx = build_context(catalog, user_vector=None, history=history)
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=5))
    assert "drill" in ids(ranking) and "sofa" not in ids(ranking)


def test_learned_weights_rank_by_named_features_and_keep_sources() -> None:
    catalog, _ = make_catalog(
        feature_names=("frequency", "popularity"),  # type: ignore[arg-type]
        feature_weights=(2.0, 0.1),  # type: ignore[arg-type]
        repeat_threshold=0.0,
    )
    history = [
        HistoryEntry("bits", "purchase", NOW - DAY, "web"),
        HistoryEntry("bits", "purchase", NOW - 5 * DAY, "web"),
    ]
    history.append(HistoryEntry("sofa", "purchase", NOW - 3 * DAY, "web"))
    ctx = build_context(catalog, user_vector=None, history=history)
    ranking = rank_for_user(catalog, ctx, RankRequest(now=NOW, k=3), with_reasons=True)
    # frequency: bits 2/3, sofa 1/3; then popularity: lamp 1.0
    assert ids(ranking) == ["bits", "sofa", "lamp"]
    assert [item.source for item in ranking.items] == ["buy_again", "buy_again", "popular"]
    assert ranking.items[0].score == pytest.approx(2 * 2 / 3 + 0.1 * 0.3, abs=1e-6)
    assert "(2x)" in (ranking.items[0].reason or "")


def test_unknown_or_mismatched_features_are_refused() -> None:
    catalog, _ = make_catalog(feature_names=("telepathy",), feature_weights=(1.0,))  # type: ignore[arg-type]
    ctx = build_context(catalog, user_vector=None, history=())
    with pytest.raises(ValueError, match="telepathy"):
        rank_for_user(catalog, ctx, RankRequest(now=NOW))
    with pytest.raises(ValueError, match="same length"):
        RankerParams(feature_names=("model",), feature_weights=())


def test_purchased_exclusion_only_removes_items_after_scoring() -> None:
    catalog, _ = make_catalog(w_model=1.0, w_history=1.0, w_cooccurrence=0.5, repeat_threshold=0.5)
    history = [HistoryEntry("sofa", "purchase", NOW - DAY, "web"), HistoryEntry("drill", "view", NOW - 2 * DAY, "web")]
    history.append(HistoryEntry("bits", "purchase", NOW - 3 * DAY, "web"))
    ctx = build_context(catalog, user_vector=np.array([1.0, 0.2], dtype=np.float32), history=history)
    full = compute_components(catalog, ctx, RankRequest(now=NOW, exclude="none"))
    kept = compute_components(catalog, ctx, RankRequest(now=NOW))
    dropped = purchase_exclusion_rate(catalog, ctx, full.candidates) < 0.5
    assert sorted(catalog.item_ids[full.candidates[dropped]].tolist()) == ["bits", "sofa"]
    assert kept.candidates.tolist() == full.candidates[~dropped].tolist()
    np.testing.assert_allclose(kept.matrix, full.matrix[~dropped])
    assert full.matrix.shape[1] == len(FEATURES)
