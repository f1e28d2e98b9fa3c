"""Choose and fit the shipped ranker on validation windows: LambdaRank trees, or the four-weight blend.

Candidates and features are computed once per (customer, window) query group (omnirec.scoring, exactly as
served; omnirec_train.validation_pool pools the windows). Groups are split by customer: every HOLDOUT_EVERY-th
customer is held out. On the others the blend's weights are found by coordinate search and one tree ensemble
per repeat threshold is fitted (early stopping on the held-out groups); whichever scores the best NDCG@k on
the held-out groups ships. A tie goes to the blend, the simpler model: the trees' held-out score also chose
their number of rounds, so it is a little optimistic, while the blend never saw the held-out customers. The
trees are then refitted on every group with the rounds early stopping chose. Shops with fewer than
MIN_TREE_CUSTOMERS distinct validation customers keep the blend, searched on all their groups: a learned
reranker on a few hundred customers measured as noise, and a customer counted twice (two windows) is not twice
the evidence (trees on such pools lost 0.6-3 % on a 10 % customer sample of `omnirec sample-data`). When
several windows were pooled (the newest one alone was too thin), the blend ships only if a blend searched on
the earlier windows beats the fallback on the newest window's groups with a paired bootstrap interval above
zero; else the fallback ships. The fallback is the windows' own params (the pipeline fits its probes with
omnirec_train.pipeline.FALLBACK_PARAMS), so the check compares against exactly what ships when it fails.
Nothing is tuned per dataset: the grids and the tree configuration are fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np

from omnirec.bundle.format import RankerParams, TreeEnsemble
from omnirec.scoring.ranker import FEATURES
from omnirec_train.blend_search import (
    STARTS,
    BlendProblem,
    blend_vector,
    coordinate_search,
    params_of_point,
    point_of_params,
)
from omnirec_train.ranker_eval import UserComponents
from omnirec_train.ranking_data import RankingData
from omnirec_train.tree_ranker import GroupedRows, fit_trees, predict
from omnirec_train.uncertainty import Interval, compare
from omnirec_train.validation_pool import ValidationPool, ValidationWindow

MIN_TREE_CUSTOMERS = 200  # fewer distinct validation customers (in all windows together): the blend ships
TREE_THRESHOLDS = (0.0, 0.1, 0.3)  # repeat thresholds tried with the trees
BLEND_HALF_LIVES = (7.0, 30.0, 120.0)  # history half-lives tried with the blend (days)
# At most this many validation groups (a seeded sample) feed the choice: ~300 candidate rows each, so
# the trees see a few million rows however large the shop (memory and time stay bounded).
MAX_VALIDATION_CUSTOMERS = 20_000

Log = Callable[[str], None]


@dataclass(frozen=True)
class RankerChoice:
    params: RankerParams
    kind: str  # "trees" or "blend"
    metrics: dict[str, Any] = field(default_factory=dict)


def _rows(data: RankingData) -> GroupedRows:
    group = np.bincount(data.user, minlength=data.n_users)
    return GroupedRows(data.matrix, data.relevant.astype(np.int64), group[group > 0])


def choose_ranker(
    windows: Sequence[ValidationWindow], *, k: int = 10, seed: int = 42, log: Log | None = None
) -> RankerChoice:
    """The ranker to ship, chosen on the pooled (customer, window) groups of these validation windows (newest
    first; the first window's catalogue gives the trees' half-life, the blend's other parameters and the
    fallback: its params ship when the pooled windows' blend does not hold forward)."""
    say = log or (lambda _: None)
    pool = ValidationPool(windows, k, MAX_VALIDATION_CUSTOMERS, seed)
    target_idx = pool.targets
    windows_said = f"{len(pool)} groups, {pool.n_windows} window" + ("s" if pool.n_windows != 1 else "")
    say(f"ranker: candidates and features of {pool.n_customers} validation customers ({windows_said})")
    base = windows[0].catalog.params
    comps = pool.components(base.history_half_life_days)
    small = pool.n_customers < MIN_TREE_CUSTOMERS

    def blend_at(half_life: float, starts: Sequence[Mapping[str, float]]) -> tuple[float, RankerParams, int, float]:
        """(score, params, points tried, fit score) of the blend with this history half-life searched from
        `starts`: score is the held-out NDCG, or in-sample on small shops (no held-out customers to spare)."""
        params = msgspec.structs.replace(base, history_half_life_days=half_life)
        found = pool.components(half_life)
        if small:
            point, score, tried = coordinate_search(BlendProblem(found, target_idx, k), starts=starts)
            return score, params_of_point(params, point), tried, score
        fitted, held = pool.split(found)
        point, fit_score, tried = coordinate_search(BlendProblem(fitted, target_idx, k), starts=starts)
        held_out = BlendProblem(held, target_idx, k).ndcg(blend_vector(point), point["repeat_threshold"])
        return held_out, params_of_point(params, point), tried, fit_score

    say(f"ranker: blend weights for history half-lives {', '.join(f'{h:g}' for h in BLEND_HALF_LIVES)} days")
    blends = {half: blend_at(half, STARTS[:1]) for half in sorted({*BLEND_HALF_LIVES, base.history_half_life_days})}
    # The other starts (blend_search.STARTS) only at the best half-life: a fraction of the search cost.
    best_half = max(blends, key=lambda half: blends[half][0])
    second = blend_at(best_half, STARTS[1:])
    spent = blends[best_half][2] + second[2]
    if second[3] > blends[best_half][3] + 1e-9:
        blends[best_half] = (*second[:2], spent, second[3])
    else:
        blends[best_half] = (*blends[best_half][:2], spent, blends[best_half][3])
    blend_score, blend_params, _, _ = max(blends.values(), key=lambda b: b[0])
    tried = sum(b[2] for b in blends.values())
    pooled: dict[str, Any] = {
        "validation_users": pool.n_customers,
        "validation_groups": len(pool),
        "validation_windows": pool.n_windows,
    }
    if small and pool.n_windows > 1:
        forward = _forward_check(pool, blend_params.history_half_life_days, k, base)
        pooled.update(
            {
                f"forward_ndcg@{k}_blend": round(forward.ours, 5),
                f"forward_ndcg@{k}_start": round(forward.theirs, 5),
                "forward_difference_low": round(forward.difference.low, 5),
            }
        )
        if forward.difference.low <= 0.0:
            say("ranker: a blend searched on the earlier windows is not surely better on the newest: fallback")
            return RankerChoice(base, "blend", {"ranker": "fallback", **pooled})
    if small:
        say(f"ranker: {pool.n_customers} validation customers (< {MIN_TREE_CUSTOMERS}): the blend ships")
        facts = {
            "ranker": "blend",
            **pooled,
            f"validation_ndcg@{k}_in_sample": round(blend_score, 5),
            "history_half_life_days": blend_params.history_half_life_days,
        }
        return RankerChoice(blend_params, "blend", facts)
    fitted, held = pool.split(comps)
    fit_problem, hold_problem = BlendProblem(fitted, target_idx, k), BlendProblem(held, target_idx, k)
    best: tuple[float, float, int] | None = None  # (held-out NDCG, threshold, rounds)
    for threshold in TREE_THRESHOLDS:
        say(f"ranker: LambdaRank trees, repeat threshold {threshold}")
        train_rows, hold_data = _rows(fit_problem.kept(threshold)), hold_problem.kept(threshold)
        if not train_rows.label.any() or not hold_data.relevant.any():
            continue
        ensemble, rounds = fit_trees(train_rows, _rows(hold_data), FEATURES, seed)
        score = hold_data.ndcg(predict(ensemble, hold_data.matrix))
        if best is None or score > best[0]:
            best = (score, threshold, rounds)
    metrics: dict[str, Any] = {
        **pooled,
        "heldout_users": len(held),
        f"heldout_ndcg@{k}_blend": round(blend_score, 5),
        "blends_tried": tried,
    }
    if best is not None:
        metrics[f"heldout_ndcg@{k}_trees"] = round(best[0], 5)
    if best is None or best[0] <= blend_score:  # ties: the blend (see the module docstring)
        metrics.update({"ranker": "blend", "history_half_life_days": blend_params.history_half_life_days})
        return RankerChoice(blend_params, "blend", metrics)
    _, threshold, rounds = best
    say(f"ranker: refitting {rounds} trees on all {len(pool)} validation groups")
    everyone = BlendProblem(comps, target_idx, k)
    ensemble = _refit(everyone.kept(threshold), rounds, seed)
    metrics.update({"ranker": "trees", "tree_rounds": rounds, "repeat_threshold": threshold})
    # The trees' features use the catalogue's own half-life; the blend of that half-life names the sources.
    params = msgspec.structs.replace(blends[base.history_half_life_days][1], repeat_threshold=threshold, trees=ensemble)
    return RankerChoice(params, "trees", metrics)


@dataclass(frozen=True)
class ForwardCheck:
    ours: float  # mean NDCG@k on the newest window of the blend searched on the earlier ones
    theirs: float  # the same for the fallback (the windows' params: FALLBACK_PARAMS in the pipeline)
    difference: Interval  # paired bootstrap interval of ours - theirs over the newest window's groups


def _forward_check(pool: ValidationPool, half_life: float, k: int, fallback: RankerParams) -> ForwardCheck:
    """The blend searched on the earlier windows' groups against `fallback`, judged on the newest window's.

    Windows are pooled when the newest one alone is too thin to search on, and a blend searched on 20-odd
    groups can be far worse than the untuned fallback (FALLBACK_PARAMS): it ships only when it beats the
    fallback forward in time, the deployment's own direction, by more than the newest window's noise.
    """
    newest = [w == 0 for w, _ in pool.groups]
    found = pool.components(half_life)
    older = [c for c, new in zip(found, newest, strict=True) if not new]
    point, _, _ = coordinate_search(BlendProblem(older, pool.targets, k))
    at_fallback = [c for c, new in zip(pool.components(fallback.history_half_life_days), newest, strict=True) if new]
    ours = _each(pool, [c for c, new in zip(found, newest, strict=True) if new], point, k)
    theirs = _each(pool, at_fallback, point_of_params(fallback), k)
    return ForwardCheck(float(ours.mean()), float(theirs.mean()), compare(ours, theirs).difference)


def _each(pool: ValidationPool, comps: Sequence[UserComponents], point: Mapping[str, float], k: int) -> np.ndarray:
    """NDCG@k of each group ranked by the blend `point`."""
    weights = blend_vector(point)
    return np.array([BlendProblem([c], pool.targets, k).ndcg(weights, point["repeat_threshold"]) for c in comps])


def _refit(data: RankingData, rounds: int, seed: int) -> TreeEnsemble:
    rows = _rows(data)
    ensemble, _ = fit_trees(rows, rows, FEATURES, seed, rounds=rounds)
    return ensemble
