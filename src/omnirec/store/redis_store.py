"""RedisStore: the Redis backend (redis://, rediss://, redis+cluster://), assembled from one part per concern.

Each part holds the connection strategy (redis_client: standalone or cluster) and implements the
store methods of one concern. RedisStore routes every FeatureStore method to the one part that has it,
wrapped once by `RedisClient.guard` (redis errors -> StoreUnavailable); no method is written twice.
"""

from __future__ import annotations

import inspect
from typing import Any

from omnirec.store.protocol import FeatureStore, ModelStore, OfferStore, RateLimits, StockStore
from omnirec.store.redis_client import RedisClient, connect
from omnirec.store.redis_customers import RedisCustomers
from omnirec.store.redis_erasure import RedisErasure
from omnirec.store.redis_event_log import RedisEventLog
from omnirec.store.redis_health import RedisHealth
from omnirec.store.redis_impressions import RedisImpressions
from omnirec.store.redis_models import RedisModels
from omnirec.store.redis_offers import RedisOffers
from omnirec.store.redis_rate_limit import RedisRateLimit
from omnirec.store.redis_snapshot import RedisSnapshot
from omnirec.store.redis_stock import RedisStock


def store_methods() -> list[str]:
    """The public methods of the FeatureStore protocol (every concern protocol's)."""
    return sorted(name for name in dir(FeatureStore) if not name.startswith("_"))


class RedisStore:
    """FeatureStore on Redis: parts by concern over one RedisClient, each method routed to its part."""

    def __init__(self, client: RedisClient) -> None:
        self.client = client
        customers, models = RedisCustomers(client), RedisModels(client)
        # The concerns one part serves, checked against their Protocols by mypy (all of them: by the tests).
        whole: tuple[ModelStore, OfferStore, StockStore, RateLimits] = (
            models,
            RedisOffers(client, customers.resolve_customer),
            RedisStock(client),
            RedisRateLimit(client),
        )
        self.parts: tuple[Any, ...] = (
            *whole,
            RedisHealth(client),
            customers,
            RedisErasure(client, customers.resolve_customer, models),
            RedisSnapshot(client, self),  # reads call by call through the routed methods when its guess fails
            RedisEventLog(client),
            RedisImpressions(client, customers.resolve_customer),
        )
        for name in store_methods():
            if name not in vars(RedisStore):
                setattr(self, name, client.guard(self._part_method(name)))

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_ms: int, password: str = "") -> RedisStore:
        """A store for redis://, rediss:// or redis+cluster:// (the client strategy follows the scheme)."""
        return cls(connect(url, prefix=prefix, timeout_ms=timeout_ms, password=password))

    async def close(self) -> None:
        await self.client.close()

    def __getattr__(self, name: str) -> Any:
        # only reached for names __init__ did not route; declared so type checkers see the routed methods
        raise AttributeError(f"{type(self).__name__} has no store method {name!r}")

    def _part_method(self, name: str) -> Any:
        found = [getattr(part, name) for part in self.parts if inspect.iscoroutinefunction(getattr(part, name, None))]
        if len(found) != 1:
            owners = [type(part).__name__ for part in self.parts if hasattr(part, name)]
            raise TypeError(f"store method {name!r} must be in exactly one Redis part, found in {owners}")
        return found[0]
