"""Consent is bounded per customer (purposes held) and per purpose name (bytes), on a real redis-server."""

from __future__ import annotations

import pytest

from api_client import api_settings, app_client, assert_problem, headers
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio


async def test_a_customer_cannot_grow_consent_beyond_the_bound(redis_server: RedisServer) -> None:
    redis_server.flush()
    settings = api_settings(store_url=redis_server.url, key_prefix="bounds", max_consent_purposes=4)
    async with app_client(None, settings=settings) as (client, _):
        h = headers()
        for n in range(4):  # one purpose per request: the old per-request limit never fired
            response = await client.put("/v1/users/c1/consent", json={f"p{n}": True}, headers=h)
            assert response.status_code == 200, response.text
        body = assert_problem(await client.put("/v1/users/c1/consent", json={"p4": True}, headers=h), 400)
        assert "at most 4 consent purposes" in body["detail"]
        again = await client.put("/v1/users/c1/consent", json={"p0": False}, headers=h)  # changing one is fine
        assert again.status_code == 200 and len(again.json()["consent"]) == 4
        long_name = {"x" * 65: True}
        assert (
            "1 to 64 bytes"
            in assert_problem(await client.put("/v1/users/c2/consent", json=long_name, headers=h), 400)["detail"]
        )
