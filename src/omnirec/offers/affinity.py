"""Model affinity between customers and what offers promote, squashed to a propensity prior in [0, 1].

Uses the shipped scoring path (`build_context` + the ranker's `customer_query`), so the same customer looks
the same to offers as to recommendations. A customer's score for an item is standardised against the
distribution of their scores over the whole catalogue (mean and variance computed in closed form from the
catalogue's vector covariance, no full scan) and squashed with a logistic: 0.5 = an average item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.offers.items import ItemLookup
from omnirec.scoring import Catalog, UserContext, build_context
from omnirec.scoring.query import customer_query
from omnirec.store.records import CustomerState, HistoryEntry

NEUTRAL = 0.5  # prior mean when the model knows nothing about the customer or the offer's items
TOP_TARGETS = 3  # the offer's affinity is the mean of its best few items (a big category is not a lottery)


@dataclass(frozen=True)
class Affinity:
    """One customer's affinity to one offer: prior propensity and the offer's items best first."""

    propensity: float
    items: tuple[str, ...]
    source: str  # "model" or "none"


class AffinityModel:
    """Per model version: the catalogue plus the moments of its (vector, bias) rows.

    The moments cost one pass over the items: build one per loaded version and keep it with that version
    (the service's `LoadedModel.affinity`; a batch export builds its own for the run).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.lookup = ItemLookup(catalog)  # offer scopes -> item indices, expanded once per version
        augmented = np.hstack([catalog.vectors, catalog.biases[:, None]]).astype(np.float64)
        self._mean = augmented.mean(axis=0)
        centred = augmented - self._mean
        self._cov = centred.T @ centred / max(augmented.shape[0], 1)

    @property
    def version(self) -> str:
        return self.catalog.version

    def context(self, state: CustomerState, vector: np.ndarray | None, history: Sequence[HistoryEntry]) -> UserContext:
        live, features = state.recent_events, state.features
        return build_context(self.catalog, user_vector=vector, history=history, live_events=live, features=features)

    def query(self, ctx: UserContext, now: int) -> np.ndarray | None:
        """The customer's query vector as the ranker builds it (trained, feature-built or session)."""
        return customer_query(self.catalog, ctx, now)[0]

    def affinities(self, query: np.ndarray | None, targets: Sequence[np.ndarray]) -> list[Affinity]:
        """Affinity to each offer given its candidate item indices (empty = nothing to score)."""
        ids = self.catalog.item_ids
        if query is None:
            return [Affinity(NEUTRAL, tuple(str(ids[i]) for i in t[:TOP_TARGETS].tolist()), "none") for t in targets]
        q = np.append(query.astype(np.float64), 1.0)
        mean = float(q @ self._mean)
        std = float(np.sqrt(max(q @ self._cov @ q, 1e-12)))
        out = []
        for target in targets:
            if target.size == 0:
                out.append(Affinity(NEUTRAL, (), "none"))
                continue
            raw = self.catalog.vectors[target] @ query + self.catalog.biases[target]
            order = np.argsort(-raw, kind="stable")[:TOP_TARGETS]
            z = (float(raw[order].mean()) - mean) / std
            out.append(Affinity(_sigmoid(z), tuple(str(ids[target[i]]) for i in order.tolist()), "model"))
        return out


def _sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))))


def neutral(items: Mapping[str, None] | Sequence[str]) -> Affinity:
    """The affinity used without a model."""
    return Affinity(NEUTRAL, tuple(items)[:TOP_TARGETS], "none")
