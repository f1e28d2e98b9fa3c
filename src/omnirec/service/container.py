"""Services: the domain services of one app instance, wired over one store (built in the app's lifespan)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from omnirec.measurement.recorder import ImpressionRecorder
from omnirec.measurement.setup import build_recorder
from omnirec.service.customers import CustomerService
from omnirec.service.events import EventService
from omnirec.service.model_cache import ModelCache
from omnirec.service.offers import OfferService
from omnirec.service.recommendations import RecommendationService
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore


@dataclass(frozen=True)
class Services:
    store: FeatureStore  # bounded by omnirec.store.resilient, which also reports failed calls
    models: ModelCache
    recommendations: RecommendationService
    events: EventService
    customers: CustomerService
    offers: OfferService
    state: StoreState
    impressions: ImpressionRecorder


def build_services(
    store: FeatureStore,
    settings: Settings,
    on_store_error: Callable[[str], None],
    clock: Callable[[], float] = time.time,
) -> Services:
    models = ModelCache(store, search=settings.search)
    state = StoreState(store)
    impressions = build_recorder(store, settings, clock, on_store_error)
    return Services(
        store=store,
        models=models,
        recommendations=RecommendationService(store, models, settings, clock, state, impressions),
        events=EventService(store, settings, clock, impressions),
        customers=CustomerService(store, settings),
        offers=OfferService(store, models, state, impressions, clock),
        state=state,
        impressions=impressions,
    )
