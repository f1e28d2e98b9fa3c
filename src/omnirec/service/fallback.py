"""The answer when the feature store is down: popular in the channel, from the last loaded model in memory.

No store call is made: the Catalog the model cache holds has popularity per channel and the channel
mask, which is all this needs. Customer state, neighbour lists and stock are unknown during an outage,
so the list is the same for everyone; the response says so (strategy and source 'popular', degraded).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from omnirec.scoring import Catalog, RankedItem
from omnirec.scoring.search import top_indices

DEGRADED_STRATEGY = "popular"


def popular_fallback(
    catalog: Catalog,
    k: int,
    channel: str | None = None,
    category: str | None = None,
    exclude: Iterable[str] = (),
) -> list[RankedItem]:
    """Top-k popular items sold in `channel` (and in `category` when given), minus `exclude` item ids."""
    row = catalog.channel_row(channel)
    popularity = catalog.popularity[row].astype(np.float64)
    allowed = catalog.channel_mask[:, row].copy()
    if category:
        allowed &= catalog.category_mask(category)
    excluded = catalog.indices_of([i for i in exclude if i in catalog.index])
    if excluded:
        allowed[excluded] = False
    chosen = top_indices(np.where(allowed, popularity, -np.inf), k)
    return [RankedItem(i, str(catalog.item_ids[i]), round(float(popularity[i]), 6), "popular") for i in chosen.tolist()]
