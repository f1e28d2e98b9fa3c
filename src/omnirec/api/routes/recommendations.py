"""Recommendation routes: for a customer, similar items, basket complements (scope `recommend`)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from omnirec.api.auth import SCOPE_OPT
from omnirec.api.dependencies import ListRoute
from omnirec.api.openapi import SECURITY
from omnirec.api.params import PathId
from omnirec.api.problems import problem_responses
from omnirec.schemas import BasketRequest, ExcludeMode, RecommendationList, RecommendedItem
from omnirec.service.recommendations import Recommendations, UserQuery

K = Annotated[int, QueryParameter(ge=1, le=1000, description="list length, 1..settings.max_k")]  # max: the document
OptionalId = Annotated[str | None, QueryParameter(min_length=1, max_length=256)]
Exclude = Annotated[
    ExcludeMode, QueryParameter(description="drop purchased (non-repeatable) items, seen items, or none")
]
Explain = Annotated[bool, QueryParameter(description="add a one-sentence reason per item")]


def to_wire(result: Recommendations, route: ListRoute, endpoint: str, channel: str | None = None) -> RecommendationList:
    route.metrics.observe_list(endpoint, result.strategy, (i.source for i in result.items), result.degraded)
    if result.logged:
        route.metrics.observe_impression(channel, result.variant, "list")
    return RecommendationList(
        model_version=result.version,
        request_id=route.request_id,
        strategy=result.strategy,
        items=[
            RecommendedItem(item_id=i.item_id, score=i.score, source=i.source, reason=i.reason) for i in result.items
        ],
        degraded=result.degraded,
        recommendation_id=result.recommendation_id,
        experiment=result.experiment or None,
        variant=result.variant or None,
    )


class RecommendationsController(Controller):
    tags = ("recommendations",)
    opt = {SCOPE_OPT: "recommend"}  # noqa: RUF012 - Litestar layer option
    security = SECURITY

    @get(
        "/v1/users/{user_id:str}/recommendations",
        summary="Recommendations for a customer",
        responses=problem_responses(400, 401, 403, 429, 503),
    )
    async def for_user(
        self,
        user_id: PathId,
        list_route: NamedDependency[ListRoute],
        k: K = 10,
        channel: OptionalId = None,
        store_id: OptionalId = None,
        category: OptionalId = None,
        exclude: Exclude = "purchased",
        explain: Explain = False,
    ) -> RecommendationList:
        """Top-k items for a customer (any linked id) with the fallback chain visible in `strategy`."""
        query = UserQuery(k=k, channel=channel, store_id=store_id, category=category, exclude=exclude, explain=explain)
        result = await list_route.recommendations.for_user(user_id, query)
        return to_wire(result, list_route, "user", channel)

    @get(
        "/v1/items/{item_id:str}/similar",
        summary="Items similar to a product",
        responses=problem_responses(400, 401, 403, 404, 429, 503),
    )
    async def similar(
        self,
        item_id: PathId,
        list_route: NamedDependency[ListRoute],
        k: K = 10,
        user_id: OptionalId = None,
        channel: OptionalId = None,
        store_id: OptionalId = None,
    ) -> RecommendationList:
        """Similar items; personalised for `user_id` when given. 404 for an item not in the model."""
        query = UserQuery(k=k, channel=channel, store_id=store_id)
        result = await list_route.recommendations.similar(item_id, query, user_id)
        return to_wire(result, list_route, "similar", channel)

    @post(
        "/v1/recommendations/basket",
        status_code=200,
        summary="Complements of a basket",
        responses=problem_responses(400, 401, 403, 404, 413, 415, 429, 503),
    )
    async def basket(
        self,
        data: JSONBody[BasketRequest],
        list_route: NamedDependency[ListRoute],
    ) -> RecommendationList:
        """Items bought together with the cart: never the cart items, never substitutes of them."""
        query = UserQuery(k=data.k, channel=data.channel, store_id=data.store_id, explain=data.explain)
        result = await list_route.recommendations.basket(data.items, query, data.user_id)
        return to_wire(result, list_route, "basket", data.channel)
