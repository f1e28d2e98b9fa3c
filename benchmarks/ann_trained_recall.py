"""HNSW against exact search on a TRAINED bundle (ann_benchmark.py uses synthetic vectors).

Prints, over the bundle's first --users users: recall@n of HNSW's top n (the ranker asks for 100 model
candidates) against the exact top n of their trained vectors, the query times of both, and how much of
the ranker's final top-10 list (rank_for_user, the list a customer sees) is the same with either search.

    python benchmarks/ann_trained_recall.py models/<bundle> --n 100 --users 500
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from omnirec.bundle import load_bundle
from omnirec.scoring import Catalog, RankRequest, context_from_bundle, rank_for_user
from omnirec.scoring.search import ExactSearch, HnswSearch
from omnirec.scoring.search_config import SearchConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path, help="a bundle directory or a models folder (newest bundle)")
    parser.add_argument("--n", type=int, default=100, help="top-n compared (the ranker asks for 100)")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--ef", type=int, default=200)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    vectors, biases = bundle["item_vectors"], bundle["item_biases"]
    exact, hnsw = ExactSearch(vectors, biases), HnswSearch(vectors, biases, SearchConfig(ef=args.ef))
    users = bundle["user_vectors"][: args.users]
    recalls, timings = [], {"exact": 0.0, "hnsw": 0.0}
    for user in users:
        started = time.perf_counter()
        truth = set(exact.top(user, args.n, None).tolist())
        middle = time.perf_counter()
        found = set(hnsw.top(user, args.n, None).tolist())
        timings["exact"] += middle - started
        timings["hnsw"] += time.perf_counter() - middle
        recalls.append(len(truth & found) / len(truth))
    print(
        f"{bundle.n_items} items x {bundle.manifest.dim} dims, {len(recalls)} users, ef={args.ef}: "
        f"HNSW recall@{args.n} vs exact = {np.mean(recalls):.3f}; "
        f"query {timings['hnsw'] / len(users) * 1000:.3f} ms (exact {timings['exact'] / len(users) * 1000:.3f} ms)"
    )
    exact_catalog = Catalog.from_bundle(bundle, search=SearchConfig(ann_threshold=bundle.n_items + 1))
    hnsw_catalog = dataclasses.replace(exact_catalog, search=hnsw)
    request = RankRequest(now=int(time.time()), k=10)
    same_items, same_lists = [], 0
    for user in range(len(users)):
        ctx = context_from_bundle(exact_catalog, bundle, user)
        want = [i.item_id for i in rank_for_user(exact_catalog, ctx, request).items]
        got = [i.item_id for i in rank_for_user(hnsw_catalog, ctx, request).items]
        same_items.append(len(set(want) & set(got)) / max(len(want), 1))
        same_lists += want == got
    print(
        f"ranker top-10 with HNSW vs exact: {np.mean(same_items):.3f} of the items shared, "
        f"{same_lists / len(users):.3f} of the lists identical"
    )


if __name__ == "__main__":
    main()
