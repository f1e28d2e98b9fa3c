"""The shipped ranker: scores the candidates of omnirec.scoring.candidates and returns each customer's top k.

Two scorings share the candidates: the learned LambdaRank trees (RankerParams.trees), and the linear blend
(the four weights of components scaled to [0, 1] per customer, or learned linear weights over FEATURES
in older bundles). Batch-first: `rank_batch` ranks many customers with one feature computation and one
tree evaluation; `rank_for_user` is a batch of one. The service, `omnirec export` and evaluation all go
through here, so the same customer gets the same list everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from omnirec.bundle.format import RankerParams
from omnirec.scoring.candidates import (
    COOCCURRENCE,
    GENERATORS,
    HISTORY,
    MODEL,
    CandidateBatch,
    build_candidates,
    purchase_blocked,
)
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.scoring.cooccurrence import lookup
from omnirec.scoring.explain import explain
from omnirec.scoring.feature_names import COMPONENTS, FEATURE_INDEX, FEATURES
from omnirec.scoring.history_features import HISTORY_FEATURES, purchase_occasions
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.request import RankRequest
from omnirec.scoring.segments import best_of_each
from omnirec.vocabulary import ModelStrategy, Source

__all__ = ["GENERATORS", "Components", "RankRequest", "RankedItem", "Ranking", "rank_batch", "rank_for_user"]

# Which component each feature's contribution counts toward when an item's source is named.
FEATURE_GROUPS = np.zeros((len(FEATURES), 4))
FEATURE_GROUPS[np.arange(4), np.arange(4)] = 1.0
FEATURE_GROUPS[len(COMPONENTS) : len(COMPONENTS) + len(HISTORY_FEATURES), HISTORY] = 1.0


@dataclass(frozen=True)
class Components:
    """One customer's candidate items and their FEATURES columns (a slice of a CandidateBatch)."""

    candidates: np.ndarray  # int64 item indices, ascending
    matrix: np.ndarray  # float64 (n_candidates, len(FEATURES)): MODEL, HISTORY, COOCCURRENCE, POPULARITY, ...
    anchors: np.ndarray  # int64 per candidate: the recent item that most drives co-occurrence, -1 if none
    sources: np.ndarray  # uint8 per candidate: bit g set when GENERATORS[g] proposed it
    strategy: ModelStrategy  # what the model component was built from
    channel: str | None = None


@dataclass(frozen=True)
class RankedItem:
    index: int
    item_id: str
    score: float
    source: Source
    reason: str | None = None


@dataclass(frozen=True)
class Ranking:
    items: list[RankedItem] = field(default_factory=list)
    strategy: ModelStrategy = "popular"


def allowed_mask(catalog: Catalog, ctx: UserContext, request: RankRequest) -> np.ndarray:
    """Items that may be recommended: sold in the channel, in the category, in stock, not excluded."""
    return allowed_items(catalog, ctx, request).mask()


def allowed_items(catalog: Catalog, ctx: UserContext, request: RankRequest) -> ItemFilter:
    """The request's filter for this customer, the "purchased" rule included (fallback lists use it)."""
    base = purchase_blocked(catalog, ctx, request)
    if request.exclude != "purchased" or not ctx.purchases:
        return base
    bought = np.fromiter(ctx.purchases, dtype=np.int64, count=len(ctx.purchases))
    rate = purchase_exclusion_rate(catalog, ctx, bought)
    blocked = set(base.blocked.tolist()) | set(bought[rate < catalog.params.repeat_threshold].tolist())
    return catalog.item_filter(request.channel, request.category or None, blocked)


def purchase_exclusion_rate(catalog: Catalog, ctx: UserContext, items: np.ndarray) -> np.ndarray:
    """Per item, the repeat rate the "purchased" rule compares with repeat_threshold (excluded when below).

    Items the customer never bought, or bought in two or more baskets (they evidently buy it again),
    get +inf and are never excluded; the others get the item's global repeat rate.
    """
    occ_items, occ = purchase_occasions(ctx.items, ctx.times, ctx.types)
    count = lookup(items, occ_items, occ.astype(np.float64))
    return np.where(count == 1, catalog.repeat_rate[items], np.inf)


def components_of(batch: CandidateBatch, customer: int, channel: str | None) -> Components:
    rows = batch.rows(customer)
    return Components(
        batch.candidates[rows],
        batch.matrix[rows],
        batch.anchors[rows],
        batch.sources[rows],
        batch.strategies[customer],
        channel,
    )


def compute_components(catalog: Catalog, ctx: UserContext, request: RankRequest) -> Components:
    """Candidates and their FEATURES columns for one customer (a batch of one)."""
    return components_of(build_candidates(catalog, [ctx], request), 0, request.channel)


def feature_weights(params: RankerParams) -> np.ndarray:
    """Weight of each FEATURES column: the learned weights, or the four blend weights of older bundles."""
    weights = np.zeros(len(FEATURES))
    if not params.feature_names:
        weights[:4] = [params.w_model, params.w_history, params.w_cooccurrence, params.w_popularity]
        return weights
    for name, value in zip(params.feature_names, params.feature_weights, strict=True):
        if name not in FEATURE_INDEX:
            raise ValueError(f"unknown ranker feature {name!r}; this omnirec scores {', '.join(FEATURES)}")
        weights[FEATURE_INDEX[name]] += value
    return weights


def score_candidates(catalog: Catalog, matrix: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Final score per candidate row: the learned trees when the bundle has them, else the linear blend.

    Sources are still named from the linear weights (the blend's, which ride along with the trees).
    """
    if catalog.trees is not None:
        return catalog.trees.predict(matrix)
    return matrix @ (feature_weights(catalog.params) if weights is None else weights)


def rank_batch(
    catalog: Catalog, contexts: Sequence[UserContext], request: RankRequest, with_reasons: bool = False
) -> list[Ranking]:
    """The top-k items of each customer, with a source (and optionally a reason) per item."""
    batch = build_candidates(catalog, contexts, request)
    weights = feature_weights(catalog.params)
    scores = score_candidates(catalog, batch.matrix, weights)
    # Per customer: best score first, ties by lower item index (rows are in item order); non-finite
    # scores never ranked. Each customer's k best are found by partition, and only they are sorted.
    best = np.flatnonzero(best_of_each(batch.customer, np.where(np.isnan(scores), -np.inf, scores), request.k))
    order = best[np.lexsort((batch.candidates[best], -scores[best], batch.customer[best]))]
    chosen = order[np.isfinite(scores[order])]
    groups = _group_contributions(batch.matrix[chosen], weights)
    strongest = np.argmax(groups, axis=1) if chosen.size else np.zeros(0, dtype=np.int64)
    items: list[list[RankedItem]] = [[] for _ in contexts]
    columns = zip(
        batch.customer[chosen].tolist(),
        batch.candidates[chosen].tolist(),
        catalog.item_ids[batch.candidates[chosen]].tolist(),
        scores[chosen].tolist(),
        strongest.tolist(),
        batch.bought[chosen].tolist(),
        batch.anchors[chosen].tolist(),
        strict=True,
    )
    for customer, index, item_id, score, component, bought, anchor in columns:
        source = _source(component, bought, batch.strategies[customer])
        ctx = contexts[customer]
        reason = explain(catalog, ctx, source, index, anchor, request.channel) if with_reasons else None
        items[customer].append(RankedItem(index, str(item_id), round(score, 6), source, reason))
    return [Ranking(items=found, strategy=strategy) for found, strategy in zip(items, batch.strategies, strict=True)]


def rank_for_user(catalog: Catalog, ctx: UserContext, request: RankRequest, with_reasons: bool = False) -> Ranking:
    """The top-k items for one customer (the service's call: a batch of one)."""
    return rank_batch(catalog, [ctx], request, with_reasons)[0]


def _group_contributions(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score contribution of each of the four components per row; -inf where it has no evidence."""
    groups = (matrix * weights) @ FEATURE_GROUPS
    history = (matrix[:, HISTORY] > 0) | (matrix[:, FEATURE_INDEX["bought"]] > 0)
    history |= matrix[:, FEATURE_INDEX["interest"]] > 0
    groups[~history, HISTORY] = -np.inf
    groups[matrix[:, COOCCURRENCE] <= 0, COOCCURRENCE] = -np.inf
    return groups


def _source(component: int, bought: bool, strategy: ModelStrategy) -> Source:
    if component == HISTORY:
        return "buy_again" if bought else "recently_viewed"
    if component == COOCCURRENCE:
        return "bought_together"
    if component == MODEL and strategy != "popular":
        return strategy
    return "popular"
