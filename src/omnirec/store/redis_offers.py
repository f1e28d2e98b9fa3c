"""Offers in Redis: the catalogue payload, per-offer budgets and per-customer caps, feedback counters."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from omnirec.store import codec, scripts
from omnirec.store import customer_rules as rules
from omnirec.store.keys import IMPRESSION_RETENTION_SECONDS
from omnirec.store.records import ImpressionRequest
from omnirec.store.redis_client import RedisClient, as_str


class RedisOffers:
    """The offer catalogue, impression caps (a customer's slot) and budgets (the offer's), feedback."""

    def __init__(self, client: RedisClient, resolve: Callable[[str], Awaitable[str]]) -> None:
        self._c = client
        self._keys = client.keys
        self._resolve = resolve

    async def put_offer_catalog(self, payload: bytes) -> None:
        keys = [self._keys.named("offers:catalog"), self._keys.offer_catalog_digest()]
        await self._c.script(scripts.PUT_CATALOG)(keys=keys, args=[payload, codec.payload_version(payload)])

    async def get_offer_catalog(self) -> bytes | None:
        value = await self._c.main.get(self._keys.named("offers:catalog"))
        return None if value is None else bytes(value)

    async def offer_catalog_version(self) -> str | None:
        value = await self._c.main.get(self._keys.offer_catalog_digest())
        return None if value is None else as_str(value)

    async def take_impression(self, request: ImpressionRequest) -> bool:
        """Budget first (its own slot), then caps on the customer's slot; a refused cap refunds the budget."""
        if request.mandatory:
            return True
        budget_key = self._keys.offer_budget(request.offer_id)
        take_budget = self._c.script(scripts.TAKE_BUDGET)
        if request.budget > 0 and not await take_budget(keys=[budget_key], args=[request.budget]):
            return False
        allowed = 0
        try:
            allowed = await self._take_caps(request)
        finally:
            if allowed != 1 and request.budget > 0:
                await self._c.main.decr(budget_key)
        return allowed == 1

    async def _take_caps(self, request: ImpressionRequest) -> int:
        """1 when the customer's caps and fatigue allow the impression (counted then), 0 when not."""
        offer_suffix, channel_suffix = rules.impression_keys(request)
        member = f"{request.now}:{uuid.uuid4().hex[:12]}"
        args = [
            request.now,
            request.cap_count,
            request.cap_seconds,
            request.fatigue_count,
            request.fatigue_seconds,
            member,
            IMPRESSION_RETENTION_SECONDS,
            offer_suffix,
            channel_suffix,
        ]
        take_caps, customer = self._c.script(scripts.TAKE_CAPS), await self._resolve(request.customer_id)
        allowed = 0
        for _ in range(rules.WRITE_RETRIES):
            tag = self._keys.customer_tag(customer)
            keys = [f"{tag}:{offer_suffix}", f"{tag}:{channel_suffix}", f"{tag}:aux", f"{tag}:alias"]
            allowed = int(await take_caps(keys=keys, args=args))
            if allowed != -1:
                break
            customer = await self._resolve(customer)  # linked meanwhile: count under the new canonical id
        return allowed

    async def add_offer_feedback(self, offer_id: str, segment: str, outcome: str, amount: float = 1.0) -> None:
        pipe = self._c.pipeline()
        for field in rules.feedback_fields(segment, outcome):
            pipe.hincrbyfloat(self._keys.by_id("of", offer_id), field, amount)
        await pipe.execute()

    async def get_offer_feedback(self, offer_ids: Sequence[str], segment: str) -> dict[str, dict[str, float]]:
        counters = await self._c.hgetall_many([self._keys.by_id("of", offer_id) for offer_id in offer_ids])
        return {
            offer_id: rules.feedback_for_segment({as_str(k): float(v) for k, v in held.items()}, segment)
            for offer_id, held in zip(offer_ids, counters, strict=True)
        }
