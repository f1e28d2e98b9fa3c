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
from omnirec.service.reads import StoreReads
from omnirec.service.recommendations import RecommendationService
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore


@dataclass(frozen=True)
class Services:
    reads: StoreReads
    models: ModelCache
    recommendations: RecommendationService
    events: EventService
    customers: CustomerService
    state: StoreState
    impressions: ImpressionRecorder


def build_services(
    store: FeatureStore,
    settings: Settings,
    on_store_error: Callable[[str], None],
    clock: Callable[[], float] = time.time,
) -> Services:
    reads = StoreReads(store, on_error=on_store_error)
    models = ModelCache(reads, search=settings.search)
    state = StoreState(store)
    impressions = build_recorder(store, settings, clock, on_store_error)
    return Services(
        reads=reads,
        models=models,
        recommendations=RecommendationService(reads, models, settings, clock, state, impressions),
        events=EventService(reads, settings, clock, impressions),
        customers=CustomerService(reads, settings),
        state=state,
        impressions=impressions,
    )
