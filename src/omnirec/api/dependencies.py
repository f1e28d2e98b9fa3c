"""Dependency providers: everything a handler needs comes from app.state (set up by the lifespan)."""

from __future__ import annotations

import uuid

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


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "recommendations": Provide(provide_recommendations, sync_to_thread=False),
    "events": Provide(provide_events, sync_to_thread=False),
    "customers": Provide(provide_customers, sync_to_thread=False),
    "metrics": Provide(provide_metrics, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "request_id": Provide(provide_request_id, sync_to_thread=False),
}
