"""The four-weight blend: candidates' feature matrices flattened so one weighting is scored in a few numpy calls.

coordinate_search cycles through the blend weights and the repeat threshold, setting each to its best value
on a fixed grid in turn (a few passes). It is the documented fallback ranker for small shops, and what names
each recommended item's source when the learned trees score it (omnirec_train.ranker_fit chooses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from omnirec.scoring.ranker import FEATURES
from omnirec_train.ranker_eval import UserComponents
from omnirec_train.ranking_data import RankingData

WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "w_model": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_history": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0),
    "w_cooccurrence": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_popularity": (0.0, 0.05, 0.1, 0.25, 0.5, 1.0),
    "repeat_threshold": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01),
}
START = {"w_model": 1.0, "w_history": 1.0, "w_cooccurrence": 0.5, "w_popularity": 0.1, "repeat_threshold": 0.1}
PASSES = 3
BLEND_NAMES = ("w_model", "w_history", "w_cooccurrence", "w_popularity")


class BlendProblem:
    """All validation users' candidates flattened, so one weighting is scored with a handful of numpy calls."""

    def __init__(self, comps: Sequence[UserComponents], targets: Mapping[str, set[int]], k: int) -> None:
        self.k = k
        self.n_users = len(comps)
        width = len(FEATURES)
        mats = [c.components.matrix for c in comps]
        matrix = np.concatenate(mats) if mats else np.zeros((0, width))
        user = np.concatenate([np.full(m.shape[0], u) for u, m in enumerate(mats)]) if mats else np.zeros(0, int)
        self.rate = np.concatenate([c.purchased_rate for c in comps]) if comps else np.zeros(0)
        relevant = [np.isin(c.components.candidates, list(targets[c.user])) for c in comps]
        n_rel = np.array([min(len(targets[c.user]), k) for c in comps], dtype=np.int64)
        discounts = 1.0 / np.log2(np.arange(k) + 2)
        ideal = np.array([discounts[:n].sum() for n in n_rel], dtype=np.float64)
        self.data = RankingData(
            matrix=matrix,
            relevant=np.concatenate(relevant) if relevant else np.zeros(0, bool),
            user=user.astype(np.int64),
            ideal=ideal,
            k=k,
        )

    def ndcg(self, weights: np.ndarray, threshold: float) -> float:
        """Validation NDCG@k with these FEATURES weights and this repeat threshold."""
        scores = self.data.matrix @ weights
        return self.data.ndcg(np.where(self.rate < threshold, -np.inf, scores))

    def kept(self, threshold: float) -> RankingData:
        """The candidates the ranker keeps at this repeat threshold."""
        return self.data.take(self.rate >= threshold)


def blend_vector(point: Mapping[str, float]) -> np.ndarray:
    weights = np.zeros(len(FEATURES))
    weights[:4] = [point[name] for name in BLEND_NAMES]
    return weights


def _score(problem: BlendProblem, point: dict[str, float]) -> float:
    w = blend_vector(point)
    return problem.ndcg(w, point["repeat_threshold"]) if w.any() else -1.0


def coordinate_search(problem: BlendProblem) -> tuple[dict[str, float], float, int]:
    """Best point found by cycling through the parameters, each set to its best grid value in turn."""
    point = dict(START)
    best = _score(problem, point)
    tried = 1
    for _ in range(PASSES):
        improved = False
        for name, values in WEIGHT_GRID.items():
            for value in values:
                candidate = {**point, name: value}
                score = _score(problem, candidate)
                tried += 1
                if score > best + 1e-9:
                    point, best, improved = candidate, score, True
        if not improved:
            break
    return point, best, tried
