"""Candidates and their feature matrix for many customers at once: the one feature builder of the ranker.

Batch-first: every customer's events are concatenated and each step is a handful of numpy calls over all
of them, keyed by (customer, item) pairs (customer * items + item, ascending). The service calls it with a
batch of one, `omnirec export` with thousands, the trainer with every validation customer; every value of
one customer depends on that customer's rows alone (sums run in the same order whatever the batch), so a
customer gets the same list from all three. Only the model's top-N search runs per customer, through the
catalogue's search (exact or HNSW, as the service answers).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.scoring.cooccurrence import SortedLookup, lookup
from omnirec.scoring.feature_names import COMPONENTS, CONTEXT_FEATURES, FEATURE_INDEX, FEATURES
from omnirec.scoring.grouping import unique_inverse, unique_keys
from omnirec.scoring.history_features import (
    BASKET_HALF_LIFE,
    BASKET_SECONDS,
    HISTORY_FEATURES,
    LONG_DAYS,
    PRIOR_OCCASIONS,
    SHORT_DAYS,
    due,
)
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.query import event_weights, query_vector
from omnirec.scoring.request import EXCLUDE_MODES, RankRequest
from omnirec.scoring.segments import top_per_customer
from omnirec.vocabulary import ModelStrategy

MODEL, HISTORY, COOCCURRENCE, POPULARITY = range(4)
_HISTORY_COLUMNS = slice(len(COMPONENTS), len(COMPONENTS) + len(HISTORY_FEATURES))
GENERATORS = ("model", "history", "cooccurrence", "popular")  # Components.sources bits, in this order
MAX_DAYS = 3650.0
SECONDS_PER_DAY = 86_400.0
INT64_MIN = np.iinfo(np.int64).min
DOT_ROWS = 2048  # candidate rows per block of model scores: two 0.5 MB operands at 64 dimensions
_H = {name: i for i, name in enumerate(HISTORY_FEATURES)}
_C = {name: i for i, name in enumerate(CONTEXT_FEATURES)}


@dataclass(frozen=True)
class CandidateBatch:
    """Candidate rows of many customers, contiguous per customer, items ascending within each."""

    starts: np.ndarray  # int64 (customers + 1,): customer b's rows are starts[b]:starts[b + 1]
    customer: np.ndarray  # int64 per row
    candidates: np.ndarray  # int64 item index per row
    matrix: np.ndarray  # float64 (rows, len(FEATURES))
    anchors: np.ndarray  # int64 per row: the recent item that most drives co-occurrence, -1 if none
    sources: np.ndarray  # uint8 per row: bit g set when GENERATORS[g] proposed it
    rate: np.ndarray  # per row, the repeat rate the "purchased" rule compares (+inf: never excluded)
    bought: np.ndarray  # bool per row: the customer bought the item
    strategies: tuple[ModelStrategy, ...]  # per customer: what the model component was built from

    def rows(self, customer: int) -> slice:
        return slice(int(self.starts[customer]), int(self.starts[customer + 1]))

    def take(self, keep: np.ndarray) -> CandidateBatch:
        """Only the rows where `keep` is True (customers stay, possibly with no rows)."""
        keep = np.flatnonzero(keep)  # row numbers once, rather than a boolean mask converted per array
        counts = np.bincount(self.customer[keep], minlength=len(self.strategies))
        starts = np.zeros(len(self.strategies) + 1, dtype=np.int64)
        starts[1:] = np.cumsum(counts)
        return dataclasses.replace(
            self,
            starts=starts,
            customer=self.customer[keep],
            candidates=self.candidates[keep],
            matrix=self.matrix[keep],
            anchors=self.anchors[keep],
            sources=self.sources[keep],
            rate=self.rate[keep],
            bought=self.bought[keep],
        )


@dataclass(frozen=True)
class _Events:
    """Every customer's events concatenated (newest first per customer) with their weights."""

    customer: np.ndarray
    items: np.ndarray
    times: np.ndarray
    position: np.ndarray  # index of the event within its customer's events
    purchase: np.ndarray
    event_weight: np.ndarray  # the catalogue's weight of the event type
    recency: np.ndarray  # halves every history_half_life_days before the customer's newest event
    anchor: np.ndarray  # per customer: min(newest event, now); 0 without events
    counts: np.ndarray  # per customer: number of events
    starts: np.ndarray  # (customers + 1,): customer b's events are starts[b]:starts[b + 1]
    weights: np.ndarray  # event_weight x recency, computed once


def _events(catalog: Catalog, contexts: Sequence[UserContext], now: int) -> _Events:
    counts = np.fromiter((c.items.shape[0] for c in contexts), dtype=np.int64, count=len(contexts))
    items = (
        np.concatenate([c.items for c in contexts]).astype(np.int64, copy=False) if contexts else np.zeros(0, np.int64)
    )
    times = (
        np.concatenate([c.times for c in contexts]).astype(np.int64, copy=False) if contexts else np.zeros(0, np.int64)
    )
    types = list(chain.from_iterable(c.types for c in contexts))
    purchase = np.fromiter(map(PURCHASE_EVENTS.__contains__, types), dtype=bool, count=len(types))
    w = event_weights(catalog, types, times, counts, now)
    position = np.arange(items.shape[0], dtype=np.int64) - w.starts[w.customer]
    return _Events(
        w.customer, items, times, position, purchase, w.type_weight, w.recency, w.anchor, counts, w.starts, w.weights
    )


def _sums(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Weights summed per index, always float64 (np.bincount of nothing is int64)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)


def _segment_max(values: np.ndarray, segment: np.ndarray, n: int, empty: float = 0.0) -> np.ndarray:
    if n == 1:  # one customer (a request): one reduction instead of an unbuffered ufunc.at, same value
        return _one_value(float(values.max()) if values.size else -np.inf, empty)
    out = np.full(n, -np.inf)
    np.maximum.at(out, segment, values)
    out[~np.isfinite(out)] = empty
    return out


def _segment_min(values: np.ndarray, segment: np.ndarray, n: int) -> np.ndarray:
    if n == 1:
        return _one_value(float(values.min()) if values.size else np.inf, 0.0)
    out = np.full(n, np.inf)
    np.minimum.at(out, segment, values)
    out[~np.isfinite(out)] = 0.0
    return out


def _one_value(value: float, empty: float) -> np.ndarray:
    return np.array([value if math.isfinite(value) else empty])


@dataclass(frozen=True)
class _History:
    """Per (customer, item) of the customers' events: history score and HISTORY_FEATURES."""

    keys: np.ndarray  # customer * n_items + item, ascending
    scores: np.ndarray  # decayed event weights summed (buy again / recently viewed)
    scores_long: np.ndarray  # the same with a four times longer half-life
    values: np.ndarray  # (keys, len(HISTORY_FEATURES))
    occasions: np.ndarray  # distinct baskets holding the item (0: never bought)
    newest: np.ndarray  # time of the customer's last event on the item
    baskets: np.ndarray  # per customer: distinct purchase baskets


def _history(catalog: Catalog, ev: _Events, now: int, n_customers: int) -> _History:
    n_items = catalog.n_items
    keys, first, inverse = unique_inverse(ev.customer * n_items + ev.items)
    n = keys.shape[0]
    key_customer, key_item = keys // n_items, keys % n_items
    weights = ev.weights
    scores = _sums(inverse, weights, n)
    scores_long = _sums(inverse, ev.event_weight * np.power(ev.recency, 0.25), n)
    columns = np.zeros((len(HISTORY_FEATURES), n), dtype=np.float64)  # one row per feature, transposed at the end
    occasions = np.zeros(n, dtype=np.int64)
    browse = np.where(~ev.purchase & (ev.event_weight > 0), weights, 0.0)
    interest = _sums(inverse, browse, n)
    top = _segment_max(interest, key_customer, n_customers)[key_customer]
    np.divide(interest, top, out=columns[_H["interest"]], where=top > 0)
    baskets_per_customer = np.zeros(n_customers, dtype=np.int64)
    if ev.purchase.any():
        p_key, p_time, p_customer = inverse[ev.purchase], ev.times[ev.purchase], ev.customer[ev.purchase]
        hours = p_time // BASKET_SECONDS
        span = int(hours.max() - hours.min()) + 1
        basket_keys, _, p_basket = unique_inverse(p_customer * span + (hours - hours.min()))
        basket_customer = basket_keys // span
        baskets_per_customer = np.bincount(basket_customer, minlength=n_customers).astype(np.int64)
        basket_start = np.concatenate([[0], np.cumsum(baskets_per_customer)])
        rank = np.arange(basket_keys.shape[0]) - basket_start[basket_customer]  # 0 = the customer's oldest
        n_baskets = basket_keys.shape[0]
        pairs = unique_keys(p_key * n_baskets + p_basket)
        pair_key, pair_basket = pairs // n_baskets, pairs % n_baskets
        occasions = np.bincount(pair_key, minlength=n).astype(np.int64)
        per_customer = baskets_per_customer[basket_customer[pair_basket]]
        recent_w = np.power(0.5, (per_customer - 1 - rank[pair_basket]) / BASKET_HALF_LIFE)
        total_w = (1 - np.power(0.5, baskets_per_customer / BASKET_HALF_LIFE)) / (1 - 0.5 ** (1 / BASKET_HALF_LIFE))
        last = np.full(n, INT64_MIN, dtype=np.int64)
        np.maximum.at(last, p_key, p_time)
        # Only bought rows get purchase features: a customer's other items would get 0 / baskets, log1p(0)
        # and 0 / total_w, all +0.0 like the zeros they keep. Integer rows: no boolean mask per column.
        bought = np.flatnonzero(occasions)
        b_customer, b_item, b_occasions = key_customer[bought], key_item[bought], occasions[bought]
        b_last = last[bought]
        since_anchor = np.maximum(ev.anchor[b_customer] - b_last, 0) / SECONDS_PER_DAY
        since_now = np.maximum(now - b_last, 0) / SECONDS_PER_DAY
        rate = catalog.repeat_rate[b_item].astype(np.float64)
        repeats = b_occasions - 1.0
        columns[_H["bought"], bought] = 1.0
        columns[_H["frequency"], bought] = b_occasions / baskets_per_customer[b_customer]
        columns[_H["log_count"], bought] = np.log1p(b_occasions)
        columns[_H["basket_recency"], bought] = _sums(pair_key, recent_w, n)[bought] / total_w[b_customer]
        columns[_H["recency_short"], bought] = np.power(0.5, since_anchor / SHORT_DAYS)
        columns[_H["recency_long"], bought] = np.power(0.5, since_anchor / LONG_DAYS)
        columns[_H["due"], bought] = due(since_now, catalog.repeat_interval_days[b_item].astype(np.float64))
        columns[_H["item_repeat_rate"], bought] = rate
        columns[_H["personal_repeat"], bought] = (repeats + PRIOR_OCCASIONS * rate) / (repeats + PRIOR_OCCASIONS)
    values = np.ascontiguousarray(columns.T)
    return _History(keys, scores, scores_long, values, occasions, ev.times[first], baskets_per_customer)


@dataclass(frozen=True)
class _Cooccurrence:
    keys: np.ndarray  # customer * n_items + item, ascending
    scores: np.ndarray  # summed association with the customer's recent items
    anchors: np.ndarray  # the recent item contributing most to each


def _cooccurrence(catalog: Catalog, ev: _Events) -> _Cooccurrence:
    """Neighbours of each customer's recent items (the bundle's co-occurrence lists), weighted by recency."""
    n_items = catalog.n_items
    recent = ev.position < catalog.params.history_events
    anchor_keys, _, inverse = unique_inverse(ev.customer[recent] * n_items + ev.items[recent])
    anchor_w = _sums(inverse, np.maximum(ev.weights[recent], 0), anchor_keys.shape[0])
    used = anchor_w > 0
    anchor_keys, anchor_w = anchor_keys[used], anchor_w[used]
    indices, scores = catalog.neighbour_arrays["cooc"]
    anchor_item = anchor_keys % n_items
    rows = indices[anchor_item].astype(np.int64)
    valid = rows >= 0
    if not valid.any():
        empty = np.empty(0, dtype=np.int64)
        return _Cooccurrence(empty, np.empty(0), empty)
    pairs = (anchor_keys - anchor_item)[:, None] + rows  # customer * n_items + neighbour
    contrib = (scores[anchor_item] * anchor_w[:, None])[valid]  # float32 scores promote to float64 first
    anchor_of = np.repeat(anchor_item, np.count_nonzero(valid, axis=1))  # row-major, as the [valid] picks
    keys, _, inv = unique_inverse(pairs[valid])
    totals = _sums(inv, contrib, keys.shape[0])
    # Per item, the recent item contributing most (ties: the earlier anchor), in two linear passes.
    strongest = np.full(keys.shape[0], -np.inf)
    np.maximum.at(strongest, inv, contrib)
    position = np.full(keys.shape[0], contrib.shape[0], dtype=np.int64)
    at_max = np.flatnonzero(contrib == strongest[inv])
    np.minimum.at(position, inv[at_max], at_max)
    best = anchor_of[position]
    return _Cooccurrence(keys, totals, best)


def purchase_blocked(catalog: Catalog, ctx: UserContext, request: RankRequest) -> ItemFilter:
    """The items a request may recommend to this customer before the "purchased" rule (applied after scoring)."""
    if request.exclude not in EXCLUDE_MODES:
        raise ValueError(f"exclude must be one of {EXCLUDE_MODES}")
    blocked = set(request.exclude_items) | set(request.unavailable)
    if request.exclude == "seen":
        blocked.update(ctx.items.tolist())
    return catalog.item_filter(request.channel, request.category or None, blocked)


def build_candidates(catalog: Catalog, contexts: Sequence[UserContext], request: RankRequest) -> CandidateBatch:
    """Candidates and FEATURES columns for each customer; the "purchased" rule drops rows after scaling.

    Dropping after every column is computed and scaled makes a ranking with exclusion equal the ranking
    without it minus the excluded items, which lets the trainer choose the threshold on one computation.
    """
    if request.exclude not in EXCLUDE_MODES:
        raise ValueError(f"exclude must be one of {EXCLUDE_MODES}")
    n_items, n_customers, now = catalog.n_items, len(contexts), request.now
    ev = _events(catalog, contexts, now)
    weights = ev.weights
    ev_starts = ev.starts
    queries: list[np.ndarray | None] = []
    strategies: list[ModelStrategy] = []
    filters: list[ItemFilter] = []
    base = catalog.item_filter(request.channel, request.category or None)  # channel and category only
    per_customer = request.exclude == "seen" or bool(request.exclude_items) or bool(request.unavailable)
    for b, ctx in enumerate(contexts):
        query, strategy = query_vector(catalog, ctx, weights[ev_starts[b] : ev_starts[b + 1]])
        queries.append(query)
        strategies.append(strategy)
        filters.append(purchase_blocked(catalog, ctx, request) if per_customer else base)
    shared = all(f.blocked.size == 0 for f in filters) and n_customers > 0
    n_popular, n_model = max(2 * request.k, 50), max(4 * request.k, 100)
    popular_shared = catalog.popular(request.channel, n_popular, filters[0]) if shared else None
    pool_keys: list[list[np.ndarray]] = [[], [], [], []]
    model_ranks = []  # per customer, in pool_keys[0]'s order: position in the model's top / its length
    for b in range(n_customers):
        popular = (
            popular_shared if popular_shared is not None else catalog.popular(request.channel, n_popular, filters[b])
        )
        query = queries[b]
        model_top = catalog.search.top(query, n_model, filters[b]) if query is not None else popular[:0]
        pool_keys[0].append(b * n_items + model_top.astype(np.int64))
        pool_keys[3].append(b * n_items + popular.astype(np.int64))
        model_ranks.append(np.arange(model_top.shape[0], dtype=np.float64) / max(model_top.shape[0], 1))
    history = _history(catalog, ev, now, n_customers)
    cooc = _cooccurrence(catalog, ev)
    blocked_keys = np.concatenate([b * n_items + f.blocked for b, f in enumerate(filters)] + [np.empty(0, np.int64)])

    def allowed(keys: np.ndarray) -> np.ndarray:
        ok = base.allows(keys % n_items)
        return ok & ~np.isin(keys, blocked_keys) if blocked_keys.size else ok

    evidence = (history.scores > 0) | (history.occasions > 0) | (history.values[:, _H["interest"]] > 0)
    pool_keys[1].append(history.keys[allowed(history.keys) & evidence])
    cooc_ok = allowed(cooc.keys)  # co-occurring items: each customer's n_model strongest
    pool_keys[2].append(top_per_customer(cooc.keys[cooc_ok], cooc.scores[cooc_ok], n_items, n_model))
    pools = [np.concatenate([*p, np.empty(0, np.int64)]).astype(np.int64) for p in pool_keys]
    keys = unique_keys(np.concatenate(pools))
    sources = np.zeros(keys.shape[0], dtype=np.uint8)
    rows_of = [np.searchsorted(keys, pool) for pool in pools]  # every pool key is among keys: binary search
    for bit, rows in enumerate(rows_of):
        sources[rows] |= np.uint8(1 << bit)
    customer, items = keys // n_items, keys % n_items
    in_history, in_cooc = SortedLookup(keys, history.keys), SortedLookup(keys, cooc.keys)
    matrix = _matrix(catalog, request, keys, customer, items, queries, history, in_history, cooc, in_cooc, ev, weights)
    matrix[:, FEATURE_INDEX["model_rank"]] = 1.0  # not in the model's top
    # The model pool's rows are already found: its items are distinct per customer (a search's top), and
    # reversed, a repeated row would keep its first (best) rank, as a lookup in the sorted pool did.
    model_rows = rows_of[MODEL][::-1]
    matrix[model_rows, FEATURE_INDEX["model_rank"]] = np.concatenate([*model_ranks, np.empty(0)])[::-1]
    anchors = np.full(keys.shape[0], -1, dtype=np.int64)
    anchors[in_cooc.hit] = cooc.anchors[in_cooc.pos]
    occasions = in_history.take(history.occasions.astype(np.float64))
    rate = np.where(occasions == 1, catalog.repeat_rate[items], np.inf)
    counts = np.bincount(customer, minlength=n_customers)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    batch = CandidateBatch(starts, customer, items, matrix, anchors, sources, rate, occasions > 0, tuple(strategies))
    if request.exclude == "purchased" and keys.size:
        batch = batch.take(rate >= catalog.params.repeat_threshold)
    return batch


def _dot_rows(vectors: np.ndarray, items: np.ndarray, queries: np.ndarray, customer: np.ndarray) -> np.ndarray:
    """vectors[items[r]] . queries[customer[r]] per row r, float32 products summed as float32, as float64.

    In blocks of DOT_ROWS: the gathered (rows x dim) operands of a whole batch (20 MB each at 256
    customers) cost more to allocate and fault in than the products; each row's sum is the same whatever
    its block (one einsum kernel over rows of the same layout).
    """
    out = np.empty(items.shape[0], dtype=np.float64)
    for start in range(0, items.shape[0], DOT_ROWS):
        end = start + DOT_ROWS
        out[start:end] = np.einsum("ij,ij->i", vectors[items[start:end]], queries[customer[start:end]])
    return out


def _matrix(
    catalog: Catalog,
    request: RankRequest,
    keys: np.ndarray,
    customer: np.ndarray,
    items: np.ndarray,
    queries: list[np.ndarray | None],
    history: _History,
    in_history: SortedLookup,
    cooc: _Cooccurrence,
    in_cooc: SortedLookup,
    ev: _Events,
    weights: np.ndarray,
) -> np.ndarray:
    """FEATURES columns of every candidate row (model_rank is filled by the caller)."""
    n_customers = len(queries)
    matrix = np.zeros((keys.shape[0], len(FEATURES)), dtype=np.float64)
    if not keys.size:
        return matrix
    dim = catalog.vectors.shape[1]
    query_rows = np.zeros((n_customers, dim), dtype=np.float32)
    for b, query in enumerate(queries):
        if query is not None:
            query_rows[b] = query
    raw = _dot_rows(catalog.vectors, items, query_rows, customer)
    raw += catalog.biases[items]
    low = _segment_min(raw, customer, n_customers)[customer]
    span = _segment_max(raw, customer, n_customers)[customer] - low
    np.divide(raw - low, span, out=matrix[:, MODEL], where=span > 0)  # the matrix starts at zeros
    history_raw = in_history.take(np.maximum(history.scores, 0))
    cooc_raw = in_cooc.take(cooc.scores)
    for column, values in ((HISTORY, history_raw), (COOCCURRENCE, cooc_raw)):
        top = _segment_max(values, customer, n_customers)[customer]
        np.divide(values, top, out=matrix[:, column], where=top > 0)
    matrix[:, POPULARITY] = catalog.popularity[catalog.channel_row(request.channel)][items]
    matrix[:, _HISTORY_COLUMNS] = in_history.take(history.values)
    matrix[:, FEATURE_INDEX["model_raw"]] = raw
    matrix[:, FEATURE_INDEX["history_raw"]] = history_raw
    matrix[:, FEATURE_INDEX["history_long"]] = in_history.take(np.maximum(history.scores_long, 0))
    matrix[:, FEATURE_INDEX["cooccurrence_raw"]] = cooc_raw
    # Category affinity: share of the customer's positive event weight in each category (none: 0).
    codes = catalog.category_codes
    n_codes = catalog.n_category_codes
    positive = np.maximum(weights, 0.0)
    totals = _sums(ev.customer, positive, n_customers)
    category_keys, _, inverse = unique_inverse(ev.customer * n_codes + codes[ev.items])
    affinity = _sums(inverse, positive, category_keys.shape[0])
    owner = category_keys // n_codes
    affinity = np.divide(affinity, totals[owner], out=np.zeros_like(affinity), where=totals[owner] > 0)
    affinity[category_keys % n_codes == catalog.no_category_code] = 0.0
    matrix[:, FEATURE_INDEX["category_affinity"]] = lookup(customer * n_codes + codes[items], category_keys, affinity)
    days = np.minimum(np.maximum((request.now - history.newest) / SECONDS_PER_DAY, 0.0), MAX_DAYS)  # np.clip's bits
    matrix[:, FEATURE_INDEX["days_since_seen"]] = in_history.take(days, fill=MAX_DAYS)
    matrix[:, FEATURE_INDEX["customer_baskets"]] = np.log1p(history.baskets[customer])
    matrix[:, FEATURE_INDEX["customer_events"]] = np.log1p(ev.counts[customer])
    return matrix
