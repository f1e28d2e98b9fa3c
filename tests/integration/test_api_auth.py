"""API keys: 401 without a known key, 403 without the scope; health, metrics and schema stay open."""

from __future__ import annotations

import pytest

from api_client import api_settings, app_client, assert_problem, headers
from bundle_factory import make_bundle
from omnirec.api.auth import digest, new_key

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=20, n_users=5, seed=11)
EVENT = {"user_id": "c1", "item_id": "i1", "event_type": "view"}


async def test_missing_and_unknown_keys_are_401() -> None:
    async with app_client(BUNDLE) as (client, _):
        body = assert_problem(await client.get("/v1/users/u1/recommendations"), 401)
        assert "X-API-Key" in body["detail"]
        assert_problem(await client.get("/v1/users/u1/recommendations", headers={"X-API-Key": "guess"}), 401)
        assert_problem(await client.post("/v1/events", json=EVENT), 401)


async def test_wrong_scope_is_403() -> None:
    async with app_client(BUNDLE) as (client, _):
        assert_problem(await client.post("/v1/events", json=EVENT, headers=headers("recs")), 403)
        assert_problem(await client.get("/v1/users/u1/recommendations", headers=headers("events")), 403)
        assert_problem(await client.delete("/v1/users/u1", headers=headers("events")), 403)
        assert (await client.post("/v1/events", json=EVENT, headers=headers("events"))).status_code == 202
        assert (await client.get("/v1/items/i1/similar", headers=headers("recs"))).status_code == 200


async def test_open_routes_and_disabled_auth() -> None:
    async with app_client(BUNDLE) as (client, _):
        for path in ("/health/live", "/health/ready", "/metrics", "/schema/openapi.json"):
            assert (await client.get(path)).status_code == 200, path
    async with app_client(BUNDLE, settings=api_settings(auth_enabled=False)) as (client, _):
        assert (await client.get("/v1/users/u1/recommendations")).status_code == 200


def test_new_key_matches_its_digest() -> None:
    key, sha = new_key()
    assert digest(key) == sha and len(sha) == 64 and key != new_key()[0]
