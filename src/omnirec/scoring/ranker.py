"""The shipped ranker: candidates from the hybrid model, the customer's history, co-occurrence and
popularity, described by named features and scored with the weights the trainer chose.

Two scorings share the candidates: the four-weight blend of components scaled to [0, 1] per request
(bundles without learned weights), and a learned linear model over FEATURES (RankerParams.feature_names).
Pure numpy on one customer at a time; the service, `omnirec export` and evaluation all call
`rank_for_user`, so the same customer gets the same list everywhere.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from omnirec.bundle.format import RankerParams
from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.scoring.cooccurrence import Neighbours, cooccurrence, lookup
from omnirec.scoring.cooccurrence import neighbours_from_arrays as neighbours_from_arrays  # re-exported
from omnirec.scoring.explain import explain
from omnirec.scoring.feature_names import COMPONENTS, CONTEXT_FEATURES, FEATURE_INDEX, FEATURES
from omnirec.scoring.history_features import (
    BASKET_SECONDS,
    HISTORY_FEATURES,
    HistoryFeatures,
    history_features,
    purchase_occasions,
)
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search import top_indices

MODEL, HISTORY, COOCCURRENCE, POPULARITY = range(4)
_CONTEXT = len(COMPONENTS) + len(HISTORY_FEATURES)
# Which component each feature's contribution counts toward when an item's source is named.
FEATURE_GROUPS = np.zeros((len(FEATURES), 4))
FEATURE_GROUPS[np.arange(4), np.arange(4)] = 1.0
FEATURE_GROUPS[4:_CONTEXT, HISTORY] = 1.0
# Candidate generators (Components.sources bits), reported with their recall by `omnirec evaluate`.
GENERATORS = ("model", "history", "cooccurrence", "popular")
MAX_DAYS = 3650.0
EXCLUDE_MODES = ("purchased", "seen", "none")
SECONDS_PER_DAY = 86_400.0


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
    matrix: np.ndarray  # float64 (n_candidates, len(FEATURES)): MODEL, HISTORY, COOCCURRENCE, POPULARITY, ...
    anchors: np.ndarray  # int64 per candidate: the recent item that most drives co-occurrence, -1 if none
    sources: np.ndarray  # uint8 per candidate: bit g set when GENERATORS[g] proposed it
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
    return allowed_items(catalog, ctx, request).mask()


def allowed_items(catalog: Catalog, ctx: UserContext, request: RankRequest) -> ItemFilter:
    """allowed_mask as an ItemFilter: the catalogue's channel and category arrays plus a small blocked set."""
    if request.exclude not in EXCLUDE_MODES:
        raise ValueError(f"exclude must be one of {EXCLUDE_MODES}")
    blocked = set(request.exclude_items) | set(request.unavailable)
    if request.exclude == "seen":
        blocked.update(ctx.items.tolist())
    elif request.exclude == "purchased" and ctx.purchases:
        bought = np.fromiter(ctx.purchases, dtype=np.int64, count=len(ctx.purchases))
        rate = purchase_exclusion_rate(catalog, ctx, bought)
        blocked.update(bought[rate < catalog.params.repeat_threshold].tolist())
    return catalog.item_filter(request.channel, request.category or None, blocked)


def purchase_exclusion_rate(
    catalog: Catalog, ctx: UserContext, items: np.ndarray, occasions: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Per item, the repeat rate the "purchased" rule compares with repeat_threshold (excluded when below).

    Items the customer never bought, or bought in two or more baskets (they evidently buy it again),
    get +inf and are never excluded; the others get the item's global repeat rate. `occasions` are the
    customer's (items ascending, baskets per item) when the caller has them already (history_features).
    """
    occ_items, occ = occasions if occasions is not None else purchase_occasions(ctx.items, ctx.times, ctx.types)
    count = lookup(items, occ_items, occ.astype(np.float64))
    return np.where(count == 1, catalog.repeat_rate[items], np.inf)


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
    """Candidates and their FEATURES columns for one customer.

    The "purchased" exclusion drops candidates only after every column is computed and scaled, so a
    ranking with exclusion equals the ranking without it minus the excluded items (which lets the trainer
    search the threshold exactly on components computed once).
    """
    params = catalog.params
    purchased_rule = request.exclude == "purchased"
    allowed = allowed_items(catalog, ctx, dataclasses.replace(request, exclude="none") if purchased_rule else request)
    event_w = np.array([catalog.event_weights.get(t, 0.0) for t in ctx.types], dtype=np.float64)
    recency = decay(catalog, ctx.times, request.now)
    weights = event_w * recency
    query, strategy = query_vector(catalog, ctx, weights)
    popularity = catalog.popularity[catalog.channel_row(request.channel)]

    popular = catalog.popular(request.channel, max(2 * request.k, 50), allowed)  # precomputed order: O(k)
    model_top = catalog.search.top(query, max(4 * request.k, 100), allowed) if query is not None else popular[:0]

    own = _own_evidence(catalog, ctx, weights, recency, request.now, neighbours)
    personal, hist_items, hist_scores = own.personal, own.items, own.scores
    co_items, co_scores, co_anchor = own.co_items, own.co_scores, own.co_anchor
    interest = personal.values[:, HISTORY_FEATURES.index("interest")]
    evidence = (hist_scores > 0) | (personal.occasions > 0) | (interest > 0)
    pools = (model_top, hist_items[allowed.allows(hist_items) & evidence], co_items[allowed.allows(co_items)], popular)

    candidates = np.unique(np.concatenate(pools).astype(np.int64))
    sources = np.zeros(candidates.shape[0], dtype=np.uint8)
    for bit, pool in enumerate(pools):
        sources[np.isin(candidates, pool)] |= np.uint8(1 << bit)
    matrix = np.zeros((candidates.shape[0], len(FEATURES)), dtype=np.float64)
    if candidates.size:
        raw = catalog.vectors[candidates] @ query if query is not None else np.zeros(candidates.shape[0])
        raw = raw + catalog.biases[candidates]
        span = raw.max() - raw.min()
        hist_raw = lookup(candidates, hist_items, np.maximum(hist_scores, 0))
        co_raw = lookup(candidates, co_items, co_scores)
        matrix[:, MODEL] = (raw - raw.min()) / span if span > 0 else 0.0
        matrix[:, HISTORY] = _scaled(hist_raw)
        matrix[:, COOCCURRENCE] = _scaled(co_raw)
        matrix[:, POPULARITY] = popularity[candidates]
        matrix[:, len(COMPONENTS) : _CONTEXT] = lookup(candidates, personal.items, personal.values)
        matrix[:, _CONTEXT:] = _context_columns(catalog, ctx, weights, request.now, candidates, model_top, own)
        matrix[:, FEATURE_INDEX["model_raw"]] = raw
        matrix[:, FEATURE_INDEX["history_raw"]] = hist_raw
        matrix[:, FEATURE_INDEX["cooccurrence_raw"]] = co_raw
    anchors = lookup(candidates, co_items, co_anchor.astype(np.float64), fill=-1).astype(np.int64)
    if purchased_rule and candidates.size:
        rate = purchase_exclusion_rate(catalog, ctx, candidates, (personal.items, personal.occasions))
        keep = rate >= params.repeat_threshold
        candidates, matrix, anchors, sources = candidates[keep], matrix[keep], anchors[keep], sources[keep]
    return Components(candidates, matrix, anchors, sources, strategy, request.channel)


def _context_columns(
    catalog: Catalog,
    ctx: UserContext,
    weights: np.ndarray,
    now: int,
    candidates: np.ndarray,
    model_top: np.ndarray,
    own: _OwnEvidence,
) -> np.ndarray:
    """CONTEXT_FEATURES per candidate (model_raw, history_raw, cooccurrence_raw are filled by the caller)."""
    out = np.zeros((candidates.shape[0], len(CONTEXT_FEATURES)), dtype=np.float64)
    col = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
    if model_top.size:
        order = np.argsort(model_top, kind="stable")
        position = (np.arange(model_top.shape[0], dtype=np.float64) / model_top.shape[0])[order]
        out[:, col["model_rank"]] = lookup(candidates, model_top[order], position, fill=1.0)
    else:
        out[:, col["model_rank"]] = 1.0
    out[:, col["days_since_seen"]] = MAX_DAYS
    if ctx.has_events:
        codes = catalog.category_codes
        seen_codes, inverse = np.unique(codes[ctx.items], return_inverse=True)
        positive = np.maximum(weights, 0.0)
        total = positive.sum()
        if total > 0:
            affinity = np.bincount(inverse, weights=positive, minlength=seen_codes.shape[0]) / total
            affinity[seen_codes == catalog.no_category_code] = 0.0
            out[:, col["category_affinity"]] = lookup(codes[candidates], seen_codes, affinity)
        # Events are newest first: an item's first occurrence is its last event.
        items, first = np.unique(ctx.items, return_index=True)
        days = np.clip((now - ctx.times[first]) / SECONDS_PER_DAY, 0.0, MAX_DAYS)
        out[:, col["days_since_seen"]] = lookup(candidates, items, days, fill=MAX_DAYS)
        out[:, col["customer_baskets"]] = np.log1p(own.baskets)
        out[:, col["customer_events"]] = np.log1p(ctx.items.shape[0])
    return out


@dataclass(frozen=True)
class _OwnEvidence:
    """What a customer's own events say: history scores and features per item, co-occurrence with recent items."""

    personal: HistoryFeatures
    items: np.ndarray  # history items ascending
    scores: np.ndarray  # buy again / recently viewed score per history item
    co_items: np.ndarray  # co-occurring items ascending
    co_scores: np.ndarray
    co_anchor: np.ndarray  # the recent item contributing most to each co-occurring item
    baskets: int = 0  # the customer's distinct purchase baskets


def _own_evidence(
    catalog: Catalog,
    ctx: UserContext,
    weights: np.ndarray,
    recency: np.ndarray,
    now: int,
    neighbours: Neighbours | None,
) -> _OwnEvidence:
    """History and co-occurrence evidence; a customer without events (half of all cold traffic) skips the work."""
    empty = np.empty(0, dtype=np.int64)
    if not ctx.has_events:
        none = HistoryFeatures(empty, np.zeros((0, len(HISTORY_FEATURES))), empty)
        return _OwnEvidence(none, empty, np.empty(0), empty, np.empty(0), empty)
    # Own history: decayed event weights per item (buy again, recently viewed / carted); how repeatable an
    # item is enters through the purchased rule and the item_repeat_rate feature, not by scaling this score.
    is_purchase = np.array([t in PURCHASE_EVENTS for t in ctx.types], dtype=bool)
    hist_items, hist_inverse = np.unique(ctx.items, return_inverse=True)
    hist_scores = np.bincount(hist_inverse, weights=weights, minlength=hist_items.shape[0])
    personal = history_features(
        ctx.items,
        ctx.times,
        ctx.types,
        repeat_rate=catalog.repeat_rate,
        interval_days=catalog.repeat_interval_days,
        event_weights=catalog.event_weights,
        decay=recency,
        now=now,
    )
    # Co-occurrence with the recent items, remembering which recent item contributes most.
    recent = slice(0, catalog.params.history_events)
    co_items, co_scores, co_anchor = cooccurrence(ctx.items[recent], np.maximum(weights[recent], 0), neighbours or {})
    baskets = int(np.unique(ctx.times[is_purchase] // BASKET_SECONDS).shape[0]) if is_purchase.any() else 0
    return _OwnEvidence(personal, hist_items, hist_scores, co_items, co_scores, co_anchor, baskets)


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


def rank_for_user(
    catalog: Catalog,
    ctx: UserContext,
    request: RankRequest,
    neighbours: Neighbours | None = None,
    with_reasons: bool = False,
) -> Ranking:
    """The top-k items for a customer with a source (and optionally a reason) per item."""
    comp = compute_components(catalog, ctx, request, neighbours)
    weights = feature_weights(catalog.params)
    scores = score_candidates(catalog, comp.matrix, weights)
    order = top_indices(scores, request.k)
    groups = _group_contributions(comp, weights, order)
    chosen = comp.candidates[order]
    strongest = np.argmax(groups, axis=1).tolist() if order.size else []
    rows = zip(chosen.tolist(), catalog.item_ids[chosen].tolist(), scores[order].tolist(), strongest, strict=True)
    items = []
    for (index, item_id, score, component), anchor in zip(rows, comp.anchors[order].tolist(), strict=True):
        source = _source(component, index, ctx, comp.strategy)
        reason = explain(catalog, ctx, source, index, anchor, request.channel) if with_reasons else None
        items.append(RankedItem(index, str(item_id), round(score, 6), source, reason))
    return Ranking(items=items, strategy=comp.strategy)


def _group_contributions(comp: Components, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Score contribution of each of the four components for the given rows; -inf where it has no evidence."""
    matrix = comp.matrix[rows]
    groups = (matrix * weights) @ FEATURE_GROUPS
    history = (matrix[:, HISTORY] > 0) | (matrix[:, FEATURE_INDEX["bought"]] > 0)
    history |= matrix[:, FEATURE_INDEX["interest"]] > 0
    groups[~history, HISTORY] = -np.inf
    groups[matrix[:, COOCCURRENCE] <= 0, COOCCURRENCE] = -np.inf
    return groups


def _source(component: int, index: int, ctx: UserContext, strategy: str) -> str:
    if component == HISTORY:
        return "buy_again" if index in ctx.purchases else "recently_viewed"
    if component == COOCCURRENCE:
        return "bought_together"
    if component == MODEL and strategy != "popular":
        return strategy
    return "popular"
