"""RankingData: many customers' candidates with features and relevance, and a vectorised NDCG@k over them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RankingData:
    """Candidates of many customers, contiguous per customer, with features and binary relevance."""

    matrix: np.ndarray  # float64 (rows, features)
    relevant: np.ndarray  # bool (rows,)
    user: np.ndarray  # int64 (rows,), ascending: customer position
    ideal: np.ndarray  # float64 (users,): DCG of a perfect top-k for each customer
    k: int

    @property
    def n_users(self) -> int:
        return int(self.ideal.shape[0])

    def subset(self, users: np.ndarray) -> RankingData:
        """The rows of the given customers (positions), renumbered 0..len(users)-1."""
        keep = np.isin(self.user, users)
        renumber = np.full(self.n_users, -1, dtype=np.int64)
        renumber[np.sort(users)] = np.arange(users.shape[0])
        return RankingData(
            self.matrix[keep], self.relevant[keep], renumber[self.user[keep]], self.ideal[np.sort(users)], self.k
        )

    def take(self, rows: np.ndarray) -> RankingData:
        """Only the rows where `rows` is True (same customers, same ideal DCG: a dropped relevant item is lost)."""
        return RankingData(self.matrix[rows], self.relevant[rows], self.user[rows], self.ideal, self.k)

    def ndcg(self, scores: np.ndarray) -> float:
        """Mean NDCG@k of ranking each customer's candidates by score (-inf = excluded)."""
        if not self.n_users:
            return 0.0
        order = np.lexsort((-scores, self.user))
        starts = np.searchsorted(self.user[order], np.arange(self.n_users))
        rank = np.arange(order.shape[0]) - starts[self.user[order]]
        hit = (rank < self.k) & self.relevant[order] & np.isfinite(scores[order])
        gains = 1.0 / np.log2(rank[hit] + 2)
        # float64 always: np.bincount over an empty selection returns int64 even with float weights.
        dcg = np.bincount(self.user[order][hit], weights=gains, minlength=self.n_users).astype(np.float64)
        return float(np.mean(np.divide(dcg, self.ideal, out=np.zeros_like(dcg), where=self.ideal > 0)))
