"""Known-answer tests of the vectorised NDCG over many customers' candidates."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec_train.ranking_data import RankingData

IDEAL_1 = 1.0  # DCG of one relevant item at rank 1


def two_users() -> RankingData:
    # user 0: candidates a (relevant), b; user 1: c, d (relevant). Feature 0 finds them, feature 1 is noise.
    matrix = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 1.0], [0.9, 0.0]])
    relevant = np.array([True, False, False, True])
    return RankingData(matrix, relevant, np.array([0, 0, 1, 1]), np.array([IDEAL_1, IDEAL_1]), k=1)


def test_ndcg_known_answer_with_excluded_rows() -> None:
    data = two_users()
    assert data.ndcg(np.array([2.0, 1.0, 0.0, 1.0])) == pytest.approx(1.0)
    assert data.ndcg(np.array([0.0, 1.0, 0.0, 1.0])) == pytest.approx(0.5)
    assert data.ndcg(np.array([-np.inf, 1.0, 0.0, 1.0])) == pytest.approx(0.5)  # excluded, never a hit


def test_subset_and_take_keep_customers_consistent() -> None:
    data = two_users()
    one = data.subset(np.array([1]))
    assert one.n_users == 1 and one.user.tolist() == [0, 0] and one.relevant.tolist() == [False, True]
    dropped = data.take(np.array([False, True, True, True]))  # user 0 lost its relevant item
    assert dropped.ndcg(dropped.matrix[:, 0]) == pytest.approx(0.5)


def test_ndcg_is_zero_when_no_candidate_is_a_hit() -> None:
    """A trial blend that ranks no target in any top-k (or excludes every candidate) scores 0, not a crash.

    np.bincount over an empty selection returns int64 even with float weights (issue 14)."""
    data = two_users()
    assert data.ndcg(np.full(4, -np.inf)) == 0.0
    none_relevant = RankingData(data.matrix, np.zeros(4, bool), data.user, data.ideal, data.k)
    assert none_relevant.ndcg(np.array([2.0, 1.0, 0.0, 1.0])) == 0.0
