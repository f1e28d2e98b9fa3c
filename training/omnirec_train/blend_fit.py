"""Learn the ranker's linear feature weights on a validation split: a listwise softmax objective in numpy.

Per customer, the loss is the mean over their validation purchases of -log softmax(score) over their
candidates (ListNet with several positives), plus an L2 penalty on standardised weights. It is convex,
so L-BFGS finds the optimum; the penalty strength is chosen by cross-validation over customers on NDCG@k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
FOLDS = 5


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


def fit_listwise(data: RankingData, l2: float) -> np.ndarray:
    """Weights (on the raw feature scale) minimising the listwise softmax loss; zeros if nothing is relevant."""
    n_features = data.matrix.shape[1]
    pos_per_user = np.bincount(data.user[data.relevant], minlength=data.n_users).astype(np.float64)
    has_pos = pos_per_user[data.user] > 0
    if not has_pos.any():
        return np.zeros(n_features)
    x, rel, user = data.matrix[has_pos], data.relevant[has_pos], data.user[has_pos]
    _, user = np.unique(user, return_inverse=True)
    starts = np.flatnonzero(np.r_[True, user[1:] != user[:-1]])
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    target = rel / np.bincount(user, weights=rel.astype(np.float64))[user]  # each customer's positives sum to 1
    n_users = starts.shape[0]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        top = np.maximum.reduceat(s, starts)
        e = np.exp(s - top[user])
        total = np.add.reduceat(e, starts)
        log_norm = top + np.log(total)
        prob = e / total[user]
        value = float((target * (log_norm[user] - s)).sum() / n_users + l2 * (w @ w) / 2)
        grad = z.T @ (prob - target) / n_users + l2 * w
        return value, grad

    result = minimize(loss, np.zeros(n_features), jac=True, method="L-BFGS-B")
    return np.asarray(result.x / std, dtype=np.float64)


def cross_validated_ndcg(data: RankingData, l2: float, folds: int = FOLDS) -> float:
    """Mean out-of-fold NDCG@k of fit_listwise, folds made of every `folds`-th customer."""
    if data.n_users < folds:
        return data.ndcg(data.matrix @ fit_listwise(data, l2))
    positions = np.arange(data.n_users)
    total = 0.0
    for fold in range(folds):
        test = positions[positions % folds == fold]
        train, held = data.subset(positions[positions % folds != fold]), data.subset(test)
        total += held.ndcg(held.matrix @ fit_listwise(train, l2)) * test.shape[0]
    return total / data.n_users


def choose_l2(data: RankingData) -> tuple[float, float]:
    """(penalty with the best cross-validated NDCG@k, that NDCG)."""
    scores = {l2: cross_validated_ndcg(data, l2) for l2 in L2_GRID}
    best = max(scores, key=lambda l2: (scores[l2], l2))
    return best, scores[best]
