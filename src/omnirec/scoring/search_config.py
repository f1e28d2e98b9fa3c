"""SearchConfig: when and how top-n search uses HNSW; one value read by train, export and serve alike."""

from __future__ import annotations

import msgspec

# Catalogues from this size use HNSW. At 100k items x 64 dims one exact scan (GEMV) costs 1.4-2.7 ms on
# the 2-core build box and an HNSW query 0.14-0.6 ms, with recall@100 0.96 on a trained instacart model
# (benchmarks/RESULTS.md, "Serving / Round 2"): a worker cannot serve 500 req/s with a 10 ms p99 while scanning.
DEFAULT_ANN_THRESHOLD = 50_000


class SearchConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Exact search below `ann_threshold` items, HNSW at or above it, built with these parameters.

    Built once from Settings (`Settings.search`, OMNIREC_ANN_* variables) and passed explicitly to every
    `Catalog.from_bundle` / `Catalog.from_arrays`: the trainer, `omnirec export` and the service must rank
    with the same search, or the same customer gets different lists. One build thread and `seed` make
    the index, and so every answer, the same on every machine.
    """

    ann_threshold: int = DEFAULT_ANN_THRESHOLD  # catalogues at least this large use HNSW
    ef: int = 200  # ef_construction, and the least ef of a query (a query searches with max(ef, fetch))
    m: int = 16  # HNSW graph degree
    seed: int = 7  # hnswlib's random_seed for the level assignment

    def __post_init__(self) -> None:
        if self.ann_threshold < 1:
            raise ValueError(f"ann_threshold {self.ann_threshold} must be at least 1 (item count)")
        if not 1 <= self.ef <= 100_000:
            raise ValueError(f"ann ef {self.ef} must be between 1 and 100000")
        if not 2 <= self.m <= 256:
            raise ValueError(f"ann m {self.m} must be between 2 and 256")
        if self.seed < 0:
            raise ValueError(f"ann seed {self.seed} must not be negative")


DEFAULT_SEARCH = SearchConfig()
