"""The shipped ranker: candidates from the hybrid model, the customer's history, co-occurrence and
popularity, scored per component, scaled to [0, 1] and blended with the weights the trainer chose.

Pure numpy on one customer at a time; the service, `omnirec export` and evaluation all call
`rank_for_user`, so the same customer gets the same list everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from omnirec.bundle.format import RankerParams
from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.scoring.explain import explain
from omnirec.scoring.search import top_indices

MODEL, HISTORY, COOCCURRENCE, POPULARITY = range(4)
EXCLUDE_MODES = ("purchased", "seen", "none")
SECONDS_PER_DAY = 86_400.0

# Item index -> (neighbour indices, association scores), for the context's recent items.
Neighbours = Mapping[int, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class RankRequest:
    """What is asked for: how many items, where they will be shown and which filters apply."""

    now: int
    k: int = 10
    channel: str | None = None
    category: str | None = None
    exclude: str = "purchased"
    exclude_items: frozenset[int] = frozenset()  # e.g. the cart, the product on the page
    unavailable: frozenset[int] = frozenset()  # out of stock in the requested store


@dataclass(frozen=True)
class Components:
    """Candidate items and their per-component evidence, each column scaled to [0, 1]."""

    candidates: np.ndarray  # int64 item indices, ascending
    matrix: np.ndarray  # float64 (n_candidates, 4): MODEL, HISTORY, COOCCURRENCE, POPULARITY
    anchors: np.ndarray  # int64 per candidate: the recent item that most drives co-occurrence, -1 if none
    strategy: str  # personalized | segment | session | popular: what the model component was built from
    channel: str | None = None


@dataclass(frozen=True)
class RankedItem:
    index: int
    item_id: str
    score: float
    source: str
    reason: str | None = None


@dataclass(frozen=True)
class Ranking:
    items: list[RankedItem] = field(default_factory=list)
    strategy: str = "popular"


def neighbours_from_arrays(
    indices: np.ndarray, scores: np.ndarray, items: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Neighbour lists of the given items from (I, K) arrays, padding (-1) removed."""
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for item in np.unique(items).tolist():
        row = indices[item]
        keep = row >= 0
        out[item] = (row[keep].astype(np.int64), scores[item][keep].astype(np.float64))
    return out


def decay(catalog: Catalog, times: np.ndarray, now: int) -> np.ndarray:
    """Recency weight of events: halves every history_half_life_days before the customer's newest event.

    Anchoring at the newest event rather than at `now` drops a factor common to all of the customer's
    events, which every component cancels (each is scaled per request), so it changes no ranking; it keeps
    years-old histories away from float underflow and makes a ranking independent of the wall clock.
    """
    if times.size == 0:
        return np.empty(0, dtype=np.float64)
    anchor = min(int(times.max()), now)
    age_days = np.maximum(anchor - times, 0) / SECONDS_PER_DAY
    return np.power(0.5, age_days / catalog.params.history_half_life_days)


def allowed_mask(catalog: Catalog, ctx: UserContext, request: RankRequest) -> np.ndarray:
    """Items that may be recommended: sold in the channel, in the category, in stock, not excluded."""
    if request.exclude not in EXCLUDE_MODES:
        raise ValueError(f"exclude must be one of {EXCLUDE_MODES}")
    mask = catalog.channel_mask[:, catalog.channel_row(request.channel)].copy()
    if request.category:
        mask &= catalog.category_mask(request.category)
    blocked = set(request.exclude_items) | set(request.unavailable)
    if request.exclude == "seen":
        blocked.update(ctx.items.tolist())
    elif request.exclude == "purchased":
        threshold = catalog.params.repeat_threshold
        blocked.update(i for i in ctx.purchases if catalog.repeat_rate[i] < threshold)
    if blocked:
        mask[np.fromiter(blocked, dtype=np.int64)] = False
    return mask


def query_vector(catalog: Catalog, ctx: UserContext, weights: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The model query: the trained (or feature-built) user vector mixed with a session vector."""
    params = catalog.params
    recent = slice(0, params.history_events)
    session = None
    w = np.maximum(weights[recent], 0.0)
    if w.sum() > 0:
        session = (catalog.vectors[ctx.items[recent]] * w[:, None]).sum(axis=0) / w.sum()
    base, strategy = (ctx.user_vector, "personalized") if ctx.user_vector is not None else (None, "")
    if base is None and ctx.feature_vector is not None:
        base, strategy = ctx.feature_vector, "segment"
    if base is None:
        return (session, "session") if session is not None else (None, "popular")
    if session is None or params.session_mix <= 0:
        return base.astype(np.float32), strategy
    scale = np.linalg.norm(base) / max(float(np.linalg.norm(session)), 1e-12)
    mixed = (1 - params.session_mix) * base + params.session_mix * session * scale
    return mixed.astype(np.float32), strategy


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max() if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def compute_components(
    catalog: Catalog, ctx: UserContext, request: RankRequest, neighbours: Neighbours | None = None
) -> Components:
    """Candidates and their four evidence columns for one customer."""
    params = catalog.params
    allowed = allowed_mask(catalog, ctx, request)
    event_w = np.array([catalog.event_weights.get(t, 0.0) for t in ctx.types], dtype=np.float64)
    weights = event_w * decay(catalog, ctx.times, request.now)
    query, strategy = query_vector(catalog, ctx, weights)
    channel_row = catalog.channel_row(request.channel)
    popularity = catalog.popularity[channel_row]

    pools = [top_indices(np.where(allowed, popularity, -np.inf), max(2 * request.k, 50))]
    if query is not None:
        pools.append(catalog.search.top(query, max(4 * request.k, 100), allowed))

    # Own history: buy again (scaled by how repeatable the item is) and recently viewed / carted.
    is_purchase = np.array([t in PURCHASE_EVENTS for t in ctx.types], dtype=bool)
    history_w = np.where(is_purchase, weights * catalog.repeat_rate[ctx.items], weights)
    hist_items, hist_inverse = np.unique(ctx.items, return_inverse=True)
    hist_scores = np.bincount(hist_inverse, weights=history_w, minlength=hist_items.shape[0])
    pools.append(hist_items[allowed[hist_items] & (hist_scores > 0)])

    # Co-occurrence with the recent items, remembering which recent item contributes most.
    co_items, co_scores, co_anchor = _cooccurrence(ctx, np.maximum(weights, 0), params, neighbours or {})
    pools.append(co_items[allowed[co_items]])

    candidates = np.unique(np.concatenate(pools).astype(np.int64))
    matrix = np.zeros((candidates.shape[0], 4), dtype=np.float64)
    if candidates.size:
        raw = catalog.vectors[candidates] @ query if query is not None else np.zeros(candidates.shape[0])
        raw = raw + catalog.biases[candidates]
        span = raw.max() - raw.min()
        matrix[:, MODEL] = (raw - raw.min()) / span if span > 0 else 0.0
        matrix[:, HISTORY] = _scaled(_lookup(candidates, hist_items, np.maximum(hist_scores, 0)))
        matrix[:, COOCCURRENCE] = _scaled(_lookup(candidates, co_items, co_scores))
        matrix[:, POPULARITY] = popularity[candidates]
    anchors = _lookup(candidates, co_items, co_anchor.astype(np.float64), fill=-1).astype(np.int64)
    return Components(candidates, matrix, anchors, strategy, request.channel)


def _cooccurrence(
    ctx: UserContext, weights: np.ndarray, params: RankerParams, neighbours: Neighbours
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    recent_items = ctx.items[: params.history_events]
    anchor_items, inverse = np.unique(recent_items, return_inverse=True)
    anchor_w = np.bincount(inverse, weights=weights[: params.history_events], minlength=anchor_items.shape[0])
    parts_i, parts_s, parts_a = [], [], []
    for anchor, w in zip(anchor_items.tolist(), anchor_w.tolist(), strict=True):
        if w <= 0 or anchor not in neighbours:
            continue
        idx, scores = neighbours[anchor]
        parts_i.append(idx)
        parts_s.append(scores * w)
        parts_a.append(np.full(idx.shape[0], anchor, dtype=np.int64))
    if not parts_i:
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0), empty
    idx, contrib, anchor_of = np.concatenate(parts_i), np.concatenate(parts_s), np.concatenate(parts_a)
    items, inv = np.unique(idx, return_inverse=True)
    totals = np.bincount(inv, weights=contrib, minlength=items.shape[0])
    best = np.full(items.shape[0], -1, dtype=np.int64)
    order = np.lexsort((-contrib, inv))  # per item, the largest contribution first
    first = np.unique(inv[order], return_index=True)[1]
    best[inv[order][first]] = anchor_of[order][first]
    return items, totals, best


def _lookup(keys: np.ndarray, items: np.ndarray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    out = np.full(keys.shape[0], fill, dtype=np.float64)
    if items.size:
        pos = np.searchsorted(items, keys)
        pos = np.minimum(pos, items.shape[0] - 1)
        hit = items[pos] == keys
        out[hit] = values[pos[hit]]
    return out


def blend_weights(params: RankerParams) -> np.ndarray:
    return np.array([params.w_model, params.w_history, params.w_cooccurrence, params.w_popularity])


def blend(components: Components, params: RankerParams) -> np.ndarray:
    """Final score per candidate: the weighted sum of the scaled components."""
    return components.matrix @ blend_weights(params)


def rank_for_user(
    catalog: Catalog,
    ctx: UserContext,
    request: RankRequest,
    neighbours: Neighbours | None = None,
    with_reasons: bool = False,
) -> Ranking:
    """The top-k items for a customer with a source (and optionally a reason) per item."""
    comp = compute_components(catalog, ctx, request, neighbours)
    scores = blend(comp, catalog.params)
    order = top_indices(scores, request.k)
    contributions = comp.matrix * blend_weights(catalog.params)
    items = []
    for pos in order.tolist():
        index = int(comp.candidates[pos])
        source = _source(int(np.argmax(contributions[pos])), index, ctx, comp.strategy)
        reason = explain(catalog, ctx, source, index, int(comp.anchors[pos]), request.channel) if with_reasons else None
        items.append(RankedItem(index, str(catalog.item_ids[index]), round(float(scores[pos]), 6), source, reason))
    return Ranking(items=items, strategy=comp.strategy)


def _source(component: int, index: int, ctx: UserContext, strategy: str) -> str:
    if component == HISTORY:
        return "buy_again" if index in ctx.purchases else "recently_viewed"
    if component == COOCCURRENCE:
        return "bought_together"
    if component == MODEL and strategy != "popular":
        return strategy
    return "popular"
