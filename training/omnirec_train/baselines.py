"""Baselines the shipped ranker must beat, each behind one `fit` / `recommend(user, k, channel)` interface."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp

from omnirec.data.event_log import EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.interactions import IdMap, build_interactions
from omnirec_train.neighbours import cooccurrence_matrix
from omnirec_train.popularity import channel_popularity


class Recommender(Protocol):
    name: str

    def fit(self, events: EventLog, items: IdMap, now: int) -> None:
        """Learn from events before `now`; `items` is the catalogue to recommend from."""

    def recommend(self, user: str, k: int, channel: str | None = None) -> list[str]:
        """Top-k item ids for a customer (channel None means all channels)."""


class _Base:
    """Shared state: id maps, per-user decayed event weights and popularity for filling short lists."""

    name = "base"

    def __init__(self, config: TrainingConfig) -> None:
        self.config = config

    def fit(self, events: EventLog, items: IdMap, now: int) -> None:
        self.items = items
        self.users = IdMap(events.user_ids)
        self.user_items = build_interactions(events, self.users, items, self.config, now)
        pop = channel_popularity(events, items, self.config, now)
        self.channels = pop.channels
        self.popularity = pop.popularity.astype(np.float64)
        self.fit_model(events, now)

    def fit_model(self, events: EventLog, now: int) -> None:
        return None

    def _pop_row(self, channel: str | None) -> np.ndarray:
        row = self.channels.index(channel) if channel in self.channels else 0
        return self.popularity[row]

    def scores(self, user: int, channel: str | None) -> np.ndarray:
        raise NotImplementedError

    def recommend(self, user: str, k: int, channel: str | None = None) -> list[str]:
        u = int(self.users.to_internal(np.array([user]))[0])
        pop = self._pop_row(channel)
        primary = self.scores(u, channel) if u >= 0 else np.zeros_like(pop)
        # Lexicographic: the baseline's own score first, popularity only breaks ties / fills the list.
        order = np.lexsort((-pop, -primary))[:k]
        return self.items.external_ids[order].tolist()


class GlobalPopularity(_Base):
    name = "popularity"

    def scores(self, user: int, channel: str | None) -> np.ndarray:
        return self.popularity[0]

    def recommend(self, user: str, k: int, channel: str | None = None) -> list[str]:
        return self.items.external_ids[np.argsort(-self.popularity[0], kind="stable")[:k]].tolist()


class ChannelPopularityBaseline(_Base):
    name = "popularity_channel"

    def recommend(self, user: str, k: int, channel: str | None = None) -> list[str]:
        return self.items.external_ids[np.argsort(-self._pop_row(channel), kind="stable")[:k]].tolist()


class OwnHistory(_Base):
    """Buy again / recently viewed: the customer's own items by decayed event weight, then popularity."""

    name = "own_history"

    def scores(self, user: int, channel: str | None) -> np.ndarray:
        return np.asarray(self.user_items[user].todense()).ravel()


class CooccurrenceKNN(_Base):
    """Items that co-occur in baskets with what the customer interacted with (recency weighted)."""

    name = "item_knn"

    def fit_model(self, events: EventLog, now: int) -> None:
        positive = {t for t, w in self.config.event_weights.items() if w > 0}
        self.cooc = cooccurrence_matrix(events, self.items, positive)

    def scores(self, user: int, channel: str | None) -> np.ndarray:
        row = self.user_items[user]
        return np.asarray((row @ self.cooc).todense()).ravel()


class ImplicitALS(_Base):
    """implicit's ALS on the weighted interactions (confidence 1 + alpha * weight); seen items kept."""

    name = "implicit_als"
    alpha = 10.0

    def fit_model(self, events: EventLog, now: int) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        # implicit parallelises itself; a BLAS thread pool on top only contends (and implicit warns about it)
        with threadpool_limits(1, "blas"):
            self.model = AlternatingLeastSquares(
                factors=64,
                regularization=0.05,
                iterations=15,
                random_state=self.config.seed,
                num_threads=self.config.threads,
            )
            confidence = sp.csr_matrix(self.user_items * self.alpha, dtype=np.float32)
            self.model.fit(confidence, show_progress=False)

    def scores(self, user: int, channel: str | None) -> np.ndarray:
        return np.asarray(self.model.item_factors @ self.model.user_factors[user], dtype=np.float64)


def all_baselines(config: TrainingConfig) -> list[_Base]:
    return [
        GlobalPopularity(config),
        ChannelPopularityBaseline(config),
        OwnHistory(config),
        CooccurrenceKNN(config),
        ImplicitALS(config),
    ]
