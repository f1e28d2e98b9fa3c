"""Next-best-offer route (scope `offers`): ranked eligible offers for a customer, impressions taken."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from omnirec.api.metrics import Metrics
from omnirec.api.params import PathId
from omnirec.api.problems import problem_responses
from omnirec.api.routes.scoped import ScopedController
from omnirec.errors import NoActiveModel, StoreUnavailable, UnknownOffer
from omnirec.measurement.offer_runs import OfferRun
from omnirec.offers.catalog import decode_offer_catalog
from omnirec.offers.engine import next_best_offers
from omnirec.schemas import NextBestOffer, NextBestOfferList
from omnirec.scoring import Catalog
from omnirec.service.container import Services

Channel = Annotated[str, QueryParameter(min_length=1, max_length=64, description="channel (and consent purpose)")]
N = Annotated[int, QueryParameter(ge=1, le=20, description="offers to return (mandatory messages come on top)")]


class OffersController(ScopedController, tag="offers", scope="offers"):
    @get(
        "/v1/users/{user_id:str}/next-best-offer",
        summary="Next best offers for a customer",
        responses=problem_responses(400, 401, 403, 404, 429),  # a store outage: no offer, degraded (200)
    )
    async def next_best_offer(
        self,
        user_id: PathId,
        services: NamedDependency[Services],
        request_id: NamedDependency[str],
        metrics: NamedDependency[Metrics],
        channel: Channel = "email",
        n: N = 1,
    ) -> NextBestOfferList:
        """Eligible, capped, consent-aware offers ranked by expected value; each one returned counts as shown.

        When the store cannot be read in time (or lost its data, so consent cannot be read) the answer is
        the safe one: no offer, `degraded: true`, nothing counted and no budget spent.
        """
        try:
            if services.state.lost:
                raise StoreUnavailable(services.state.reason)
            return await self._decide(services, metrics, request_id, user_id, channel, n)
        except StoreUnavailable:
            return NextBestOfferList(
                user_id=user_id, channel=channel, model_version=None, request_id=request_id, offers=[], degraded=True
            )

    async def _decide(
        self, services: Services, metrics: Metrics, request_id: str, user_id: str, channel: str, n: int
    ) -> NextBestOfferList:
        store = services.store
        payload = await store.get_offer_catalog()
        if payload is None:
            raise UnknownOffer("no offer catalogue is published: run `omnirec offers publish offers.toml`")
        model: Catalog | None
        try:
            model = (await services.models.current()).catalog
        except NoActiveModel:
            model = None  # offers still work on rules alone, with neutral propensities
        catalog = decode_offer_catalog(payload)
        state = await store.get_customer(user_id)
        assignment = services.impressions.assign(state.customer_id, "offers")
        run = OfferRun(
            assignment.variant.offer_policy or "thompson" if assignment else "thompson", np.random.default_rng()
        )
        decisions = []
        if assignment is None or not assignment.variant.holdout:
            decisions = await next_best_offers(
                store, catalog, model, user_id, channel, n, int(time.time()), np.random.default_rng(), run.rerank
            )
        served = run.served(decisions)
        rec_id, logged = await services.impressions.record_offers(
            state.customer_id, state.consent, catalog.consent_purpose(channel) or None, channel,
            model.version if model is not None else None, assignment, served,
        )  # fmt: skip
        if logged:
            metrics.observe_impression(channel, assignment.variant.name if assignment else "", "offer")
        return NextBestOfferList(
            user_id=user_id,
            channel=channel,
            model_version=model.version if model is not None else None,
            request_id=request_id,
            offers=[
                NextBestOffer(
                    offer_id=d.offer_id, title=d.title, message=d.message, code=d.code, items=list(d.items),
                    value=d.value, propensity=d.propensity, sampled=d.sampled, expected_value=d.expected_value,
                    mandatory=d.mandatory, reasons=list(d.reasons), selection_probability=s.probability,
                )
                for d, s in zip(decisions, served, strict=True)
            ],
            recommendation_id=rec_id,
            experiment=assignment.experiment if assignment else None,
            variant=assignment.variant.name if assignment else None,
        )  # fmt: skip
