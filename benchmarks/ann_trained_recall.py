"""Recall of HNSW against exact top-n on a TRAINED bundle's own user vectors (ann_benchmark.py uses
synthetic ones). Prints recall@n averaged over the first --users users.

    python benchmarks/ann_trained_recall.py models/<bundle> --n 100 --users 500
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from omnirec.bundle import load_bundle
from omnirec.scoring.search import ExactSearch, HnswSearch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path, help="a bundle directory or a models folder (newest bundle)")
    parser.add_argument("--n", type=int, default=100, help="top-n compared (the ranker asks for 100)")
    parser.add_argument("--users", type=int, default=500)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    vectors, biases = bundle["item_vectors"], bundle["item_biases"]
    exact, hnsw = ExactSearch(vectors, biases), HnswSearch(vectors, biases)
    recalls = []
    for user in bundle["user_vectors"][: args.users]:
        truth = set(exact.top(user, args.n, None).tolist())
        found = set(hnsw.top(user, args.n, None).tolist())
        recalls.append(len(truth & found) / len(truth))
    print(
        f"{bundle.n_items} items x {bundle.manifest.dim} dims, {len(recalls)} users: "
        f"HNSW recall@{args.n} vs exact = {np.mean(recalls):.3f}"
    )


if __name__ == "__main__":
    main()
