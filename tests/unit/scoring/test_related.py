"""Known-answer tests of similar items and basket complements on a six-item catalogue."""

from __future__ import annotations

import numpy as np

from omnirec.scoring import Catalog
from omnirec.scoring.related import basket_complements, similar_items, substitutes
from tiny_data import tiny_manifest

ITEMS = ["drill", "drill_pro", "bits", "gloves", "sofa", "catfood"]


def make_catalog() -> Catalog:
    arrays = {
        "item_ids": np.array(ITEMS),
        # drill_pro is nearly the same vector as drill (a substitute); bits/gloves are related but different
        "item_vectors": np.array(
            [[1, 0, 0], [0.99, 0.05, 0], [0.6, 0.8, 0], [0.5, 0.5, 0.7], [0, 0, 1], [0, 1, 0]], "f4"
        ),
        "item_biases": np.zeros(6, dtype=np.float32),
        "item_has_interactions": np.ones(6, dtype=bool),
        "item_categories": np.array(["diy/drills", "diy/drills", "diy/bits", "diy/safety", "home/sofa", "pets/food"]),
        "item_channels_mask": np.array([[1, 1, 1]] * 5 + [[1, 1, 0]], dtype=bool),  # catfood not in store
        "channels": np.array(["all", "web", "store"]),
        "popularity": np.array([[0.5, 0.4, 0.3, 0.2, 0.9, 1.0]] * 3, dtype=np.float32),
        "repeat_rate": np.zeros(6, dtype=np.float32),
        "repeat_interval_days": np.zeros(6, dtype=np.float32),
        "user_feature_names": np.array(["segment=diy"]),
        "user_feature_vectors": np.array([[1, 0, 0]], dtype=np.float32),
    }
    return Catalog.from_arrays(tiny_manifest(3), arrays)


def ids(items: list) -> list[str]:  # type: ignore[type-arg]
    return [item.item_id for item in items]


def everything(catalog: Catalog) -> np.ndarray:
    return np.ones(catalog.n_items, dtype=bool)


def pair(indices: list[int], scores: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(indices, dtype=np.int64), np.array(scores, dtype=np.float32)


def test_similar_uses_the_stored_list_best_first_without_the_item_itself() -> None:
    catalog = make_catalog()
    result = similar_items(catalog, 0, pair([1, 2, 3], [0.99, 0.6, 0.5]), everything(catalog), k=2)
    assert ids(result) == ["drill_pro", "bits"]
    assert {r.source for r in result} == {"similar"}
    assert result[0].reason == "similar to drill"


def test_similar_falls_back_to_vector_search_and_fills_with_popular() -> None:
    catalog = make_catalog()
    result = similar_items(catalog, 0, None, everything(catalog), k=6)
    assert "drill" not in ids(result)
    assert ids(result)[0] == "drill_pro"  # nearest by vector
    assert len(result) == 5  # every other item, never empty


def test_similar_respects_the_filters() -> None:
    catalog = make_catalog()
    allowed = catalog.channel_mask[:, catalog.channel_row("store")].copy()
    result = similar_items(catalog, 4, pair([5, 3], [0.9, 0.1]), allowed, k=3, channel="store")
    assert "catfood" not in ids(result)
    assert ids(result)[0] == "gloves"


def test_similar_personalised_reorders_by_affinity() -> None:
    catalog = make_catalog()
    neighbours = pair([2, 3], [0.51, 0.5])
    plain = similar_items(catalog, 0, neighbours, everything(catalog), k=2)
    personal = similar_items(
        catalog, 0, neighbours, everything(catalog), k=2, query=np.array([0, 0, 1], dtype=np.float32)
    )
    assert ids(plain) == ["bits", "gloves"]
    assert ids(personal) == ["gloves", "bits"]  # the customer likes the third dimension


def test_substitutes_are_same_leaf_category_or_near_identical() -> None:
    catalog = make_catalog()
    flags = substitutes(catalog, np.array([1, 2, 3, 4]), [0], threshold=0.9)
    assert flags.tolist() == [True, False, False, False]


def test_basket_complements_exclude_cart_and_substitutes() -> None:
    catalog = make_catalog()
    cooc = {0: pair([1, 2, 3], [1.0, 0.8, 0.3]), 3: pair([2, 0], [0.5, 0.9])}
    result = basket_complements(catalog, [0, 3], cooc, everything(catalog), k=2)
    # drill_pro is bought with drills but replaces one (same leaf category); bits gains from both anchors
    assert ids(result) == ["bits", "catfood"]
    assert result[0].source == "bought_together"
    assert result[0].reason == "often bought together with drill"
    assert result[1].source == "popular"


def test_basket_complements_without_cooccurrence_are_popular_non_substitutes() -> None:
    catalog = make_catalog()
    allowed = catalog.channel_mask[:, catalog.channel_row("store")].copy()
    result = basket_complements(catalog, [0], {}, allowed, k=3, channel="store")
    assert ids(result) == ["sofa", "bits", "gloves"]  # catfood not in store, drill_pro a substitute
