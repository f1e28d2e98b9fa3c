"""The Redis backend's assembly: each store method routed to exactly one part, through the one error guard."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from omnirec.errors import StoreUnavailable
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ImpressionRequest
from omnirec.store.redis_health import RedisHealth
from omnirec.store.redis_stock import RedisStock
from omnirec.store.redis_store import RedisStore, store_methods
from redis_servers import free_port

pytestmark = pytest.mark.anyio

# One call per part, none of which can finish without the server (RedisHealth ... RedisRateLimit).
CALL_PER_PART: dict[str, Callable[[Any], Awaitable[object]]] = {
    "RedisHealth": lambda s: s.read_marker(),
    "RedisModels": lambda s: s.list_versions(),
    "RedisCustomers": lambda s: s.set_features("c1", {"segment": "a"}),
    "RedisErasure": lambda s: s.erase_customer("c1"),
    "RedisSnapshot": lambda s: s.customer_snapshot("c1", "v1", "s1"),
    "RedisEventLog": lambda s: s.read_erasures(None, 10),
    "RedisImpressions": lambda s: s.recent_impressions("c1", 0),
    "RedisOffers": lambda s: s.take_impression(
        ImpressionRequest(customer_id="c1", offer_id="o1", channel="email", now=0, budget=1)
    ),
    "RedisStock": lambda s: s.get_unavailable_items("s1"),
    "RedisRateLimit": lambda s: s.count_request("key", 1000),
}


def test_every_store_method_is_one_parts_method_behind_the_guard() -> None:
    store = RedisStore.from_url("redis://127.0.0.1:1/0", prefix="t", timeout_ms=50)  # connects on first use
    owners = set()
    for name in store_methods():
        if name == "close":
            continue
        routed = getattr(store, name)
        part = routed.__wrapped__.__self__  # functools.wraps in RedisClient.guard
        assert part in store.parts and routed.__wrapped__ == getattr(part, name), name
        owners.add(type(part).__name__)
    assert owners == set(CALL_PER_PART)


def parameters(method: Callable[..., object]) -> list[tuple[str, object, object]]:
    """Name, kind and default of each parameter after self (annotations are compared by mypy, not here)."""
    found = inspect.signature(method).parameters.values()
    return [(p.name, p.kind, p.default) for p in found if p.name != "self"]


def test_routed_methods_take_the_parameters_the_protocol_declares() -> None:
    """mypy cannot see through the routing, so the signatures are compared here."""
    store = RedisStore.from_url("redis://127.0.0.1:1/0", prefix="t", timeout_ms=50)
    declared = store_methods()
    assert len(declared) >= 29 and "customer_snapshot" in declared
    for name in declared:
        assert parameters(getattr(store, name)) == parameters(getattr(FeatureStore, name)), name


@pytest.mark.parametrize("part", sorted(CALL_PER_PART))
@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
async def test_each_part_raises_store_unavailable_on_a_dead_port(scheme: str, part: str) -> None:
    store = RedisStore.from_url(f"{scheme}://127.0.0.1:{free_port()}", prefix="t", timeout_ms=100)
    with pytest.raises(StoreUnavailable, match="feature store unavailable"):
        await CALL_PER_PART[part](store)
    await store.close()


def test_a_store_method_no_part_has_is_refused_at_assembly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RedisStock, "get_unavailable_items")
    with pytest.raises(TypeError, match=r"'get_unavailable_items' must be in exactly one Redis part, found in \[\]"):
        RedisStore.from_url("redis://127.0.0.1:1/0", prefix="t", timeout_ms=50)


def test_a_store_method_two_parts_have_is_refused_at_assembly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RedisStock, "ping", RedisHealth.ping, raising=False)
    with pytest.raises(
        TypeError, match=r"'ping' must be in exactly one Redis part, found in \['RedisStock', 'RedisHealth'\]"
    ):
        RedisStore.from_url("redis://127.0.0.1:1/0", prefix="t", timeout_ms=50)
