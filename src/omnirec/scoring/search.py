"""Top-n search over item vectors: exact (numpy) for small catalogues, HNSW (hnswlib) for large ones.

Scores are `vectors @ query + biases` (LightFM's prediction). HNSW indexes the bias as an extra
dimension so inner-product search ranks by exactly that score. In the service the HNSW index is built
in a background thread (`DeferredSearch`): a version serves with exact search until its index is ready.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Protocol

import numpy as np

from omnirec.scoring.distinct_rows import DistinctRows
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search_config import DEFAULT_ANN_THRESHOLD as DEFAULT_ANN_THRESHOLD  # re-exported
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig

log = logging.getLogger(__name__)
Allowed = ItemFilter | np.ndarray | None  # a filter, a whole boolean mask, or None for every item


class ItemSearch(Protocol):
    @property
    def kind(self) -> str:
        """What answers queries now: exact or hnsw."""

    def top(self, query: np.ndarray, n: int, allowed: Allowed) -> np.ndarray:
        """Indices of the n best-scoring allowed items, best first; fewer only when fewer are allowed."""


class ExactSearch:
    """Scores every item: exact; one pass over the vectors (memory-bound) plus one partition per query.

    A catalogue with duplicate rows is scored once per distinct row, so equal rows score exactly equal."""

    kind = "exact"

    def __init__(self, vectors: np.ndarray, biases: np.ndarray, distinct: DistinctRows | None = None) -> None:
        self.vectors = vectors
        self.biases = biases
        self.distinct = distinct if distinct is not None else DistinctRows.of(vectors, biases)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """`vectors @ query + biases` for every item (float32, a new array)."""
        q = query.astype(np.float32)
        if self.distinct.all_distinct:
            scores = self.vectors @ q
            scores += self.biases
            return scores
        per_row = self.distinct.vectors @ q
        per_row += self.distinct.biases
        return per_row[self.distinct.group]

    def top(self, query: np.ndarray, n: int, allowed: Allowed) -> np.ndarray:
        scores = self.scores(query)
        if allowed is None or (isinstance(allowed, ItemFilter) and allowed.everything):
            return top_indices(scores, n)
        if isinstance(allowed, ItemFilter):
            # The best items regardless of the filter, then the allowed ones among them, in order: the
            # same list as masking first whenever enough of them pass, which over-fetching makes usual.
            head = top_indices(scores, overfetch(n, allowed, scores.shape[0]))
            kept = head[allowed.allows(head)]
            if kept.shape[0] >= n or head.shape[0] == scores.shape[0]:
                return kept[:n]
            allowed = allowed.mask()
        scores[~allowed] = -np.inf
        return top_indices(scores, n)


class HnswSearch:
    """Approximate inner-product search over the distinct rows; exact search answers whatever it cannot.

    Never raises for a query: a fetch that covers every distinct row, an index that cannot return
    enough neighbours (hnswlib's "Cannot return the results in a contiguous 2D array") and a filter
    that leaves fewer than n of the fetched items all fall back to ExactSearch.
    """

    kind = "hnsw"

    def __init__(
        self,
        vectors: np.ndarray,
        biases: np.ndarray,
        config: SearchConfig = DEFAULT_SEARCH,
        threads: int = 1,
        distinct: DistinctRows | None = None,
    ) -> None:
        """Build the index. With one thread (the default) the same vectors give the same graph every time,
        so the service and `omnirec export` answer alike; more threads build faster but not reproducibly."""
        import hnswlib  # service dependency; imported lazily so small catalogues never build it

        self.config = config
        self.distinct = distinct if distinct is not None else DistinctRows.of(vectors, biases)
        self.exact = ExactSearch(vectors, biases, self.distinct)
        rows = self.distinct
        data = np.hstack([rows.vectors, rows.biases[:, None]]).astype(np.float32)
        self.index = hnswlib.Index(space="ip", dim=data.shape[1])
        self.index.init_index(
            max_elements=max(1, rows.n_groups), ef_construction=config.ef, M=config.m, random_seed=config.seed
        )
        if rows.n_groups:
            self.index.add_items(data, np.arange(rows.n_groups), num_threads=threads)
        # hnswlib searches with max(ef, k), and k is the request's fetch: ef always covers the request.
        self.index.set_ef(config.ef)
        self.index.set_num_threads(1)  # one query at a time per worker; workers scale across cores
        self._fallbacks = 0

    @property
    def fallbacks(self) -> int:
        """Queries that the index could not answer (hnswlib raised) and exact search did."""
        return self._fallbacks

    def top(self, query: np.ndarray, n: int, allowed: Allowed) -> np.ndarray:
        total = self.distinct.group.shape[0]
        if isinstance(allowed, ItemFilter):
            fetch = overfetch(n, allowed, total)
        else:
            fetch = max(n * 4, 64) if allowed is not None else n
        if n <= 0 or fetch >= total or fetch >= self.distinct.n_groups:
            return self.exact.top(query, n, allowed)  # every distinct row is wanted: a scan is exact and cheaper
        found = self._nearest(query, fetch)
        if found is None:
            return self.exact.top(query, n, allowed)
        if isinstance(allowed, ItemFilter):
            found = allowed.keep(found)
        elif allowed is not None:
            found = found[allowed[found]]
        if found.shape[0] < n:
            return self.exact.top(query, n, allowed)
        return found[:n]

    def _nearest(self, query: np.ndarray, fetch: int) -> np.ndarray | None:
        """At least `fetch` items of the best distinct rows the index finds, best first.

        hnswlib orders equal distances by label, and labels number the rows by first occurrence, so ties
        fall to the lower index as in exact search. None when hnswlib cannot return `fetch` rows (a graph
        split into islands by near-identical or collinear rows)."""
        try:
            labels, _ = self.index.knn_query(np.append(query, 1.0).astype(np.float32)[None, :], k=fetch)
        except RuntimeError as exc:
            self._fallbacks += 1
            if self._fallbacks == 1:  # once per index: a request path must not flood the log
                log.warning("HNSW query fell back to exact search (%s); later fallbacks are counted only", exc)
            return None
        groups = labels[0].astype(np.int64)
        rows = self.distinct
        if rows.all_distinct:
            return groups
        enough = int(np.searchsorted(np.cumsum(rows.sizes(groups)), fetch)) + 1  # rows up to `fetch` items
        return rows.expand(groups[:enough])


class DeferredSearch:
    """Exact search at once, HNSW as soon as a daemon thread has built the index: loading never waits for it."""

    def __init__(
        self, vectors: np.ndarray, biases: np.ndarray, config: SearchConfig = DEFAULT_SEARCH, threads: int = 1
    ) -> None:
        self.exact = ExactSearch(vectors, biases)
        self._ann: HnswSearch | None = None
        self._done = threading.Event()
        args = (vectors, biases, config, threads)
        self._thread = threading.Thread(target=self._build, args=args, name="hnsw-build", daemon=True)
        self._thread.start()

    @property
    def kind(self) -> str:
        return "hnsw" if self._ann is not None else "exact"

    def _build(self, vectors: np.ndarray, biases: np.ndarray, config: SearchConfig, threads: int) -> None:
        started = time.perf_counter()
        try:
            self._ann = HnswSearch(vectors, biases, config, threads=threads, distinct=self.exact.distinct)
            log.info("HNSW index of %d items built in %.1f s", vectors.shape[0], time.perf_counter() - started)
        except Exception:  # keep serving with exact search; the log says why
            log.exception("building the HNSW index failed; this version keeps exact search")
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the build has finished (tests, benchmarks); True when HNSW now answers."""
        self._done.wait(timeout)
        return self._ann is not None

    def top(self, query: np.ndarray, n: int, allowed: Allowed) -> np.ndarray:
        ann = self._ann
        return (ann if ann is not None else self.exact).top(query, n, allowed)


def build_search(
    vectors: np.ndarray, biases: np.ndarray, config: SearchConfig = DEFAULT_SEARCH, background: bool = False
) -> ItemSearch:
    """Exact below config.ann_threshold items, HNSW at or above it (benchmarks/ann_benchmark.py measures both).

    With `background` the HNSW index is built in a thread and exact search answers until it is ready.
    An index that cannot be built leaves exact search answering (logged), never a failed load.
    """
    if vectors.shape[0] < config.ann_threshold:
        return ExactSearch(vectors, biases)
    if background:
        return DeferredSearch(vectors, biases, config)
    try:
        return HnswSearch(vectors, biases, config)
    except Exception:  # hnswlib refusing a catalogue must not stop `omnirec train` or `export`
        log.exception("building the HNSW index failed; exact search answers instead")
        return ExactSearch(vectors, biases)


def overfetch(n: int, allowed: ItemFilter, total: int) -> int:
    """How many unfiltered best items to take so that usually n of them pass the filter."""
    share = max(allowed.share, 0.02)
    return min(total, max(64, math.ceil(1.5 * n / share) + allowed.blocked.shape[0]))


def top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest finite scores, best first; ties broken by lower index.

    Large arrays first keep only the scores at or above a threshold estimated from a strided sample
    (one vectorised comparison); the answer is exact because the threshold is used only when at least
    n scores reach it, so every top-n item (and every item tied at the cut) is among the kept ones.
    np.argpartition over a whole 100k catalogue costs ~1 ms, the comparison ~0.03 ms.
    """
    n = min(n, scores.shape[0])
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    kept = _above_sampled_threshold(scores, n)
    if kept is not None:
        order = np.lexsort((kept, -scores[kept]))[:n]
        chosen = kept[order]
        return chosen[np.isfinite(scores[chosen])]
    if n < scores.shape[0]:
        part = np.argpartition(-scores, n - 1)[:n]
        part = _lowest_index_ties(scores, part)
    else:
        part = np.arange(scores.shape[0])
    order = np.lexsort((part, -scores[part]))
    chosen = part[order]
    return chosen[np.isfinite(scores[chosen])]


SAMPLED_SELECTION_FROM = 8192  # below this many scores a plain partition is as fast


def _above_sampled_threshold(scores: np.ndarray, n: int) -> np.ndarray | None:
    """Indices of the scores >= a threshold that at least n scores reach (~4n of them), or None."""
    total = scores.shape[0]
    if total < SAMPLED_SELECTION_FROM or n * 16 > total:
        return None
    stride = max(1, total // max(2048, 32 * n))
    sample = scores[::stride]
    # The sample's (4n / stride)-th largest: about 4n scores of the whole array reach it.
    rank = min(sample.shape[0] - 1, (4 * n) // stride + 1)
    threshold = np.partition(sample, sample.shape[0] - 1 - rank)[sample.shape[0] - 1 - rank]
    if not np.isfinite(threshold):
        return None
    kept = np.flatnonzero(scores >= threshold)
    if kept.shape[0] < n or kept.shape[0] > total // 4:
        return None  # a skewed sample: the plain partition decides
    return kept


def _lowest_index_ties(scores: np.ndarray, part: np.ndarray) -> np.ndarray:
    """argpartition keeps an arbitrary subset of the items tied at the cut; keep the lowest indices instead."""
    chosen = scores[part]
    cut = chosen.min()
    at_cut = scores == cut
    if np.count_nonzero(at_cut) == np.count_nonzero(chosen == cut):
        return part
    above = part[chosen > cut]
    return np.concatenate([above, np.flatnonzero(at_cut)[: part.shape[0] - above.shape[0]]])
