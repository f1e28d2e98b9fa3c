"""The customer's query for the model: event recency weights and the user (or session) vector."""

from __future__ import annotations

import numpy as np

from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext

SECONDS_PER_DAY = 86_400.0


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
