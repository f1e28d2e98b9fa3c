"""Choose RankerParams on a validation split: components once per user, then cheap vectorised re-blending.

Coordinate search over the four blend weights and the repeat threshold (a few passes over a value
grid), inside a small grid over the parameters that change the components themselves (history
half-life, session mix). Nothing here is tuned per dataset by hand: the grids are fixed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from omnirec.bundle.format import ModelBundle, RankerParams
from omnirec.scoring import Catalog
from omnirec_train.ranker_eval import UserComponents, collect_components

WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "w_model": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_history": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0),
    "w_cooccurrence": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    "w_popularity": (0.0, 0.05, 0.1, 0.25, 0.5, 1.0),
    "repeat_threshold": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01),
}
STRUCTURE_GRID: dict[str, tuple[float, ...]] = {
    "history_half_life_days": (7.0, 30.0, 120.0),
    "session_mix": (0.25, 0.6),
}
START = {"w_model": 1.0, "w_history": 1.0, "w_cooccurrence": 0.5, "w_popularity": 0.1, "repeat_threshold": 0.1}
PASSES = 3


@dataclass(frozen=True)
class BlendChoice:
    params: RankerParams
    ndcg: float  # validation NDCG@k of the chosen blend
    users: int
    tried: int


class BlendProblem:
    """All validation users' candidates flattened, so one blend is scored with a handful of numpy calls."""

    def __init__(self, comps: Sequence[UserComponents], targets: Mapping[str, set[int]], k: int) -> None:
        self.k = k
        self.n_users = len(comps)
        mats = [c.components.matrix for c in comps]
        self.matrix = np.concatenate(mats) if mats else np.zeros((0, 4))
        self.user = np.concatenate([np.full(m.shape[0], u) for u, m in enumerate(mats)]) if mats else np.zeros(0, int)
        self.rate = np.concatenate([c.purchased_rate for c in comps]) if comps else np.zeros(0)
        relevant = [np.isin(c.components.candidates, list(targets[c.user])) for c in comps]
        self.relevant = np.concatenate(relevant) if relevant else np.zeros(0, bool)
        n_rel = np.array([min(len(targets[c.user]), k) for c in comps])
        discounts = 1.0 / np.log2(np.arange(k) + 2)
        self.ideal = np.array([discounts[:n].sum() for n in n_rel])
        self.starts = np.concatenate([[0], np.cumsum([m.shape[0] for m in mats])[:-1]]) if mats else np.zeros(0, int)

    def ndcg(self, weights: np.ndarray, threshold: float) -> float:
        if not self.n_users:
            return 0.0
        scores = self.matrix @ weights
        scores = np.where(self.rate < threshold, -np.inf, scores)
        order = np.lexsort((-scores, self.user))
        rank = np.arange(order.shape[0]) - self.starts[self.user[order]]
        hit = (rank < self.k) & self.relevant[order] & np.isfinite(scores[order])
        gains = 1.0 / np.log2(rank[hit] + 2)
        dcg = np.bincount(self.user[order][hit], weights=gains, minlength=self.n_users).astype(np.float64)
        return float(np.mean(np.divide(dcg, self.ideal, out=np.zeros_like(dcg), where=self.ideal > 0)))


def _score(problem: BlendProblem, point: dict[str, float]) -> float:
    w = np.array([point["w_model"], point["w_history"], point["w_cooccurrence"], point["w_popularity"]])
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


def choose_blend(bundle: ModelBundle, targets: Mapping[str, set[str]], now: int, k: int = 10) -> BlendChoice:
    """Best RankerParams for predicting `targets` (user id -> item ids after `now`) with this bundle."""
    base = Catalog.from_bundle(bundle)
    users = [u for u in sorted(targets) if targets[u]]
    # Items the bundle does not know cannot be found but still count against the ideal: negative stand-ins.
    target_idx = {u: {base.index.get(item, -1 - j) for j, item in enumerate(sorted(targets[u]))} for u in users}
    best: BlendChoice | None = None
    tried = 0
    for half_life in STRUCTURE_GRID["history_half_life_days"]:
        for mix in STRUCTURE_GRID["session_mix"]:
            params = msgspec.structs.replace(
                bundle.manifest.ranker, history_half_life_days=half_life, session_mix=mix, repeat_threshold=0.0
            )
            catalog = dataclasses.replace(base, params=params)
            problem = BlendProblem(collect_components(catalog, bundle, users, now, k), target_idx, k)
            point, score, n = coordinate_search(problem)
            tried += n
            if best is None or score > best.ndcg:
                chosen = msgspec.structs.replace(params, **point)
                best = BlendChoice(params=chosen, ndcg=score, users=len(users), tried=0)
    assert best is not None
    return dataclasses.replace(best, tried=tried)
