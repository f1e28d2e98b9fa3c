"""OfferService: next-best-offer decisions for one customer, with the clock and the randomness injected.

One request: the published offer catalogue (validated once per version), the loaded model's affinity, the
customer's state, the experiment assignment, then the engine's `decide_many` (the batch export's path
too) and the impression record. A store that cannot be read in time (or lost its data, so consent cannot
be read) gives the safe answer: no offer, `degraded`, nothing counted and no budget spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from omnirec.errors import NoActiveModel, StoreUnavailable
from omnirec.measurement.offer_runs import OfferRun
from omnirec.measurement.recorder import ImpressionRecorder
from omnirec.offers.engine import decide_many
from omnirec.offers.feedback_cache import FeedbackCache
from omnirec.offers.published import PublishedOffers
from omnirec.offers.ranking import OfferDecision
from omnirec.service.model_cache import LoadedModel, ModelCache
from omnirec.service.store_state import StoreState
from omnirec.store.protocol import FeatureStore

DEFAULT_POLICY = "thompson"


@dataclass(frozen=True)
class ServedDecision:
    """One offer served, with the probability its policy had of picking it (for off-policy evaluation)."""

    decision: OfferDecision
    probability: float


@dataclass(frozen=True)
class OfferAnswer:
    """What one request decided; `degraded` answers carry no offer."""

    offers: list[ServedDecision] = field(default_factory=list)
    model_version: str | None = None
    recommendation_id: str = ""
    experiment: str | None = None
    variant: str | None = None
    logged: bool = False  # the impressions were written to the log (the caller counts them)
    degraded: bool = False


class OfferService:
    """Next-best offers over one store. `clock` gives Unix seconds; `rng` draws the bandit's samples."""

    def __init__(
        self,
        store: FeatureStore,
        models: ModelCache,
        state: StoreState,
        impressions: ImpressionRecorder,
        clock: Callable[[], float] = time.time,
        rng: np.random.Generator | None = None,
    ) -> None:
        self._store = store
        self._models = models
        self._state = state
        self._impressions = impressions
        self._clock = clock
        self._rng = rng if rng is not None else np.random.default_rng()
        self.catalog = PublishedOffers(store)

    async def next_best_offers(self, user_id: str, channel: str, n: int) -> OfferAnswer:
        """Up to `n` offers (plus mandatory messages), impressions taken; UnknownOffer when none is published."""
        try:
            if self._state.lost:
                raise StoreUnavailable(self._state.reason)
            return await self._decide(user_id, channel, n)
        except StoreUnavailable:
            return OfferAnswer(degraded=True)

    async def _decide(self, user_id: str, channel: str, n: int) -> OfferAnswer:
        offers = await self.catalog.current()
        model = await self._model()
        state = await self._store.get_customer(user_id)
        assignment = self._impressions.assign(state.customer_id, "offers")
        run = OfferRun(assignment.variant.offer_policy or DEFAULT_POLICY if assignment else DEFAULT_POLICY, self._rng)
        decisions: list[OfferDecision] = []
        if assignment is None or not assignment.variant.holdout:
            affinity = await model.offer_affinity() if model is not None else None
            now = int(self._clock())
            [decisions] = await decide_many(
                self._store, offers, affinity, [state], channel, n, now, self._rng, FeedbackCache(self._store),
                rerank=run.rerank,
            )  # fmt: skip
        served = run.served(decisions)
        version = model.version if model is not None else None
        rec_id, logged = await self._impressions.record_offers(
            state.customer_id, state.consent, offers.consent_purpose(channel) or None, channel, version, assignment,
            served,
        )  # fmt: skip
        return OfferAnswer(
            offers=[ServedDecision(d, s.probability) for d, s in zip(decisions, served, strict=True)],
            model_version=version,
            recommendation_id=rec_id,
            experiment=assignment.experiment if assignment else None,
            variant=assignment.variant.name if assignment else None,
            logged=logged,
        )

    async def _model(self) -> LoadedModel | None:
        try:
            return await self._models.current()
        except NoActiveModel:
            return None  # offers still work on rules alone, with neutral propensities
