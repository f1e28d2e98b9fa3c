"""The blend: candidates' feature matrices flattened so one weighting is scored in a few numpy calls.

The four scaled components (model, own history, co-occurrence, channel popularity) plus a pure personal
frequency (share of the customer's baskets holding the item, undecayed): a shop of steady favourites is
ranked by how often, not how recently, and without this term the blend trailed buy-again there.
coordinate_search cycles through the blend weights and the repeat threshold, setting each to its best value
on a fixed grid in turn (a few passes). It is the documented fallback ranker for small shops, and what names
each recommended item's source when the learned trees score it (omnirec_train.ranker_fit chooses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from omnirec.bundle.format import RankerParams
from omnirec.scoring.ranker import FEATURE_INDEX, FEATURES
from omnirec_train.ranker_eval import UserComponents
from omnirec_train.ranking_data import RankingData

WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "w_model": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_history": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0),
    "w_cooccurrence": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_popularity": (0.0, 0.05, 0.1, 0.25, 0.5, 1.0),
    "w_frequency": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0),
    "repeat_threshold": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01),
}
START = {
    "w_model": 1.0,
    "w_history": 1.0,
    "w_cooccurrence": 0.5,
    "w_popularity": 0.1,
    "w_frequency": 0.0,
    "repeat_threshold": 0.1,
}
# Coordinate search stalls where one weight only pays once another has moved (frequency can overtake a
# heavy recency weight only when that weight drops): a second start led by frequency instead of recency,
# and a third that is buy-again (omnirec_train.baselines.OwnHistory): the customer's own items, every one
# kept, then channel popularity filling the list (the heaviest history weight over the lightest popularity
# one; the model and co-occurrence off). From START the search must drop two weights at once to get there.
BUY_AGAIN = {
    "w_model": 0.0,
    "w_history": WEIGHT_GRID["w_history"][-1],
    "w_cooccurrence": 0.0,
    "w_popularity": WEIGHT_GRID["w_popularity"][1],
    "w_frequency": 0.0,
    "repeat_threshold": 0.0,
}
STARTS = (START, {**START, "w_history": 0.0, "w_frequency": 1.0}, BUY_AGAIN)
PASSES = 3
BLEND_NAMES = ("w_model", "w_history", "w_cooccurrence", "w_popularity")
# Blend weights beyond the four RankerParams fields: point name -> FEATURES column.
EXTRA_WEIGHTS = {"w_frequency": "frequency"}


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
    for name, feature in EXTRA_WEIGHTS.items():
        weights[FEATURE_INDEX[feature]] += point.get(name, 0.0)
    return weights


def point_of_params(params: RankerParams) -> dict[str, float]:
    """The search point of a four-weight blend (the inverse of params_of_point for params without named
    weights): how the forward check scores the fallback the trainer would ship instead."""
    if params.feature_names or params.trees is not None:
        raise ValueError("point_of_params takes a four-weight blend, not named weights or trees")
    weights = {name: float(getattr(params, name)) for name in BLEND_NAMES}
    return {**weights, **dict.fromkeys(EXTRA_WEIGHTS, 0.0), "repeat_threshold": params.repeat_threshold}


def params_of_point(params: RankerParams, point: Mapping[str, float]) -> RankerParams:
    """params with the blend of `point`: the four w_* fields, and the named linear form when an extra
    weight (w_frequency) is used, so bundles without one stay exactly as before."""
    fields = {name: point[name] for name in (*BLEND_NAMES, "repeat_threshold")}
    if not any(point.get(name, 0.0) for name in EXTRA_WEIGHTS):
        return msgspec.structs.replace(params, **fields, feature_names=(), feature_weights=())
    names = (*FEATURES[:4], *EXTRA_WEIGHTS.values())
    weights = (*(point[name] for name in BLEND_NAMES), *(point.get(name, 0.0) for name in EXTRA_WEIGHTS))
    return msgspec.structs.replace(params, **fields, feature_names=names, feature_weights=tuple(map(float, weights)))


def _score(problem: BlendProblem, point: dict[str, float]) -> float:
    w = blend_vector(point)
    return problem.ndcg(w, point["repeat_threshold"]) if w.any() else -1.0


def coordinate_search(
    problem: BlendProblem,
    grid: Mapping[str, tuple[float, ...]] = WEIGHT_GRID,
    starts: Sequence[Mapping[str, float]] = STARTS,
) -> tuple[dict[str, float], float, int]:
    """Best point found by cycling through the parameters, each set to its best grid value in turn, from
    each of `starts` (the first start wins ties)."""
    found: tuple[dict[str, float], float] | None = None
    tried = 0
    for start in starts:
        point = {name: value for name, value in start.items() if name in grid}
        point, score, steps = _search_from(problem, grid, point)
        tried += steps
        if found is None or score > found[1] + 1e-9:
            found = (point, score)
    assert found is not None
    return found[0], found[1], tried


def _search_from(
    problem: BlendProblem, grid: Mapping[str, tuple[float, ...]], point: dict[str, float]
) -> tuple[dict[str, float], float, int]:
    best = _score(problem, point)
    tried = 1
    for _ in range(PASSES):
        improved = False
        for name, values in grid.items():
            for value in values:
                candidate = {**point, name: value}
                score = _score(problem, candidate)
                tried += 1
                if score > best + 1e-9:
                    point, best, improved = candidate, score, True
        if not improved:
            break
    return point, best, tried
