"""Exact vs HNSW top-n search (omnirec.scoring.search): recall, query latency, build time.

    OPENBLAS_NUM_THREADS=1 /tmp/venv/bin/python benchmarks/ann_benchmark.py --sizes 100000,1000000

Vectors are random Gaussian with 16 latent clusters (closer to trained embeddings than iid noise),
64 dims, plus a bias, scored as in serving: vectors @ query + bias. Queries are asked as the ranker
asks them: the top 100 model candidates among the items sold in a channel (70 % of items, a few
blocked), and plain top 10 without a filter. Recall@n is the share of the exact top n that HNSW returns.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info

from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search import ExactSearch, HnswSearch


def make_vectors(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((16, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 16, n)] + 0.7 * rng.standard_normal((n, dim), dtype=np.float32)
    return vectors.astype(np.float32), (0.1 * rng.standard_normal(n)).astype(np.float32)


def run(n: int, dim: int, queries: int, threads: int) -> None:
    vectors, biases = make_vectors(n, dim)
    rng = np.random.default_rng(1)
    qs = vectors[rng.integers(0, n, queries)] + 0.3 * rng.standard_normal((queries, dim), dtype=np.float32)
    channel = rng.random(n) < 0.7
    exact = ExactSearch(vectors, biases)
    started = time.perf_counter()
    hnsw = HnswSearch(vectors, biases, threads=threads)
    build = time.perf_counter() - started
    for label, k, make_filter in (
        ("top10 no filter", 10, lambda: None),
        ("top100 channel 70% + 5 blocked", 100, lambda: ItemFilter.of(channel, 0.7, None, rng.integers(0, n, 5))),
    ):
        timings: dict[str, list[float]] = {"exact": [], "hnsw": []}
        recall = []
        for q in qs:
            allowed = make_filter()
            t0 = time.perf_counter()
            truth = exact.top(q, k, allowed)
            t1 = time.perf_counter()
            found = hnsw.top(q, k, allowed)
            t2 = time.perf_counter()
            timings["exact"].append(t1 - t0)
            timings["hnsw"].append(t2 - t1)
            recall.append(len(set(truth.tolist()) & set(found.tolist())) / k)
        ms = {key: np.array(v) * 1000 for key, v in timings.items()}
        print(
            f"n={n} dim={dim} {label}: recall@{k}={np.mean(recall):.3f} | "
            f"exact p50={np.percentile(ms['exact'], 50):.2f}ms p99={np.percentile(ms['exact'], 99):.2f}ms | "
            f"hnsw p50={np.percentile(ms['hnsw'], 50):.2f}ms p99={np.percentile(ms['hnsw'], 99):.2f}ms | "
            f"hnsw build {build:.1f}s ({threads} threads)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="HNSW build threads (the service builds with 1)")
    args = parser.parse_args()
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    print(f"BLAS: {blas}", flush=True)
    for size in args.sizes.split(","):
        run(int(size), args.dim, args.queries, args.threads)


if __name__ == "__main__":
    main()
