"""Personal repeat-purchase features: their names, constants and shared formulas (computed in candidates.py).

Baskets are the customer's purchases in the same hour (as the trainer's co-occurrence counts them), so a
frequency is "share of this customer's baskets that held the item", comparable across shops whatever
their basket size or visit rhythm. The item's global repeat rate only enters as a prior (`personal_repeat`)
and as its own feature; a customer's own repeats always count for more.
"""

from __future__ import annotations

import numpy as np

from omnirec.columns import PURCHASE_EVENTS

HISTORY_FEATURES = (
    "bought",  # 1 when the customer bought the item
    "frequency",  # baskets with the item / the customer's baskets
    "log_count",  # log(1 + baskets with the item)
    "basket_recency",  # share of the most recent baskets holding it, halving every BASKET_HALF_LIFE baskets
    "recency_short",  # 0.5 ** (days between the last purchase of it and the customer's newest event / 14)
    "recency_long",  # the same with a 90-day half-life
    "due",  # closeness of the time since the last purchase to the item's typical repeat interval
    "item_repeat_rate",  # the item's global repeat rate, for items the customer bought
    "personal_repeat",  # the customer's repeat share of the item, shrunk toward the global repeat rate
    "interest",  # decayed views / carts / wishlists of the item, scaled to the customer's maximum
)
BASKET_SECONDS = 3600
BASKET_KEY_SPAN = 1 << 31  # baskets of one customer span fewer hours than this (245,000 years)
BASKET_HALF_LIFE = 3.0
SHORT_DAYS, LONG_DAYS = 14.0, 90.0
PRIOR_OCCASIONS = 2.0  # pseudo-repeats of the global repeat rate in personal_repeat
SECONDS_PER_DAY = 86_400.0


def purchase_occasions(items: np.ndarray, times: np.ndarray, types: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(items ascending, number of distinct baskets in which the customer bought each) over purchases."""
    is_purchase = np.fromiter((t in PURCHASE_EVENTS for t in types), dtype=bool, count=len(types))
    if not is_purchase.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # One int64 key per (item, basket): a 1-D unique is several times faster than np.unique(axis=1).
    baskets = times[is_purchase].astype(np.int64) // BASKET_SECONDS
    keys = np.unique(items[is_purchase].astype(np.int64) * BASKET_KEY_SPAN + (baskets - baskets.min()))
    bought, counts = np.unique(keys // BASKET_KEY_SPAN, return_counts=True)
    return bought.astype(np.int64), counts.astype(np.int64)


def due(days_since: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """1 when exactly one typical interval has passed, falling off on a log scale (half an interval: 0.79)."""
    known = (interval > 0) & (days_since > 0)
    ratio = np.where(known, days_since / np.where(interval > 0, interval, 1.0), 1.0)
    return np.where(known, np.exp(-0.5 * np.log(ratio) ** 2), 0.0)
