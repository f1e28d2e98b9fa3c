"""Next-best-offer route (scope `offers`): ranked eligible offers for a customer, impressions taken."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from omnirec.api.metrics import Metrics
from omnirec.api.params import PathId
from omnirec.api.problems import problem_responses
from omnirec.api.routes.scoped import ScopedController
from omnirec.offers.ranking import OfferDecision
from omnirec.schemas import NextBestOffer, NextBestOfferList
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
        answer = await services.offers.next_best_offers(user_id, channel, n)
        if answer.logged:
            metrics.observe_impression(channel, answer.variant or "", "offer")
        return NextBestOfferList(
            user_id=user_id,
            channel=channel,
            model_version=answer.model_version,
            request_id=request_id,
            offers=[_offer(served.decision, served.probability) for served in answer.offers],
            degraded=answer.degraded,
            recommendation_id=answer.recommendation_id,
            experiment=answer.experiment,
            variant=answer.variant,
        )


def _offer(d: OfferDecision, probability: float) -> NextBestOffer:
    return NextBestOffer(
        offer_id=d.offer_id, title=d.title, message=d.message, code=d.code, items=list(d.items), value=d.value,
        propensity=d.propensity, sampled=d.sampled, expected_value=d.expected_value, mandatory=d.mandatory,
        reasons=list(d.reasons), selection_probability=probability,
    )  # fmt: skip
