"""Search never raises: duplicate, zero and near-identical catalogues above the ANN threshold, any filter, any k."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search import ExactSearch, HnswSearch, build_search
from omnirec.scoring.search_config import SearchConfig

LOW_THRESHOLD = SearchConfig(ann_threshold=500)  # every catalogue below is searched with HNSW
DIM = 8
KINDS = ("all_duplicates", "few_rows", "mostly_zero", "near_identical", "long_tail")
# Drawn more often: catalogues with many distinct rows reach the index (the others are answered exactly).
DRAWN = (*KINDS, "mostly_zero", "near_identical", "long_tail", "long_tail")


@functools.cache
def catalogue(kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Item vectors and biases of one shape; deterministic per (kind, n)."""
    rng = np.random.default_rng(len(kind) * 10_000 + n)
    random = rng.standard_normal((n, DIM)).astype(np.float32)
    biases = rng.standard_normal(n).astype(np.float32)
    if kind == "all_duplicates":  # one row for every item
        return np.tile(random[0], (n, 1)), np.full(n, biases[0], dtype=np.float32)
    if kind == "few_rows":  # 5 distinct rows, hundreds of items each
        pick = rng.integers(0, 5, n)
        return random[pick], biases[pick]
    if kind == "mostly_zero":  # 90 % zero vectors, half of them with bias 0
        zero = rng.random(n) < 0.9
        random[zero] = 0.0
        biases[zero & (rng.random(n) < 0.5)] = 0.0
        return random, biases
    if kind == "near_identical":  # one point plus noise at float32 resolution
        return (random[0] + 1e-6 * random).astype(np.float32), (biases[0] + 1e-6 * biases).astype(np.float32)
    # long_tail (issue 14): a quarter trained, the rest on 8 rows (items with features but no events)
    tail = rng.random(n) < 0.75
    pick = rng.integers(0, 8, n)
    return np.where(tail[:, None], random[pick], random), np.where(tail, biases[pick], biases).astype(np.float32)


@functools.cache
def searches(kind: str, n: int) -> tuple[ExactSearch, HnswSearch]:
    vectors, biases = catalogue(kind, n)
    hnsw = build_search(vectors, biases, LOW_THRESHOLD)
    assert isinstance(hnsw, HnswSearch)
    return ExactSearch(vectors, biases), hnsw


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, int, ItemFilter | np.ndarray | None, np.ndarray, int]:
    kind = draw(st.sampled_from(DRAWN))
    n = draw(st.sampled_from((500, 1200, 2000)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    share = draw(st.sampled_from((0.001, 0.003, 0.02, 0.1, 0.5, 0.9, 1.0)))
    channel = rng.random(n) < share if share < 1.0 else np.ones(n, dtype=bool)
    category = rng.random(n) < draw(st.sampled_from((0.05, 0.5))) if draw(st.booleans()) else None
    blocked = rng.integers(0, n, draw(st.sampled_from((0, 3, 200)))).tolist()
    shape = draw(st.sampled_from(("filter", "filter", "mask", "none")))
    allowed: ItemFilter | np.ndarray | None = ItemFilter.of(channel, float(channel.mean()), category, blocked)
    if shape == "mask":
        allowed = allowed.mask()
    elif shape == "none":
        allowed = None
    query_kind = draw(st.sampled_from(("random", "zero", "row")))
    query = rng.standard_normal(DIM).astype(np.float32)
    if query_kind == "zero":
        query[:] = 0.0
    elif query_kind == "row":
        query = catalogue(kind, n)[0][int(rng.integers(0, n))].copy()
    k = draw(st.sampled_from((0, 1, 10, 100, 499, 2000, 5000)))
    return kind, n, allowed, query, k


def allowed_items(allowed: ItemFilter | np.ndarray | None, n: int) -> np.ndarray:
    if allowed is None:
        return np.ones(n, dtype=bool)
    return allowed.mask() if isinstance(allowed, ItemFilter) else allowed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(requests())
def test_hnsw_search_returns_min_k_allowed_unique_items_best_first(
    request: tuple[str, int, ItemFilter | np.ndarray | None, np.ndarray, int],
) -> None:
    kind, n, allowed, query, k = request
    exact, hnsw = searches(kind, n)
    mask = allowed_items(allowed, n)
    found = hnsw.top(query, k, allowed)
    assert found.shape[0] == min(k, int(mask.sum()))
    assert np.unique(found).shape[0] == found.shape[0]
    assert mask[found].all()
    scores = exact.scores(query)
    assert (np.diff(scores[found]) <= 1e-5).all()  # best first (up to float32 rounding of near-identical rows)
    if kind in ("all_duplicates", "few_rows"):
        assert found.tolist() == exact.top(query, k, allowed).tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_duplicates_are_indexed_once_and_map_back_to_their_items(kind: str) -> None:
    """The index holds one point per distinct row, and the full ranking of every item equals exact search's."""
    vectors, biases = catalogue(kind, 2000)
    _, hnsw = searches(kind, 2000)
    distinct = np.unique(np.hstack([vectors, biases[:, None]]), axis=0).shape[0]
    assert hnsw.index.get_current_count() == distinct
    assert np.array_equal(np.sort(hnsw.distinct.expand(np.arange(distinct))), np.arange(2000))


def test_island_catalogue_answers_filtered_requests_like_exact_search() -> None:
    """Issue 14's shape: 16k items on 8 rows with 2,000 identical rows each. Before, a filtered over-fetch of
    150 raised "Cannot return the results in a contiguous 2D array"; now every answer is the exact one."""
    rng = np.random.default_rng(14)
    rows, row_biases = rng.standard_normal((8, DIM)).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    pick = np.repeat(np.arange(8), 2000)
    vectors = np.vstack([rows[pick], rng.standard_normal((400, DIM)).astype(np.float32)])
    biases = np.concatenate([row_biases[pick], rng.standard_normal(400).astype(np.float32)])
    search = build_search(vectors, biases, SearchConfig(ann_threshold=1000))
    assert isinstance(search, HnswSearch)
    exact = ExactSearch(vectors, biases)
    channel = rng.random(vectors.shape[0]) < 0.5
    allowed = ItemFilter.of(channel, float(channel.mean()), None, [])
    for _ in range(20):
        query = rng.standard_normal(DIM).astype(np.float32)
        assert search.top(query, 100, allowed).tolist() == exact.top(query, 100, allowed).tolist()
        assert search.top(query, 10, None).tolist() == exact.top(query, 10, None).tolist()
    assert search.fallbacks == 0  # the index answered: one point per distinct row, no islands


def test_an_index_that_cannot_return_enough_neighbours_falls_back_to_exact() -> None:
    """hnswlib raises RuntimeError when fewer than k points are reachable (here: most are deleted)."""
    vectors, biases = catalogue("mostly_zero", 2000)
    exact, _ = searches("mostly_zero", 2000)
    search = HnswSearch(vectors, biases, LOW_THRESHOLD)
    for label in range(search.distinct.n_groups - 20):
        search.index.mark_deleted(label)
    query = np.ones(DIM, dtype=np.float32)
    assert search.top(query, 50, None).tolist() == exact.top(query, 50, None).tolist()
    assert search.fallbacks == 1


def test_ef_is_sized_to_the_request() -> None:
    """A fetch far above the configured ef still returns the fetch (hnswlib searches with max(ef, k))."""
    rng = np.random.default_rng(3)
    vectors, biases = rng.standard_normal((3000, DIM)).astype(np.float32), rng.standard_normal(3000).astype(np.float32)
    search, exact = HnswSearch(vectors, biases, SearchConfig(ef=10)), ExactSearch(vectors, biases)
    query = rng.standard_normal(DIM).astype(np.float32)
    found = search.top(query, 1000, None)
    assert found.shape[0] == 1000 and search.fallbacks == 0  # answered by the index, not the exact fallback
    assert len(set(found.tolist()) & set(exact.top(query, 1000, None).tolist())) >= 900


def test_search_config_is_validated() -> None:
    for bad in ({"ann_threshold": 0}, {"ef": 0}, {"m": 1}, {"seed": -1}):
        with pytest.raises(ValueError):
            SearchConfig(**bad)  # type: ignore[arg-type]


def test_the_index_orders_its_hits_by_exact_score_with_ties_to_the_lower_index() -> None:
    """A zero query ties every item at its bias: the index's hits come back in index order, as exact search's."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((2000, DIM)).astype(np.float32)
    search = HnswSearch(vectors, np.full(2000, 0.5, dtype=np.float32), LOW_THRESHOLD)
    found = search.top(np.zeros(DIM, dtype=np.float32), 40, None)
    assert found.shape[0] == 40 and search.fallbacks == 0
    assert (np.diff(found) > 0).all()


def test_an_empty_filter_and_an_all_zero_catalogue_answer_without_error() -> None:
    vectors, biases = np.zeros((1000, DIM), dtype=np.float32), np.zeros(1000, dtype=np.float32)
    search = build_search(vectors, biases, LOW_THRESHOLD)
    nothing = ItemFilter.of(np.zeros(1000, dtype=bool), 0.0, None, [])
    query = np.ones(DIM, dtype=np.float32)
    assert search.top(query, 10, nothing).tolist() == []
    assert search.top(query, 10, np.zeros(1000, dtype=bool)).tolist() == []
    assert search.top(query, 5, None).tolist() == [0, 1, 2, 3, 4]  # every score ties: lowest indices
    assert search.top(query, 5000, None).shape[0] == 1000
