"""A Redis outage under the running app (real redis-server, stopped and restarted by the test).

During the outage: list answers stay 200 within the bounded time, flagged degraded with popular items
from the last loaded model; writes answer 503 with Retry-After and never claim success; readiness is 503.
After the restart the same app recovers by itself (no new app, no new store).
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, app_client, assert_problem, headers, publish
from bundle_factory import make_bundle
from omnirec.store.factory import open_store
from redis_servers import RedisServer
from waiting import eventually

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=40, n_users=8, seed=13)
EVENT = {"user_id": "u1", "item_id": "i2", "event_type": "view", "event_id": "outage-1"}
BOUND_S = 5.0  # store_timeout_ms=100: an answer that waits for the store (seconds, or forever) is well past it;
# a loaded 2-core machine is not (the timing check is not the point: degraded/503 answers are)


async def timed(call: object) -> tuple[object, float]:
    start = time.perf_counter()
    response = await call  # type: ignore[misc]
    return response, time.perf_counter() - start


async def is_ready(client: AsyncTestClient) -> bool:
    return bool((await client.get("/health/ready")).status_code == 200)


async def check_lists(client: AsyncTestClient, degraded: bool) -> None:
    h = headers()
    calls = [
        (False, client.get("/v1/users/u1/recommendations?k=5&channel=web", headers=h)),
        (False, client.get("/v1/users/someone-new/recommendations?k=5", headers=h)),
        (True, client.get("/v1/items/i3/similar?k=5", headers=h)),
        (True, client.post("/v1/recommendations/basket", json={"items": ["i3"], "k": 5}, headers=h)),
    ]
    for about_i3, call in calls:
        response, took = await timed(call)
        assert response.status_code == 200, response.text  # type: ignore[attr-defined]
        body = response.json()  # type: ignore[attr-defined]
        assert body["degraded"] is degraded, body
        assert body["model_version"] == BUNDLE.version and body["items"]
        if degraded:
            assert took < BOUND_S, f"degraded answer took {took:.2f} s"
            assert body["strategy"] == "popular" and {i["source"] for i in body["items"]} == {"popular"}
            assert not about_i3 or "i3" not in [i["item_id"] for i in body["items"]]  # never the item itself


async def test_outage_degrades_reads_refuses_writes_and_recovers(redis_server_process: RedisServer) -> None:
    settings = api_settings(store_url=redis_server_process.url, key_prefix="outage", store_timeout_ms=100)
    async with app_client(BUNDLE, settings=settings) as (client, _):
        h = headers()
        await check_lists(client, degraded=False)
        assert (await client.post("/v1/events", json=EVENT, headers=h)).status_code == 202
        assert (await client.get("/health/ready")).status_code == 200

        redis_server_process.stop()
        for _ in range(3):  # the first calls find out, the next ones fail fast
            await check_lists(client, degraded=True)
        write_calls = [
            client.post("/v1/events", json={**EVENT, "event_id": "outage-2"}, headers=h),
            client.post("/v1/identities", json={"anonymous_id": "a1", "customer_id": "u1"}, headers=h),
            client.put("/v1/users/u1/consent", json={"personalization": False}, headers=h),
        ]
        for call in write_calls:
            response, took = await timed(call)
            body = assert_problem(response, 503)
            assert response.headers.get("retry-after"), response.headers  # type: ignore[attr-defined]
            assert "accepted" not in body and took < BOUND_S
        ready, took = await timed(client.get("/health/ready"))
        assert ready.status_code == 503 and took < BOUND_S  # type: ignore[attr-defined]
        assert (await client.get("/health/live")).status_code == 200
        metrics = (await client.get("/metrics")).text
        assert re.search(r'omnirec_fallbacks_total\{source="popular"\} [1-9]', metrics), metrics[-2000:]
        assert re.search(r"omnirec_store_errors_total\{[^}]*\} [1-9]", metrics)

        redis_server_process.start()  # back, empty (no persistence): the operator republishes the model
        store = open_store(redis_server_process.url, prefix="outage", timeout_ms=2000)
        await publish(store, BUNDLE)
        await store.close()
        await eventually(lambda: is_ready(client), "the app did not recover after the store came back")
        await check_lists(client, degraded=False)
        retried = await client.post("/v1/events", json={**EVENT, "event_id": "outage-2"}, headers=h)
        assert retried.status_code == 202 and retried.json()["accepted"] == 1


async def test_a_frozen_store_is_cut_off_at_the_bound(redis_server_process: RedisServer) -> None:
    """SIGSTOP: connections stay open and nothing answers; only the app's own bound keeps answers fast."""
    settings = api_settings(store_url=redis_server_process.url, key_prefix="frozen", store_timeout_ms=100)
    async with app_client(BUNDLE, settings=settings) as (client, _):
        await check_lists(client, degraded=False)
        assert redis_server_process._proc is not None
        os.kill(redis_server_process._proc.pid, signal.SIGSTOP)
        try:
            await check_lists(client, degraded=True)
            response, took = await timed(client.post("/v1/events", json=EVENT, headers=headers()))
            assert_problem(response, 503)
            assert took < 1.0 + BOUND_S  # the write bound (10 x store_timeout_ms, at least 1 s) plus slack
        finally:
            os.kill(redis_server_process._proc.pid, signal.SIGCONT)
        await eventually(lambda: is_ready(client), "the app did not recover after the store was thawed")
        await check_lists(client, degraded=False)
