"""A synthetic shop of steady favourites: every customer rebuys their own few items at their own, constant rates.

Buy-again by frequency is close to the best possible ranker here (what someone buys is what they always
buy, whatever they bought last week), so the shipped ranker must not trail the own-history baseline.

Usage: python benchmarks/steady_favourites.py --out /tmp/steady --customers 180 --seed 6
       OPENBLAS_NUM_THREADS=1 omnirec evaluate --data /tmp/steady
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

DAY = 86_400
START = 1_700_000_000


def write_steady_favourites(
    folder: Path, customers: int = 600, items: int = 1500, days: int = 180, seed: int = 5
) -> Path:
    """events.csv and items.csv of the shop; returns the folder."""
    rng = np.random.default_rng(seed)
    appeal = rng.pareto(1.2, size=items) + 0.05
    appeal /= appeal.sum()
    rows: list[tuple[str, str, str, int, str]] = []
    for c in range(customers):
        n_fav = int(rng.integers(6, 16))
        favourites = rng.choice(items, size=n_fav, replace=False, p=appeal)
        rates = rng.beta(1.2, 1.5, size=n_fav)  # chance that a visit includes each favourite
        gap = float(rng.uniform(4, 14))  # days between visits
        t = float(rng.uniform(0, gap))
        while t < days:
            when = START + int(t * DAY) + int(rng.integers(0, 3600))
            basket = favourites[rng.random(n_fav) < rates]
            extra = rng.choice(items, size=int(rng.integers(0, 3)), p=appeal)  # an occasional new item
            for item in {*basket.tolist(), *extra.tolist()}:
                rows.append((f"c{c}", f"i{item}", "purchase", when + int(rng.integers(0, 60)), "web"))
            t += max(1.0, rng.normal(gap, gap / 4))
    rows.sort(key=lambda r: r[3])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "events.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "event_type", "timestamp", "channel"])
        writer.writerows(rows)
    with (folder / "items.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "category"])
        writer.writerows((f"i{j}", f"aisle{j % 40}") for j in range(items))
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print(write_steady_favourites(args.out, customers=args.customers, seed=args.seed))
