"""The outage answer: popular in channel from the in-memory catalogue (the rate limit: test_rate_limit.py)."""

from __future__ import annotations

import numpy as np

from bundle_factory import make_bundle
from omnirec.scoring import Catalog
from omnirec.service.fallback import popular_fallback


def catalog() -> Catalog:
    return Catalog.from_bundle(make_bundle(n_items=30, n_users=4, seed=9))


def test_popular_fallback_ranks_by_channel_popularity_within_the_channel() -> None:
    cat = catalog()
    row = cat.channel_row("app")
    items = popular_fallback(cat, 5, channel="app")
    assert len(items) == 5 and all(i.source == "popular" for i in items)
    assert all(cat.channel_mask[i.index, row] for i in items)
    sold = np.flatnonzero(cat.channel_mask[:, row])
    best = sold[np.argsort(-cat.popularity[row, sold], kind="stable")][:5]
    assert [i.index for i in items] == best.tolist()


def test_popular_fallback_excludes_and_filters_category() -> None:
    cat = catalog()
    first = popular_fallback(cat, 3)
    again = popular_fallback(cat, 3, exclude=[first[0].item_id, "not-an-item"])
    assert first[0].item_id not in [i.item_id for i in again]
    in_cat = popular_fallback(cat, 30, category="cat3")
    assert in_cat and all(str(cat.categories[i.index]) == "cat3" for i in in_cat)
