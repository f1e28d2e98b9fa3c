"""How repeatable each item is: smoothed share of buyers who bought it again, and the typical gap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.columns import PURCHASE_EVENTS
from omnirec.data.event_log import EventLog
from omnirec_train.interactions import SECONDS_PER_DAY, IdMap

# Pseudo-buyers of prior evidence: an item needs about this many buyers before its own rate dominates.
PRIOR_STRENGTH = 5.0


@dataclass(frozen=True)
class RepeatStats:
    repeat_rate: np.ndarray  # I float32 in [0, 1]
    interval_days: np.ndarray  # I float32, median days between repeat purchases, 0 when unknown
    buyers: np.ndarray  # I int64
    repeaters: np.ndarray  # I int64


def _smooth(hits: np.ndarray, trials: np.ndarray, prior: np.ndarray | float) -> np.ndarray:
    return (hits + PRIOR_STRENGTH * prior) / (trials + PRIOR_STRENGTH)


def repeat_stats(events: EventLog, items: IdMap, categories: np.ndarray) -> RepeatStats:
    """Per item: buyers, buyers with purchases at two or more distinct times, and their smoothed share.

    Smoothing is Bayesian toward the item's category rate, itself smoothed toward the global rate,
    so a rarely bought item inherits the habits of its aisle.
    """
    n_items = len(items)
    buy = np.isin(events.event_types, list(PURCHASE_EVENTS))
    item_idx = items.to_internal(events.item_ids[buy])
    ok = item_idx >= 0
    users = events.user_ids[buy][ok].astype(str)
    item_idx = item_idx[ok]
    times = events.timestamps[buy][ok]
    # Distinct (user, item, time) purchase occasions, sorted by user, item, time.
    _, user_idx = np.unique(users, return_inverse=True)
    occasions = np.unique(np.stack([user_idx, item_idx, times], axis=1), axis=0)
    buyers = np.zeros(n_items, dtype=np.int64)
    repeaters = np.zeros(n_items, dtype=np.int64)
    intervals = np.zeros(n_items, dtype=np.float32)
    if occasions.size:
        pair_keys, counts = np.unique(occasions[:, :2], axis=0, return_counts=True)
        np.add.at(buyers, pair_keys[:, 1], 1)
        np.add.at(repeaters, pair_keys[:, 1], (counts >= 2).astype(np.int64))
        same_pair = np.all(occasions[1:, :2] == occasions[:-1, :2], axis=1)
        gaps = (occasions[1:, 2] - occasions[:-1, 2])[same_pair] / SECONDS_PER_DAY
        gap_items = occasions[1:, 1][same_pair]
        if gaps.size:
            order = np.argsort(gap_items, kind="stable")
            gap_items, gaps = gap_items[order], gaps[order]
            uniq, starts = np.unique(gap_items, return_index=True)
            for item, chunk in zip(uniq, np.split(gaps, starts[1:]), strict=True):
                intervals[item] = np.median(chunk)
    total_b = buyers.sum()
    global_rate = repeaters.sum() / total_b if total_b else 0.0
    cats, cat_idx = np.unique(categories.astype(str), return_inverse=True)
    cat_b = np.bincount(cat_idx, weights=buyers, minlength=cats.size)
    cat_r = np.bincount(cat_idx, weights=repeaters, minlength=cats.size)
    cat_rate = _smooth(cat_r, cat_b, global_rate)
    rate = _smooth(repeaters.astype(np.float64), buyers.astype(np.float64), cat_rate[cat_idx])
    return RepeatStats(
        repeat_rate=np.clip(rate, 0.0, 1.0).astype(np.float32),
        interval_days=intervals,
        buyers=buyers,
        repeaters=repeaters,
    )
