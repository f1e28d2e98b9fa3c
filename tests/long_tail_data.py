"""A synthetic long-tail browse/cart/buy retailer (issue 14's shape): 60k items, most seen once, integer codes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

LONG_TAIL_ITEMS = 60_000
LONG_TAIL_WITH_EVENTS = 45_000  # the other 15k items are in items.csv only
LONG_TAIL_USERS = 6_000
START = 1_700_000_000  # events span 60 days from here
DAY = 86_400


def write_long_tail_folder(folder: Path, seed: int = 14) -> Path:
    """events.csv + items.csv: every event item seen once, a head of 1,500 items seen again and bought.

    items.csv has `category` as integer codes (400 of them, skewed) and a `price`; deterministic per seed.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    codes = rng.choice(np.arange(1000, 99_999), size=400, replace=False)
    weights = 1.0 / np.arange(1, 401)
    category = codes[rng.choice(400, size=LONG_TAIL_ITEMS, p=weights / weights.sum())]
    price = np.round(rng.lognormal(2.5, 0.8, LONG_TAIL_ITEMS), 2)
    with (folder / "items.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["item_id", "category", "price"])
        writer.writerows(zip([f"p{i}" for i in range(LONG_TAIL_ITEMS)], category.tolist(), price.tolist(), strict=True))
    seen = rng.permutation(LONG_TAIL_ITEMS)[:LONG_TAIL_WITH_EVENTS]
    head = seen[:1_500]
    repeat = head[np.minimum(rng.zipf(1.3, 25_000) - 1, head.shape[0] - 1)]  # the head, seen and bought again
    items = np.concatenate([seen, repeat])
    users = rng.integers(0, LONG_TAIL_USERS, items.shape[0])
    kinds = np.array(["view", "add_to_cart", "purchase"])
    tail_kind = rng.choice(3, seen.shape[0], p=[0.75, 0.15, 0.10])
    head_kind = rng.choice(3, repeat.shape[0], p=[0.45, 0.20, 0.35])
    types = kinds[np.concatenate([tail_kind, head_kind])]
    times = START + rng.integers(0, 60 * DAY, items.shape[0])
    channels = np.array(["web", "app"])[rng.integers(0, 2, items.shape[0])]
    order = np.argsort(times, kind="stable")
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "item_id", "event_type", "channel", "timestamp"])
        for i in order.tolist():
            writer.writerow([f"u{users[i]}", f"p{items[i]}", types[i], channels[i], int(times[i])])
    return folder
