"""The answer when the feature store is down: popular in the channel, from the last loaded model in memory.

No store call is made: the Catalog the model cache holds has popularity per channel and the channel
mask, which is all this needs. Customer state, neighbour lists and stock are unknown during an outage,
so the list is the same for everyone; the response says so (strategy and source 'popular', degraded).
"""

from __future__ import annotations

from collections.abc import Iterable

from omnirec.scoring import Catalog, RankedItem
from omnirec.scoring.popular import popular_items


def popular_fallback(
    catalog: Catalog,
    k: int,
    channel: str | None = None,
    category: str | None = None,
    exclude: Iterable[str] = (),
) -> list[RankedItem]:
    """Top-k popular items sold in `channel` (and in `category` when given), minus `exclude` item ids."""
    allowed = catalog.item_filter(channel, category or None, catalog.indices_of(list(exclude)))
    return popular_items(catalog, channel, k, allowed)
