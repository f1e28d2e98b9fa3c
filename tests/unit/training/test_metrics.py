"""Known-answer tests of the ranking metrics."""

from __future__ import annotations

import math

import pytest

from omnirec_train.metrics import (
    average_precision_at_k,
    catalogue_coverage,
    hit_rate_at_k,
    mean_metrics,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

RECS = ["a", "b", "c", "d"]
RELEVANT = {"b", "d", "z"}


def test_precision_recall_hit_rate() -> None:
    assert precision_at_k(RECS, RELEVANT, 4) == 0.5
    assert precision_at_k(RECS, RELEVANT, 2) == 0.5
    assert recall_at_k(RECS, RELEVANT, 4) == pytest.approx(2 / 3)
    assert hit_rate_at_k(RECS, RELEVANT, 1) == 0.0
    assert hit_rate_at_k(RECS, RELEVANT, 2) == 1.0


def test_ndcg_hand_computed() -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RECS, RELEVANT, 4) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["b", "d"], {"b", "d"}, 2) == pytest.approx(1.0)
    assert ndcg_at_k(RECS, set(), 4) == 0.0


def test_average_precision_hand_computed() -> None:
    # hits at ranks 2 and 4: (1/2 + 2/4) / min(4, 3)
    assert average_precision_at_k(RECS, RELEVANT, 4) == pytest.approx(1 / 3)


def test_coverage_and_mean() -> None:
    assert catalogue_coverage([["a", "b"], ["b", "c"]], n_items=6, k=2) == 0.5
    out = mean_metrics([["a"], ["b"]], [{"a"}, {"c"}], k=1, n_items=4)
    assert out["precision"] == 0.5
    assert out["hit_rate"] == 0.5
    assert out["users"] == 2.0
    assert out["coverage"] == 0.5
