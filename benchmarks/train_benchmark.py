"""Training throughput on synthetic data: interactions/s of matrix building and LightFM epochs, peak memory.

Usage: python benchmarks/train_benchmark.py --events 1000000 --epochs 3
       python benchmarks/train_benchmark.py --events 10000000 --epochs 1
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from omnirec.data.event_log import EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.features import build_features
from omnirec_train.hybrid_model import fit_model, representations
from omnirec_train.interactions import IdMap, build_interactions
from omnirec_train.neighbours import similar_items


def synthetic_log(n_events: int, seed: int = 0) -> EventLog:
    """Zipf-popular items, power-law active users, one year of events, mostly views."""
    rng = np.random.default_rng(seed)
    n_users = max(1000, n_events // 20)
    n_items = max(500, min(100_000, n_events // 200))
    users = np.minimum(rng.zipf(1.3, n_events), n_users) - 1
    items = (rng.zipf(1.2, n_events) * 7919 + rng.integers(0, 50, n_events)) % n_items
    types = rng.choice(np.array(["view", "add_to_cart", "purchase"]), n_events, p=[0.8, 0.12, 0.08])
    channels = rng.choice(np.array(["web", "app", "store"]), n_events, p=[0.5, 0.3, 0.2])
    ts = np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 365 * 86_400, n_events))
    return EventLog(
        user_ids=np.char.add("u", users.astype(str)),
        item_ids=np.char.add("i", items.astype(str)),
        event_types=types,
        timestamps=ts.astype(np.int64),
        channels=channels,
        quantity=np.ones(n_events, dtype=np.float32),
        price=np.full(n_events, np.nan, dtype=np.float32),
        session_ids=np.full(n_events, "", dtype="<U1"),
        store_ids=np.full(n_events, "", dtype="<U1"),
        event_ids=np.full(n_events, "", dtype="<U1"),
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    config = TrainingConfig(epochs=args.epochs, no_components=args.dims, threads=args.threads)

    t0 = time.perf_counter()
    log = synthetic_log(args.events)
    t1 = time.perf_counter()
    users, items = IdMap(log.user_ids), IdMap(log.item_ids)
    matrix = build_interactions(log, users, items, config)
    user_f = build_features(users, None, config.numeric_buckets, config.max_feature_values)
    item_f = build_features(items, None, config.numeric_buckets, config.max_feature_values)
    t2 = time.perf_counter()
    model = fit_model(matrix, user_f, item_f, config)
    t3 = time.perf_counter()
    reps = representations(model, matrix, user_f, item_f)
    similar_items(reps.item_vectors, config.similar_k)
    t4 = time.perf_counter()
    fit_s = t3 - t2
    print(f"events              {args.events:,}  (users {len(users):,}, items {len(items):,})")
    print(f"unique pairs (nnz)  {matrix.nnz:,}")
    print(f"synthesise          {t1 - t0:8.1f} s")
    print(f"interaction matrix  {t2 - t1:8.1f} s   {args.events / (t2 - t1):,.0f} events/s")
    print(f"lightfm fit         {fit_s:8.1f} s   {args.epochs} epochs, dims {args.dims}, threads {args.threads}")
    print(f"  per epoch         {fit_s / args.epochs:8.1f} s   {matrix.nnz * args.epochs / fit_s:,.0f} interactions/s")
    print(f"representations+sim {t4 - t3:8.1f} s")
    print(f"peak RSS            {peak_rss_mb():8.0f} MB")


if __name__ == "__main__":
    main()
