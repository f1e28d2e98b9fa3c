"""Dependency providers: everything a handler needs comes from app.state (set up by the lifespan)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from omnirec.api.metrics import Metrics
from omnirec.service.container import Services
from omnirec.service.customers import CustomerService
from omnirec.service.events import EventService
from omnirec.service.recommendations import RecommendationService
from omnirec.settings import Settings


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_recommendations(state: State) -> RecommendationService:
    return provide_services(state).recommendations


def provide_events(state: State) -> EventService:
    return provide_services(state).events


def provide_customers(state: State) -> CustomerService:
    return provide_services(state).customers


def provide_metrics(state: State) -> Metrics:
    metrics: Metrics = state.metrics
    return metrics


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_request_id(request: Request) -> str:
    """The caller's X-Request-ID when given (for tracing across systems), else a new one."""
    return request.headers.get("x-request-id") or uuid.uuid4().hex


@dataclass(frozen=True)
class ListRoute:
    """What a recommendation route needs, as ONE dependency: Litestar resolves two or more dependencies of
    a handler in an anyio task group, a few task spawns per request on the hottest route."""

    recommendations: RecommendationService
    metrics: Metrics
    request_id: str


def provide_list_route(state: State, request: Request) -> ListRoute:
    return ListRoute(provide_recommendations(state), provide_metrics(state), provide_request_id(request))


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "recommendations": Provide(provide_recommendations, sync_to_thread=False),
    "events": Provide(provide_events, sync_to_thread=False),
    "customers": Provide(provide_customers, sync_to_thread=False),
    "metrics": Provide(provide_metrics, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "request_id": Provide(provide_request_id, sync_to_thread=False),
    "list_route": Provide(provide_list_route, sync_to_thread=False),
}
