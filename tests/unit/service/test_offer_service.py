"""OfferService over the memory store: the catalogue per published version, injected clock and randomness,
affinity kept with the loaded model version, and the safe answer when the store is down."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import numpy as np
import pytest

from offer_data import DAY, NOW, THREE, offers_from, sample_bundle
from omnirec.errors import UnknownOffer
from omnirec.measurement.setup import build_recorder
from omnirec.offers.affinity import AffinityModel
from omnirec.offers.catalog import encode_offer_catalog
from omnirec.publishing import publish_bundle
from omnirec.service import model_cache
from omnirec.service.model_cache import ModelCache
from omnirec.service.offers import OfferAnswer, OfferService
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.health import StoreHealth
from omnirec.store.memory import MemoryStore
from omnirec.store.protocol import FeatureStore
from omnirec.store.resilient import ResilientStore

T = TypeVar("T")
CATEGORIES = """
[[offers]]
id = "cat"
categories = ["pets/cat/food"]
[[offers]]
id = "sofa"
categories = ["home/furniture/sofas"]
"""


class CountingStore(MemoryStore):
    """The memory store, counting how often the whole catalogue payload is read."""

    payload_reads = 0

    async def get_offer_catalog(self) -> bytes | None:
        self.payload_reads += 1
        return await super().get_offer_catalog()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def service_over(
    store: FeatureStore, models: ModelCache | None = None, clock: Callable[[], float] = lambda: NOW, seed: int = 7
) -> OfferService:
    models = models or ModelCache(store)
    recorder = build_recorder(store, Settings(impression_flush_ms=0), clock)
    return OfferService(store, models, StoreState(store), recorder, clock, np.random.default_rng(seed))


async def publish(store: FeatureStore, text: str) -> None:
    await store.put_offer_catalog(encode_offer_catalog(offers_from(text)))


def ids(answer: OfferAnswer) -> list[str]:
    return [served.decision.offer_id for served in answer.offers]


def test_the_catalogue_is_read_and_validated_once_per_published_version() -> None:
    async def scenario() -> tuple[list[list[str]], list[int], list[int]]:
        store = CountingStore()
        await store.set_consent("c1", {"email": True})
        await publish(store, '[[offers]]\nid = "old"\n')
        service = service_over(store)
        answers, reads, decoded = [], [], []
        for step in range(4):
            if step == 2:
                await publish(store, '[[offers]]\nid = "new"\n')
            answers.append(ids(await service.next_best_offers("c1", "email", 1)))
            reads.append(store.payload_reads)
            decoded.append(service.catalog.decoded)
        return answers, reads, decoded

    answers, reads, decoded = run(scenario())
    assert answers == [["old"], ["old"], ["new"], ["new"]]  # the publish is seen on the very next request
    assert reads == [1, 1, 2, 2] and decoded == [1, 1, 2, 2]  # and only then is the payload read again


def test_a_publish_reaches_every_service_over_the_store() -> None:
    """Two services over one store stand for two workers: each sees the other's publish at once."""

    async def scenario() -> tuple[list[list[str]], list[list[str]]]:
        store = MemoryStore()
        await store.set_consent("c1", {"email": True})
        await store.set_consent("c2", {"email": True})
        workers = service_over(store), service_over(store)

        async def both() -> list[list[str]]:
            return [ids(await w.next_best_offers(c, "email", 1)) for w, c in zip(workers, ("c1", "c2"), strict=True)]

        await publish(store, '[[offers]]\nid = "old"\n')
        before = await both()
        await publish(store, '[[offers]]\nid = "new"\nvalue = 2\n')
        after = await both()
        return before, after

    assert run(scenario()) == ([["old"], ["old"]], [["new"], ["new"]])


def test_nothing_published_is_an_unknown_offer_error() -> None:
    with pytest.raises(UnknownOffer, match="omnirec offers publish"):
        run(service_over(MemoryStore()).next_best_offers("c1", "email", 1))


def test_a_fixed_clock_and_a_seeded_rng_give_the_same_answer() -> None:
    async def answer(seed: int) -> list[tuple[str, float, float]]:
        store = MemoryStore()
        await store.set_consent("c1", {"email": True})
        await publish(store, THREE)
        served = (await service_over(store, seed=seed).next_best_offers("c1", "email", 2)).offers
        return [(s.decision.offer_id, s.decision.sampled, s.probability) for s in served]

    first, again, other = run(answer(7)), run(answer(7)), run(answer(8))
    assert first == again and len(first) == 2
    assert [s for _, s, _ in first] != [s for _, s, _ in other]  # the draws come from the injected generator


def test_caps_are_counted_on_the_injected_clock() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        store = MemoryStore()
        await store.set_consent("c1", {"email": True})
        await publish(store, '[[offers]]\nid = "a"\nvalue = 3\ncap = { count = 1, days = 1 }\n[[offers]]\nid = "b"\n')
        assert ids(await service_over(store).next_best_offers("c1", "email", 1)) == ["a"]
        same_day = ids(await service_over(store, clock=lambda: NOW + 60).next_best_offers("c1", "email", 1))
        next_day = ids(await service_over(store, clock=lambda: NOW + 2 * DAY).next_best_offers("c1", "email", 1))
        return same_day, next_day

    same_day, next_day = run(scenario())
    assert same_day == ["b"]  # "a" is capped at one a day
    assert next_day == ["a"]  # two days later (on the service's clock, not the wall's) it is allowed again


def test_a_store_that_is_down_gives_no_offer_and_spends_nothing() -> None:
    async def scenario() -> tuple[OfferAnswer, OfferAnswer, list[object]]:
        inner = MemoryStore()
        await inner.set_consent("c1", {"email": True})
        await publish(inner, '[[offers]]\nid = "only"\nbudget = 1\n')
        health = StoreHealth(failure_threshold=1, cooldown_s=3600.0)
        service = service_over(ResilientStore(inner, timeout_ms=1000, health=health))
        health.record_failure("test: the store went away")  # the breaker is open: every call fails at once
        down = await service.next_best_offers("c1", "email", 1)
        logged = await inner.read_impressions(None, 10)
        health.record_ok()
        return down, await service.next_best_offers("c1", "email", 1), list(logged)

    down, back, logged = run(scenario())
    assert down.degraded and down.offers == [] and logged == []
    assert not back.degraded and ids(back) == ["only"]  # the budget of 1 was not spent by the outage


def test_affinity_is_kept_with_its_model_version_and_dropped_with_it() -> None:
    async def scenario() -> tuple[list[str | None], list[str], list[bool]]:
        store = MemoryStore()
        await store.set_consent("c1", {"email": True})
        await store.set_features("c1", {"segment": "pet_owner"})  # a feature the model knows: a query vector
        await publish(store, CATEGORIES)
        models = ModelCache(store, keep=2)
        service = service_over(store, models)
        versions: list[str | None] = []
        kept: list[weakref.ref[AffinityModel]] = []
        for version in ("v1", "v2", "v3"):
            await publish_bundle(sample_bundle(version), store)
            loaded = await models.load(version)
            answer = await service.next_best_offers("c1", "email", 1)
            versions.append(answer.model_version)
            assert answer.offers and "affinity:model" in answer.offers[0].decision.reasons
            assert loaded.affinity is loaded.affinity  # built once per version
            kept.append(weakref.ref(loaded.affinity))
            del loaded
        gc.collect()
        return versions, models.loaded_versions, [ref() is not None for ref in kept]

    versions, loaded, alive = run(scenario())
    assert versions == ["v1", "v2", "v3"] and loaded == ["v2", "v3"]
    assert alive == [False, True, True]  # v1 left the model cache: nothing else keeps its affinity


def test_affinity_is_built_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its moments take one pass over the items (seconds at a million): other requests must not wait."""
    built_on: list[int] = []

    class Recorded(AffinityModel):
        def __init__(self, *args: Any) -> None:
            built_on.append(threading.get_ident())
            super().__init__(*args)

    monkeypatch.setattr(model_cache, "AffinityModel", Recorded)

    async def scenario() -> int:
        store = MemoryStore()
        await store.set_consent("c1", {"email": True})
        await publish(store, CATEGORIES)
        await publish_bundle(sample_bundle("v1"), store)
        service = service_over(store)
        for _ in range(2):
            assert (await service.next_best_offers("c1", "email", 1)).model_version == "v1"
        return threading.get_ident()

    loop_thread = run(scenario())
    assert len(built_on) == 1 and built_on[0] != loop_thread  # once per version, in a worker thread
