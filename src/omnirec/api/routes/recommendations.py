"""Recommendation routes: for a customer, similar items, basket complements (scope `recommend`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from omnirec.api.dependencies import ListRoute
from omnirec.api.params import PathId
from omnirec.api.problems import problem_responses
from omnirec.api.routes.scoped import ScopedController
from omnirec.schemas import BasketRequest, RecommendationList, RecommendedItem
from omnirec.service.recommendations import Recommendations, UserQuery
from omnirec.vocabulary import ExcludeMode

# Bounds: checked once by the service (check_query, 1..settings.max_k), stated in the document (api/openapi.py).
K = Annotated[int, QueryParameter(description="list length, 1..settings.max_k")]
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


@dataclass(frozen=True)
class ListRequest:
    """A GET list route's one dependency: what every list route needs and the request's query parameters."""

    route: ListRoute
    query: UserQuery

    async def answer(self, endpoint: str, call: Awaitable[Recommendations]) -> RecommendationList:
        return to_wire(await call, self.route, endpoint, self.query.channel)


def provide_item_list(
    list_route: NamedDependency[ListRoute], k: K = 10, channel: OptionalId = None, store_id: OptionalId = None
) -> ListRequest:
    """The parameters of every GET list route (a chain of single dependencies: no task group per request)."""
    return ListRequest(list_route, UserQuery(k=k, channel=channel, store_id=store_id))


def provide_user_list(
    item_list: NamedDependency[ListRequest],
    category: OptionalId = None,
    exclude: Exclude = "purchased",
    explain: Explain = False,
) -> ListRequest:
    """A customer's list also takes a category, an exclusion mode and reasons."""
    query = dataclasses.replace(item_list.query, category=category, exclude=exclude, explain=explain)
    return ListRequest(item_list.route, query)


class RecommendationsController(ScopedController, tag="recommendations", scope="recommend"):
    dependencies = {  # noqa: RUF012 - Litestar layer option
        "item_list": Provide(provide_item_list, sync_to_thread=False),
        "user_list": Provide(provide_user_list, sync_to_thread=False),
    }

    @get(
        "/v1/users/{user_id:str}/recommendations",
        summary="Recommendations for a customer",
        responses=problem_responses(400, 401, 403, 429, 503),
    )
    async def for_user(self, user_id: PathId, user_list: NamedDependency[ListRequest]) -> RecommendationList:
        """Top-k items for a customer (any linked id) with the fallback chain visible in `strategy`."""
        return await user_list.answer("user", user_list.route.recommendations.for_user(user_id, user_list.query))

    @get(
        "/v1/items/{item_id:str}/similar",
        summary="Items similar to a product",
        responses=problem_responses(400, 401, 403, 404, 429, 503),
    )
    async def similar(
        self, item_id: PathId, item_list: NamedDependency[ListRequest], user_id: OptionalId = None
    ) -> RecommendationList:
        """Similar items; personalised for `user_id` when given. 404 for an item not in the model."""
        return await item_list.answer(
            "similar", item_list.route.recommendations.similar(item_id, item_list.query, user_id)
        )

    @post(
        "/v1/recommendations/basket",
        status_code=200,
        summary="Complements of a basket",
        responses=problem_responses(400, 401, 403, 404, 413, 415, 429, 503),
    )
    async def basket(self, data: JSONBody[BasketRequest], list_route: NamedDependency[ListRoute]) -> RecommendationList:
        """Items bought together with the cart: never the cart items, never substitutes of them."""
        query = UserQuery(k=data.k, channel=data.channel, store_id=data.store_id, explain=data.explain)
        result = await list_route.recommendations.basket(data.items, query, data.user_id)
        return to_wire(result, list_route, "basket", data.channel)
