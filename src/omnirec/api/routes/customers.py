"""Customer routes: identity links and consent (scope `events`), erasure (scope `admin`)."""

from __future__ import annotations

from litestar import Controller, delete, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from omnirec.api.auth import SCOPE_OPT
from omnirec.api.openapi import SECURITY
from omnirec.api.params import PathId
from omnirec.api.problems import problem_responses
from omnirec.schemas import ConsentState, Erased, IdentityLink, IdentityLinked
from omnirec.service.customers import CustomerService


class CustomersController(Controller):
    tags = ("customers",)
    security = SECURITY

    @post(
        "/v1/identities",
        status_code=200,
        opt={SCOPE_OPT: "events"},
        summary="Link an anonymous id to a customer",
        responses=problem_responses(400, 401, 403, 413, 415, 429, 503),
    )
    async def link(self, data: JSONBody[IdentityLink], customers: NamedDependency[CustomerService]) -> IdentityLinked:
        """Links a cookie, device or loyalty-card id to a customer; its events count for the customer from now on."""
        return await customers.link(data.anonymous_id, data.customer_id)

    @put(
        "/v1/users/{user_id:str}/consent",
        opt={SCOPE_OPT: "events"},
        summary="Update consent per purpose",
        responses=problem_responses(400, 401, 403, 413, 415, 429, 503),
    )
    async def consent(
        self, user_id: PathId, data: JSONBody[dict[str, bool]], customers: NamedDependency[CustomerService]
    ) -> ConsentState:
        """E.g. {"personalization": false, "email": true}; without personalization consent lists are popular only."""
        return await customers.update_consent(user_id, data)

    @delete(
        "/v1/users/{user_id:str}",
        status_code=200,
        opt={SCOPE_OPT: "admin"},
        summary="Erase a customer",
        responses=problem_responses(400, 401, 403, 429, 503),
    )
    async def erase(self, user_id: PathId, customers: NamedDependency[CustomerService]) -> Erased:
        """Deletes every piece of data held for the customer and their linked identities (right to erasure)."""
        return await customers.erase(user_id)
