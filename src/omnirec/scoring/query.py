"""The customer's query for the model: event weights (type x recency) and the user (or session) vector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.vocabulary import ModelStrategy

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class EventWeights:
    """Weights of many customers' events, concatenated (each customer's newest first)."""

    customer: np.ndarray  # int64 per event: its customer's position in the batch
    starts: np.ndarray  # int64 (customers + 1,): customer b's events are starts[b]:starts[b + 1]
    type_weight: np.ndarray  # per event: the catalogue's weight of its type (0 for an unknown type)
    recency: np.ndarray  # per event: halves every history_half_life_days before the customer's newest event
    anchor: np.ndarray  # per customer: min(newest event, now); 0 without events

    @property
    def weights(self) -> np.ndarray:
        """Per event: type weight x recency, what the session vector and the history scores sum."""
        return self.type_weight * self.recency


def event_weights(
    catalog: Catalog, types: Sequence[str], times: np.ndarray, counts: np.ndarray, now: int
) -> EventWeights:
    """The weight of every event of a batch of customers (`counts` events each, concatenated).

    Recency is anchored at the customer's newest event rather than at `now`: that drops a factor common to
    all of the customer's events, which every component cancels (each is scaled per request), so it changes
    no ranking; it keeps years-old histories away from float underflow and a ranking off the wall clock.
    """
    # map() over dict.get runs in C: no Python frame per event (a generator's was ~5 % of an export)
    type_weight = np.fromiter(map(catalog.event_weights.get, types, repeat(0.0)), dtype=np.float64, count=len(types))
    n_events = len(types)
    if counts.shape[0] == 1:  # the request path's batch of one: the same numbers, fewer numpy calls
        customer = np.zeros(n_events, dtype=np.int64)
        starts = np.array([0, n_events], dtype=np.int64)
        anchor = np.array([min(int(times.max()), now) if n_events else 0], dtype=np.int64)
        age_days = np.maximum(anchor[0] - times, 0) / SECONDS_PER_DAY
    else:
        customer = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
        starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        newest = np.zeros(counts.shape[0], dtype=np.int64)
        has = counts > 0
        if has.any():
            newest[has] = np.maximum.reduceat(times, starts[:-1][has])
        anchor = np.minimum(newest, now)
        age_days = np.maximum(anchor[customer] - times, 0) / SECONDS_PER_DAY
    recency = np.power(0.5, age_days / catalog.params.history_half_life_days)
    return EventWeights(customer, starts, type_weight, recency, anchor)


def customer_query(catalog: Catalog, ctx: UserContext, now: int) -> tuple[np.ndarray | None, ModelStrategy]:
    """One customer's model query and what it was built from: the ranker's, item lists' and offers' alike."""
    counts = np.array([ctx.items.shape[0]], dtype=np.int64)
    return query_vector(catalog, ctx, event_weights(catalog, ctx.types, ctx.times, counts, now).weights)


def query_vector(catalog: Catalog, ctx: UserContext, weights: np.ndarray) -> tuple[np.ndarray | None, ModelStrategy]:
    """The model query from the customer's event weights: the trained (or feature-built) user vector mixed
    with a session vector of their most recent events."""
    params = catalog.params
    recent = slice(0, params.history_events)
    session = None
    w = np.maximum(weights[recent], 0.0)
    total = w.sum()
    if total > 0:
        session = (catalog.vectors[ctx.items[recent]] * w[:, None]).sum(axis=0) / total
    base = ctx.user_vector
    strategy: ModelStrategy = "personalized"
    if base is None and ctx.feature_vector is not None:
        base, strategy = ctx.feature_vector, "segment"
    if base is None:
        return (session, "session") if session is not None else (None, "popular")
    if session is None or params.session_mix <= 0:
        return base.astype(np.float32), strategy
    scale = _norm(base) / max(float(_norm(session)), 1e-12)
    mixed = (1 - params.session_mix) * base + params.session_mix * session * scale
    return mixed.astype(np.float32), strategy


def _norm(vector: np.ndarray) -> np.floating:
    """np.linalg.norm of a real vector, without its argument handling: the same sqrt(x . x), same dtype."""
    return np.sqrt(vector.dot(vector))
