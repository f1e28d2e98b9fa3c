"""Model versions, health, metrics and the OpenAPI document over HTTP (memory store)."""

from __future__ import annotations

import pytest

from api_client import app_client, assert_problem, headers, publish
from bundle_factory import make_bundle
from waiting import eventually

pytestmark = pytest.mark.anyio
OLD = make_bundle(n_items=20, n_users=5, seed=1, version="20260101T000000Z-00000001")
NEW = make_bundle(n_items=25, n_users=5, seed=2, version="20260102T000000Z-00000002")


async def test_active_model_and_background_switch_to_a_new_version() -> None:
    async with app_client(OLD) as (client, store):
        active = (await client.get("/v1/models/active", headers=headers())).json()
        assert active["version"] == OLD.version and active["n_items"] == 20 and active["search"] == "exact"
        await publish(store, NEW)
        # the first request after activation is answered by the loaded version while the new one loads
        first = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
        assert first["model_version"] in (OLD.version, NEW.version)

        async def serves_new() -> bool:
            body = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
            return bool(body["model_version"] == NEW.version)

        await eventually(serves_new, "requests never switched to the newly activated version")
        active = (await client.get("/v1/models/active", headers=headers())).json()
        assert active["loaded_versions"] == [OLD.version, NEW.version]


async def test_health_without_a_model() -> None:
    async with app_client(None) as (client, _):
        assert (await client.get("/health/live")).json() == {"status": "ok"}
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
        assert_problem(await client.get("/v1/models/active", headers=headers()), 503)


async def test_metrics_count_requests_strategies_and_sources() -> None:
    async with app_client(OLD) as (client, _):
        await client.get("/v1/users/nobody/recommendations", headers=headers())
        text = (await client.get("/metrics")).text
        assert (
            'omnirec_http_requests_total{method="GET",route="/v1/users/{user_id}/recommendations",status="200"}' in text
        )
        assert 'omnirec_recommendation_strategy_total{endpoint="user",strategy="popular"} 1.0' in text
        assert 'omnirec_recommended_items_total{endpoint="user",source="popular"} 10.0' in text
        assert "omnirec_http_request_duration_seconds_bucket" in text


async def test_openapi_documents_every_route() -> None:
    async with app_client(OLD) as (client, _):
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
        for path in (
            "/v1/users/{user_id}/recommendations",
            "/v1/items/{item_id}/similar",
            "/v1/recommendations/basket",
            "/v1/events",
            "/v1/identities",
            "/v1/users/{user_id}/consent",
            "/v1/users/{user_id}",
            "/v1/models/active",
            "/health/live",
            "/health/ready",
        ):
            assert path in paths, path
