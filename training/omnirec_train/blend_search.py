"""Choose RankerParams on a validation split: components once per user, then cheap vectorised re-scoring.

Two candidates per cell of a small grid over the parameters that change the components themselves
(history half-life, session mix):
- the four-weight blend: coordinate search over the weights and the repeat threshold (a few passes over
  fixed value grids), scored on the validation customers it was searched on;
- the learned linear model over every feature (blend_fit: listwise softmax, L2 chosen by cross-validation
  over customers), scored out-of-fold, i.e. on customers its weights were not fitted on.
The learned model is shipped when its out-of-fold NDCG beats the blend's in-sample NDCG, a handicap that
keeps the simpler blend unless the learned weights really generalise. The repeat threshold is applied
exactly (see ranker_eval.collect_components). Nothing is tuned per dataset by hand: the grids are fixed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from omnirec.bundle.format import ModelBundle, RankerParams
from omnirec.scoring import Catalog
from omnirec.scoring.ranker import FEATURES
from omnirec_train.blend_fit import RankingData, choose_l2, cross_validated_ndcg, fit_listwise
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
LEARNED_THRESHOLDS = (0.0, 0.1, 0.3)
START = {"w_model": 1.0, "w_history": 1.0, "w_cooccurrence": 0.5, "w_popularity": 0.1, "repeat_threshold": 0.1}
PASSES = 3
BLEND_NAMES = ("w_model", "w_history", "w_cooccurrence", "w_popularity")


@dataclass(frozen=True)
class BlendChoice:
    params: RankerParams
    ndcg: float  # validation NDCG@k of the chosen params (out-of-fold for the learned model)
    users: int
    tried: int
    kind: str = "blend"  # "blend" (four weights) or "learned" (feature weights)
    blend_ndcg: float = 0.0  # best four-weight blend, in-sample
    learned_ndcg: float = 0.0  # best learned model, out-of-fold


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


def _blend_vector(point: Mapping[str, float]) -> np.ndarray:
    weights = np.zeros(len(FEATURES))
    weights[:4] = [point[name] for name in BLEND_NAMES]
    return weights


def _score(problem: BlendProblem, point: dict[str, float]) -> float:
    w = _blend_vector(point)
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


def _learned(problem: BlendProblem, l2: float) -> tuple[float, float]:
    """(repeat threshold, out-of-fold NDCG) of the best learned model in this cell."""
    scored = {t: cross_validated_ndcg(problem.kept(t), l2) for t in LEARNED_THRESHOLDS}
    threshold = max(scored, key=lambda t: (scored[t], -t))
    return threshold, scored[threshold]


def choose_blend(bundle: ModelBundle, targets: Mapping[str, set[str]], now: int, k: int = 10) -> BlendChoice:
    """Best RankerParams for predicting `targets` (user id -> item ids after `now`) with this bundle."""
    base = Catalog.from_bundle(bundle)
    users = [u for u in sorted(targets) if targets[u]]
    # Items the bundle does not know cannot be found but still count against the ideal: negative stand-ins.
    target_idx = {u: {base.index.get(item, -1 - j) for j, item in enumerate(sorted(targets[u]))} for u in users}
    blend: tuple[float, RankerParams] | None = None
    learned: tuple[float, RankerParams, BlendProblem, float] | None = None
    l2: float | None = None
    tried = 0
    for half_life in STRUCTURE_GRID["history_half_life_days"]:
        for mix in STRUCTURE_GRID["session_mix"]:
            params = msgspec.structs.replace(bundle.manifest.ranker, history_half_life_days=half_life, session_mix=mix)
            catalog = dataclasses.replace(base, params=params)
            problem = BlendProblem(collect_components(catalog, bundle, users, now, k), target_idx, k)
            point, score, n = coordinate_search(problem)
            tried += n
            if blend is None or score > blend[0]:
                blend = (score, msgspec.structs.replace(params, **point))
            if l2 is None:
                l2, _ = choose_l2(problem.kept(0.0))  # the penalty is chosen once, on the first cell
            threshold, oof = _learned(problem, l2)
            tried += len(LEARNED_THRESHOLDS)
            if learned is None or oof > learned[0]:
                learned = (oof, msgspec.structs.replace(params, repeat_threshold=threshold), problem, threshold)
    assert blend is not None and learned is not None
    oof, params, problem, threshold = learned
    if oof > blend[0]:
        weights = fit_listwise(problem.kept(threshold), l2 or 1.0)
        # The best four weights ride along: a reader that predates feature_names falls back to them.
        chosen = msgspec.structs.replace(
            params,
            **{name: getattr(blend[1], name) for name in BLEND_NAMES},
            feature_names=FEATURES,
            feature_weights=tuple(round(float(w), 6) for w in weights),
        )
        return BlendChoice(chosen, oof, len(users), tried, "learned", blend[0], oof)
    return BlendChoice(blend[1], blend[0], len(users), tried, "blend", blend[0], oof)
