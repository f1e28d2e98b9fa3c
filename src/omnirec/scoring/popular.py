"""The popular list: a channel's most popular allowed items as ranked items (outage answers and top-ups)."""

from __future__ import annotations

import numpy as np

from omnirec.scoring.catalog import Catalog
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.ranker import RankedItem


def popular_items(catalog: Catalog, channel: str | None, n: int, allowed: ItemFilter | np.ndarray) -> list[RankedItem]:
    """The n most popular allowed items sold in `channel`, best first, scored by their popularity there."""
    popularity = catalog.popularity[catalog.channel_row(channel)]
    return [
        RankedItem(i, str(catalog.item_ids[i]), round(float(popularity[i]), 6), "popular")
        for i in catalog.popular(channel, n, allowed).tolist()
    ]
