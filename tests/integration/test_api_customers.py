"""Identity links, consent and erasure over HTTP (memory store)."""

from __future__ import annotations

import pytest

from api_client import app_client, assert_problem, headers
from bundle_factory import make_bundle

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=30, n_users=10, seed=9)


async def test_link_consent_and_erase() -> None:
    async with app_client(BUNDLE) as (client, store):
        view = {"user_id": "cookie-1", "item_id": "i4", "event_type": "view"}
        await client.post("/v1/events", json=view, headers=headers())
        linked = await client.post(
            "/v1/identities", json={"anonymous_id": "cookie-1", "customer_id": "u1"}, headers=headers()
        )
        assert linked.status_code == 200 and linked.json() == {"customer_id": "u1", "identities": ["cookie-1"]}
        assert (await store.get_customer("u1")).recent_events[0].item_id == "i4"
        consent = await client.put("/v1/users/cookie-1/consent", json={"email": True}, headers=headers())
        assert consent.json() == {"customer_id": "u1", "consent": {"email": True}}
        erased = await client.delete("/v1/users/u1", headers=headers())
        assert erased.status_code == 200 and erased.json()["keys_removed"] > 0
        state = await store.get_customer("cookie-1")
        assert state.customer_id == "cookie-1" and state.is_empty
        after = await client.get("/v1/users/u1/recommendations", headers=headers())
        assert after.status_code == 200  # erased customers still get (trained-model) answers


async def test_bad_customer_requests_are_problems() -> None:
    async with app_client(BUNDLE) as (client, _):
        same = {"anonymous_id": "u1", "customer_id": "u1"}
        assert_problem(await client.post("/v1/identities", json=same, headers=headers()), 400)
        assert_problem(await client.post("/v1/identities", json={"anonymous_id": "a"}, headers=headers()), 400)
        assert_problem(await client.put("/v1/users/u1/consent", json={}, headers=headers()), 400)
        bad = {"personalization": "yes please"}
        assert_problem(await client.put("/v1/users/u1/consent", json=bad, headers=headers()), 400)
