"""Catalog's precomputed per-channel popularity order gives the same candidates as masking the catalogue."""

from __future__ import annotations

import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.scoring import Catalog
from omnirec.scoring.search import top_indices


def catalog_with_ties(seed: int) -> Catalog:
    bundle = make_bundle(n_items=400, n_users=5, seed=seed)
    rng = np.random.default_rng(seed)
    popularity = bundle.arrays["popularity"]
    popularity[:] = np.round(rng.random(popularity.shape), 1).astype(np.float32)  # many ties
    popularity[:, rng.integers(0, 400, 150)] = 0.0
    return Catalog.from_bundle(bundle)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("channel", [None, "web", "store", "nowhere"])
@pytest.mark.parametrize("category", [None, "cat3"])
def test_popular_equals_top_indices_over_the_masked_row(seed: int, channel: str | None, category: str | None) -> None:
    catalog = catalog_with_ties(seed)
    popularity = catalog.popularity[catalog.channel_row(channel)]
    for blocked in ([], [0, 1, 2, 50, 399], list(range(0, 400, 3))):
        allowed = catalog.item_filter(channel, category, blocked)
        for n in (1, 10, 50, 400):
            want = top_indices(np.where(allowed.mask(), popularity, -np.inf), n)
            assert catalog.popular(channel, n, allowed).tolist() == want.tolist()


def test_item_filter_mask_is_channel_category_minus_blocked() -> None:
    catalog = catalog_with_ties(0)
    allowed = catalog.item_filter("web", "cat2", [2, 9])
    row = catalog.channel_row("web")
    want = catalog.channel_mask[:, row] & catalog.category_mask("cat2")
    want[[2, 9]] = False
    assert np.array_equal(allowed.mask(), want)
    assert catalog.item_filter(None).everything  # column 0 'all' sells everything
