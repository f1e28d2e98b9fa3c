"""Degraded answers come from the active version as last seen: after `omnirec activate <older>` an outage
answers from the older catalogue, `similar` and `basket` degrade for its items, next-best-offer answers the
safe "no offer" instead of 503 (real redis-server, stopped under the running app)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, app_client, headers, publish
from bundle_factory import make_bundle
from offer_data import offers_from
from omnirec.offers.catalog import encode_offer_catalog
from omnirec.store.factory import open_store
from redis_servers import RedisServer
from waiting import eventually

pytestmark = pytest.mark.anyio
OLD = make_bundle(n_items=60, n_users=6, seed=31, version="20260101T000000Z-old")
NEW = make_bundle(n_items=40, n_users=6, seed=32, version="20260102T000000Z-new")
ONLY_OLD = "i55"  # an item of the older catalogue only
OFFERS = '[channels.email]\nconsent = "email"\n[[offers]]\nid = "welcome"\nvalue = 1\n'


async def served_version(client: AsyncTestClient, version: str) -> None:
    async def serves() -> bool:
        body = (await client.get("/v1/users/u1/recommendations?k=3", headers=headers())).json()
        return bool(body["model_version"] == version)

    await eventually(serves, f"the app never served model version {version}")


async def test_outage_after_rollback_answers_from_the_active_older_version(redis_server_process: RedisServer) -> None:
    settings = api_settings(store_url=redis_server_process.url, key_prefix="rollback", store_timeout_ms=100)
    async with app_client(OLD, settings=settings) as (client, _):
        h = headers()
        store = open_store(redis_server_process.url, prefix="rollback", timeout_ms=5000)
        try:
            await store.put_offer_catalog(encode_offer_catalog(offers_from(OFFERS)))
            await store.set_consent("u1", {"email": True})
            await publish(store, NEW)
            await served_version(client, NEW.version)  # both versions loaded, the newer one last
            await store.activate(OLD.version)  # omnirec activate <older>
            await served_version(client, OLD.version)
        finally:
            await store.close()
        assert (await client.get("/v1/users/u1/next-best-offer?channel=email", headers=h)).json()["offers"]

        redis_server_process.stop()
        for _ in range(2):  # the first calls find out, the next fail fast
            lists = [
                await client.get("/v1/users/u1/recommendations?k=50", headers=h),
                await client.get(f"/v1/items/{ONLY_OLD}/similar?k=50", headers=h),
                await client.post("/v1/recommendations/basket", json={"items": [ONLY_OLD], "k": 50}, headers=h),
            ]
            for response in lists:
                assert response.status_code == 200, response.text
                body = response.json()
                assert body["degraded"] is True and body["model_version"] == OLD.version, body
            items = {i["item_id"] for i in lists[0].json()["items"]}
            assert any(int(i[1:]) >= 40 for i in items)  # items only the older catalogue has
            assert ONLY_OLD not in {i["item_id"] for i in lists[1].json()["items"]}  # never the item itself
            offer = await client.get("/v1/users/u1/next-best-offer?channel=email", headers=h)
            assert offer.status_code == 200, offer.text
            assert offer.json()["offers"] == [] and offer.json()["degraded"] is True


async def test_next_best_offer_answers_no_offer_when_its_bounded_read_times_out(
    redis_server_process: RedisServer,
) -> None:
    """SIGSTOP: the connection stays open and nothing answers; the read is cut off at its bound (no 503)."""
    settings = api_settings(store_url=redis_server_process.url, key_prefix="frozen-nbo", store_timeout_ms=100)
    async with app_client(OLD, settings=settings) as (client, _):
        store = open_store(redis_server_process.url, prefix="frozen-nbo", timeout_ms=5000)
        try:  # its own client: the app's store lives on the app's event loop
            await store.put_offer_catalog(encode_offer_catalog(offers_from(OFFERS)))
            await store.set_consent("u1", {"email": True})
        finally:
            await store.close()
        h = headers()
        assert (await client.get("/v1/users/u1/next-best-offer?channel=email", headers=h)).json()["offers"]
        assert redis_server_process._proc is not None
        os.kill(redis_server_process._proc.pid, signal.SIGSTOP)
        try:
            answers = await asyncio.gather(
                *(client.get("/v1/users/u1/next-best-offer?channel=email", headers=h) for _ in range(20))
            )
        finally:
            os.kill(redis_server_process._proc.pid, signal.SIGCONT)
        assert {a.status_code for a in answers} == {200}, [a.text for a in answers if a.status_code != 200][:1]
        assert all(a.json()["offers"] == [] and a.json()["degraded"] for a in answers)
