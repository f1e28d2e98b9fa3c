"""The one popular list: Catalog.popular over a filter or a mask, popular_items, and the outage answer built on it."""

from __future__ import annotations

import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.scoring import Catalog
from omnirec.scoring.popular import popular_items
from omnirec.scoring.search import top_indices
from omnirec.service.fallback import popular_fallback


def catalog_with_ties(seed: int) -> Catalog:
    bundle = make_bundle(n_items=300, n_users=3, seed=seed)
    rng = np.random.default_rng(seed)
    bundle.arrays["popularity"][:] = np.round(rng.random(bundle.arrays["popularity"].shape), 1).astype(np.float32)
    return Catalog.from_bundle(bundle)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("channel", [None, "web", "store"])
@pytest.mark.parametrize("share", [1.0, 0.5, 0.02])
def test_popular_over_a_mask_is_the_top_of_the_masked_channel_row(seed: int, channel: str | None, share: float) -> None:
    catalog = catalog_with_ties(seed)
    row = catalog.channel_row(channel)
    popularity, sold = catalog.popularity[row], catalog.channel_mask[:, row]
    mask = np.random.default_rng(seed + 7).random(catalog.n_items) < share  # may allow items not sold there
    for n in (1, 10, 300):
        want = top_indices(np.where(mask & sold, popularity, -np.inf), n)
        assert catalog.popular(channel, n, mask).tolist() == want.tolist()


def test_popular_items_are_ranked_items_scored_by_popularity_ties_by_lower_index() -> None:
    bundle = make_bundle(n_items=30, n_users=3, seed=0)
    bundle.arrays["popularity"][0, :] = 0.0
    bundle.arrays["popularity"][0, [5, 3, 9]] = [0.5, 0.9, 0.5]
    catalog = Catalog.from_bundle(bundle)
    items = popular_items(catalog, None, 3, np.ones(catalog.n_items, dtype=bool))
    assert [(i.index, i.item_id, i.score, i.source) for i in items] == [
        (3, "i3", 0.9, "popular"),
        (5, "i5", 0.5, "popular"),
        (9, "i9", 0.5, "popular"),
    ]


def test_the_outage_answer_is_the_popular_list_of_the_requests_filter() -> None:
    catalog = catalog_with_ties(1)
    got = popular_fallback(catalog, 8, channel="app", category="cat3", exclude=["i3", "not-an-item"])
    allowed = catalog.item_filter("app", "cat3", [catalog.index["i3"]])
    assert [i.index for i in got] == catalog.popular("app", 8, allowed).tolist()
    assert got and "i3" not in [i.item_id for i in got]
