"""Must-show 4: Redis restarts EMPTY under the running app (no persistence), then publish + import restore it.

While the data is lost: /health/ready answers 503 (store: data_lost), lists are degraded popular answers
from the model the app holds, and the customer who withdrew consent (imported consent_personalization=no)
is never personalised. After `publish` and `customers import` the same app is ready again by itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, app_client, headers, publish
from bundle_factory import make_bundle
from omnirec.customer_profiles import import_profiles
from omnirec.store.factory import open_store
from redis_servers import RedisServer
from waiting import eventually

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=40, n_users=8, seed=21)
USERS = "user_id,segment,consent_personalization\nu1,diy,no\nu2,diy,yes\n"  # u1 and u2 have trained vectors


async def recommend(client: AsyncTestClient, user: str) -> dict[str, Any]:
    response = await client.get(f"/v1/users/{user}/recommendations?k=5", headers=headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ready_becomes(client: AsyncTestClient, status: int, store: str | None = None) -> dict[str, Any]:
    last: list[Any] = []

    async def reached() -> dict[str, Any] | None:
        response = await client.get("/health/ready")
        last[:] = [response]
        if response.status_code == status and (store is None or response.json()["store"] == store):
            body: dict[str, Any] = response.json()
            return body
        return None

    return await eventually(reached, lambda: f"readiness stayed {last[0].status_code}: {last[0].text}")


async def restore(url: str, users: Path, *, model: bool, customers: bool) -> None:
    store = open_store(url, prefix="loss", timeout_ms=5000)
    try:
        if model:
            await publish(store, BUNDLE)
        if customers:
            await import_profiles(store, users)
    finally:
        await store.close()


async def test_a_store_restarted_empty_is_not_ready_and_personalises_nobody_until_restored(
    redis_server_process: RedisServer, tmp_path: Path
) -> None:
    users = tmp_path / "users.csv"
    users.write_text(USERS)
    settings = api_settings(store_url=redis_server_process.url, key_prefix="loss", store_timeout_ms=200)
    async with app_client(None, settings=settings) as (client, _):
        await restore(redis_server_process.url, users, model=True, customers=True)
        body = await ready_becomes(client, 200)
        assert body["durable"] is False and "appendonly no" in body["persistence"]
        assert (await recommend(client, "u1"))["strategy"] == "non_personalized"
        assert (await recommend(client, "u2"))["strategy"] == "personalized"

        redis_server_process.stop()
        redis_server_process.start()  # back on the same port with nothing in it

        body = await ready_becomes(client, 503, store="data_lost")
        assert "omnirec publish" in body["detail"]
        for user in ("u1", "u2"):  # consent cannot be read: nobody is personalised, the answer says degraded
            answer = await recommend(client, user)
            assert answer["degraded"] is True and answer["strategy"] == "popular", answer
            assert answer["model_version"] == BUNDLE.version
        offer = await client.get("/v1/users/u1/next-best-offer?channel=email", headers=headers())
        assert offer.status_code == 200 and offer.json()["offers"] == [] and offer.json()["degraded"] is True

        await restore(redis_server_process.url, users, model=True, customers=False)  # the model alone is not enough
        assert (await client.get("/health/ready")).json()["store"] == "data_lost"
        assert (await recommend(client, "u1"))["degraded"] is True

        await restore(redis_server_process.url, users, model=False, customers=True)
        await ready_becomes(client, 200)
        assert (await recommend(client, "u1"))["strategy"] == "non_personalized"
        assert (await recommend(client, "u2"))["strategy"] == "personalized"
