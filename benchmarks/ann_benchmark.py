"""Exact vs HNSW top-10 search (omnirec.scoring.search): recall@10, query latency, build time.

    OPENBLAS_NUM_THREADS=1 /tmp/venv/bin/python benchmarks/ann_benchmark.py --sizes 100000,1000000

Vectors are random Gaussian with 16 latent clusters (closer to trained embeddings than iid noise),
64 dims, plus a bias, scored as in serving: vectors @ query + bias.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from omnirec.scoring.search import ExactSearch, HnswSearch


def make_vectors(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((16, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 16, n)] + 0.7 * rng.standard_normal((n, dim), dtype=np.float32)
    return vectors.astype(np.float32), (0.1 * rng.standard_normal(n)).astype(np.float32)


def run(n: int, dim: int, queries: int) -> None:
    vectors, biases = make_vectors(n, dim)
    rng = np.random.default_rng(1)
    qs = vectors[rng.integers(0, n, queries)] + 0.3 * rng.standard_normal((queries, dim), dtype=np.float32)
    exact = ExactSearch(vectors, biases)
    started = time.perf_counter()
    hnsw = HnswSearch(vectors, biases)
    build = time.perf_counter() - started
    allowed = np.ones(n, dtype=bool)
    timings = {"exact": [], "hnsw": []}
    recall = []
    for q in qs:
        t0 = time.perf_counter()
        truth = exact.top(q, 10, allowed)
        t1 = time.perf_counter()
        found = hnsw.top(q, 10, allowed)
        t2 = time.perf_counter()
        timings["exact"].append(t1 - t0)
        timings["hnsw"].append(t2 - t1)
        recall.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    ms = {k: np.array(v) * 1000 for k, v in timings.items()}
    print(
        f"n={n} dim={dim}: recall@10={np.mean(recall):.3f} | exact p50={np.percentile(ms['exact'], 50):.2f}ms "
        f"p99={np.percentile(ms['exact'], 99):.2f}ms | hnsw p50={np.percentile(ms['hnsw'], 50):.2f}ms "
        f"p99={np.percentile(ms['hnsw'], 99):.2f}ms | hnsw build {build:.1f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        run(int(size), args.dim, args.queries)


if __name__ == "__main__":
    main()
