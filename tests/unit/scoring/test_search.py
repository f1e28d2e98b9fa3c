"""Top-n search: filters without whole masks give the masked answer; HNSW recall; the background build."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search import DeferredSearch, ExactSearch, HnswSearch, build_search, top_indices
from omnirec.scoring.search_config import SearchConfig


def reference_top(scores: np.ndarray, n: int, mask: np.ndarray) -> np.ndarray:
    """The definition: allowed items by score descending, ties by lower index, the first n."""
    allowed = np.flatnonzero(mask)
    order = np.lexsort((allowed, -scores[allowed]))
    return allowed[order][:n]


def vectors(n: int = 2000, dim: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, dim), dtype=np.float32), rng.standard_normal(n, dtype=np.float32)


def a_filter(n: int, share: float, seed: int, category: bool, blocked: int) -> ItemFilter:
    rng = np.random.default_rng(seed)
    channel = rng.random(n) < share
    cat = rng.random(n) < 0.3 if category else None
    return ItemFilter.of(channel, float(channel.mean()), cat, rng.integers(0, n, blocked).tolist())


def test_top_indices_breaks_ties_at_the_cut_by_lower_index() -> None:
    scores = np.zeros(1000)
    scores[[5, 700]] = 1.0
    assert top_indices(scores, 4).tolist() == [5, 700, 0, 1]
    assert top_indices(np.array([0.0, -np.inf, 0.0, 0.0]), 3).tolist() == [0, 2, 3]


@pytest.mark.parametrize("size", [50, 20_000, 100_000])
@pytest.mark.parametrize("shape", ["normal", "rounded", "sorted", "mostly_inf", "few_ones"])
def test_top_indices_equals_the_definition_on_large_and_skewed_arrays(size: int, shape: str) -> None:
    """The sampled-threshold path (large arrays) and the partition path give the defined order exactly."""
    rng = np.random.default_rng(size)
    for n in (1, 10, 100, 2_000):
        scores = rng.standard_normal(size)
        if shape == "rounded":  # many ties, also at the cut
            scores = np.round(scores, 1)
        elif shape == "sorted":  # a strided sample of a sorted array is the worst case for the estimate
            scores = np.sort(scores)
        elif shape == "mostly_inf":  # a masked catalogue
            scores[rng.random(size) < 0.9] = -np.inf
        elif shape == "few_ones":
            scores = np.zeros(size)
            scores[rng.integers(0, size, 5)] = 1.0
        for dtype in (np.float32, np.float64):
            typed = scores.astype(dtype)
            want = reference_top(typed, n, np.isfinite(typed))
            assert top_indices(typed, n).tolist() == want.tolist()


@pytest.mark.parametrize("share", [1.0, 0.7, 0.05])
@pytest.mark.parametrize("category", [False, True])
@pytest.mark.parametrize("blocked", [0, 40])
def test_exact_search_with_a_filter_equals_masking_first(share: float, category: bool, blocked: int) -> None:
    vecs, biases = vectors()
    search = ExactSearch(vecs, biases)
    for seed in range(5):
        allowed = a_filter(vecs.shape[0], share, seed, category, blocked)
        query = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
        scores = vecs @ query + biases
        for n in (1, 10, 100):
            want = reference_top(scores, n, allowed.mask())
            assert search.top(query, n, allowed).tolist() == want.tolist()
            assert search.top(query, n, allowed.mask()).tolist() == want.tolist()


def test_item_filter_allows_exactly_its_mask() -> None:
    allowed = a_filter(500, 0.6, 3, True, 30)
    items = np.arange(500)
    assert np.array_equal(allowed.allows(items), allowed.mask())
    assert np.array_equal(allowed.keep(items), np.flatnonzero(allowed.mask()))
    everything = ItemFilter.of(np.ones(500, dtype=bool), 1.0, None, [])
    assert everything.everything and everything.mask().all()


def test_hnsw_finds_nearly_the_exact_top_10() -> None:
    vecs, biases = vectors(n=3000, dim=16)
    exact, hnsw = ExactSearch(vecs, biases), HnswSearch(vecs, biases)
    recall = []
    for seed in range(20):
        query = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        allowed = a_filter(3000, 0.7, seed, False, 5)
        truth, found = exact.top(query, 10, allowed), hnsw.top(query, 10, allowed)
        assert allowed.allows(found).all() and len(found) == 10
        recall.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    assert np.mean(recall) >= 0.95


def test_hnsw_falls_back_to_exact_when_the_filter_leaves_too_few() -> None:
    vecs, biases = vectors(n=1000)
    hnsw = HnswSearch(vecs, biases)
    channel = np.zeros(1000, dtype=bool)
    channel[[3, 500, 999]] = True
    allowed = ItemFilter.of(channel, 0.003, None, [])
    assert sorted(hnsw.top(np.ones(8, dtype=np.float32), 10, allowed).tolist()) == [3, 500, 999]


def test_background_build_answers_exactly_until_the_index_is_ready() -> None:
    vecs, biases = vectors(n=2000)
    search = build_search(vecs, biases, SearchConfig(ann_threshold=1000), background=True)
    assert isinstance(search, DeferredSearch)
    query = np.ones(8, dtype=np.float32)
    assert len(search.top(query, 10, None)) == 10  # answers at once, whichever search is ready
    assert search.wait(60) and search.kind == "hnsw"
    assert build_search(vecs, biases, SearchConfig(ann_threshold=5000)).kind == "exact"


def test_hnsw_builds_the_same_index_every_time() -> None:
    """One build thread and a fixed seed: the service's background index and `omnirec export`'s answer alike."""
    vecs, biases = vectors(n=3000, dim=16, seed=4)
    first, second = HnswSearch(vecs, biases), HnswSearch(vecs, biases)
    rng = np.random.default_rng(9)
    for _ in range(50):
        query = rng.standard_normal(16).astype(np.float32)
        assert first.top(query, 100, None).tolist() == second.top(query, 100, None).tolist()
