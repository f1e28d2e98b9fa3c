"""Personal repeat-purchase evidence of one customer's history items: how often, how lately, how due.

Baskets are the customer's purchases in the same hour (as the trainer's co-occurrence counts them), so a
frequency is "share of this customer's baskets that held the item", comparable across shops whatever
their basket size or visit rhythm. The item's global repeat rate only enters as a prior (`personal_repeat`)
and as its own feature; a customer's own repeats always count for more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class HistoryFeatures:
    """Feature rows of the customer's history items (ascending indices), and their basket counts."""

    items: np.ndarray  # int64, ascending
    values: np.ndarray  # float64 (n_items, len(HISTORY_FEATURES))
    occasions: np.ndarray  # int64 distinct baskets holding each item (0 = never bought)


def history_features(
    items: np.ndarray,
    times: np.ndarray,
    types: tuple[str, ...],
    *,
    repeat_rate: np.ndarray,
    interval_days: np.ndarray,
    event_weights: Mapping[str, float],
    decay: np.ndarray,
    now: int,
) -> HistoryFeatures:
    """Features of every item in one customer's events (newest first); `decay` is each event's recency weight."""
    uniq, inverse = np.unique(items, return_inverse=True)
    n = uniq.shape[0]
    values = np.zeros((n, len(HISTORY_FEATURES)), dtype=np.float64)
    occasions = np.zeros(n, dtype=np.int64)
    if n == 0:
        return HistoryFeatures(uniq.astype(np.int64), values, occasions)
    col = {name: i for i, name in enumerate(HISTORY_FEATURES)}
    is_purchase = np.fromiter((t in PURCHASE_EVENTS for t in types), dtype=bool, count=len(types))
    weight = np.array([event_weights.get(t, 0.0) for t in types], dtype=np.float64)
    browse = np.where(~is_purchase & (weight > 0), weight * decay, 0.0)
    interest = np.bincount(inverse, weights=browse, minlength=n)
    if interest.max() > 0:
        values[:, col["interest"]] = interest / interest.max()
    if is_purchase.any():
        p_item, p_time = inverse[is_purchase], times[is_purchase]
        basket_ids, p_basket = np.unique(p_time // BASKET_SECONDS, return_inverse=True)  # oldest basket first
        n_baskets = basket_ids.shape[0]
        pairs = np.unique(p_item * n_baskets + p_basket)
        pair_item, pair_basket = pairs // n_baskets, pairs % n_baskets
        occasions = np.bincount(pair_item, minlength=n).astype(np.int64)
        recent_w = np.power(0.5, (n_baskets - 1 - pair_basket) / BASKET_HALF_LIFE)
        total_w = np.power(0.5, np.arange(n_baskets) / BASKET_HALF_LIFE).sum()
        last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, p_item, p_time)
        bought = occasions > 0
        anchor = min(int(times.max()), now)
        since_anchor = np.maximum(anchor - last[bought], 0) / SECONDS_PER_DAY
        since_now = np.maximum(now - last[bought], 0) / SECONDS_PER_DAY
        rate = repeat_rate[uniq[bought]].astype(np.float64)
        values[bought, col["bought"]] = 1.0
        values[:, col["frequency"]] = occasions / n_baskets
        values[:, col["log_count"]] = np.log1p(occasions)
        values[:, col["basket_recency"]] = np.bincount(pair_item, weights=recent_w, minlength=n) / total_w
        values[bought, col["recency_short"]] = np.power(0.5, since_anchor / SHORT_DAYS)
        values[bought, col["recency_long"]] = np.power(0.5, since_anchor / LONG_DAYS)
        values[bought, col["due"]] = due(since_now, interval_days[uniq[bought]].astype(np.float64))
        values[bought, col["item_repeat_rate"]] = rate
        repeats = occasions[bought] - 1.0
        values[bought, col["personal_repeat"]] = (repeats + PRIOR_OCCASIONS * rate) / (repeats + PRIOR_OCCASIONS)
    return HistoryFeatures(uniq.astype(np.int64), values, occasions)


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
