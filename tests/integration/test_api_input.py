"""Hostile input on the JSON routes over a real redis-server: every bad body is a 4xx problem, never a 5xx,
and a batch with one bad event stores nothing (each case answered 500 or stored half a batch before)."""

from __future__ import annotations

from typing import Any

import pytest

from api_client import api_settings, app_client, assert_problem, headers
from bundle_factory import make_bundle
from omnirec.settings import Settings
from omnirec.store.factory import open_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=30, n_users=10, seed=7)
GOOD = {"user_id": "c1", "item_id": "i1", "event_type": "view", "timestamp": 1_700_000_000, "event_id": "g1"}
JSON_ROUTES = [
    ("POST", "/v1/events"),
    ("POST", "/v1/recommendations/basket"),
    ("POST", "/v1/identities"),
    ("PUT", "/v1/users/c1/consent"),
]


def redis_settings(server: RedisServer, **overrides: Any) -> Settings:
    server.flush()
    return api_settings(store_url=server.url, store_timeout_ms=2000, **overrides)


def json_headers() -> dict[str, str]:
    return {**headers(), "content-type": "application/json"}


async def stored_event_ids(server: RedisServer, user_id: str) -> list[str]:
    """The customer's stored events, read through a store of the test's own (the app's runs on another loop);
    fails when the event log holds an event the customer state does not."""
    store = open_store(server.url, timeout_ms=2000)
    try:
        ids = [e.event_id for e in (await store.get_customer(user_id)).recent_events]
        logged = [e.event.event_id for e in await store.read_event_log(None, 1000) if e.event.user_id == user_id]
    finally:
        await store.close()
    assert sorted(logged) == sorted(ids)
    return ids


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
async def test_deeply_nested_bodies_are_400(redis_server: RedisServer, method: str, path: str, opener: bytes) -> None:
    depth = 3000  # a few KB of brackets: past the JSON decoder's recursion limit
    closer = b"]" if opener == b"[" else b"}"
    body = opener * depth + (b"1" if opener != b"[" else b"") + closer * depth
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.request(method, path, content=body, headers=json_headers())
        problem = assert_problem(response, 400)
        assert "nest" in problem["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timestamp", 2**63),
        ("timestamp", -(2**63) - 1),
        ("timestamp", 10**30),
        ("timestamp", -5),
        ("timestamp", 1e300),
        ("quantity", 1e300),
        ("quantity", 10**40),
        ("price", 1e300),
        ("price", -1),
    ],
)
async def test_numbers_out_of_range_are_400_and_nothing_of_the_batch_is_stored(
    redis_server: RedisServer, field: str, value: float
) -> None:
    bad = {**GOOD, "event_id": "b1", field: value}
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.post("/v1/events", json={"events": [GOOD, bad]}, headers=headers())
        problem = assert_problem(response, 400)
        assert problem["errors"], problem
        assert problem["errors"][0]["index"] == "1" and field in problem["errors"][0]["field"], problem
        assert await stored_event_ids(redis_server, "c1") == []  # the good event was not stored either
        single = await client.post("/v1/events", json=bad, headers=headers())
        assert_problem(single, 400)
        assert await stored_event_ids(redis_server, "c1") == []


async def test_a_batch_with_one_semantically_bad_event_stores_nothing(redis_server: RedisServer) -> None:
    bad = {**GOOD, "event_id": "b2", "event_type": "teleport"}
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        problem = assert_problem(await client.post("/v1/events", json={"events": [GOOD, bad]}, headers=headers()), 400)
        assert problem["errors"][0]["index"] == "1" and "teleport" in problem["errors"][0]["reason"], problem
        assert await stored_event_ids(redis_server, "c1") == []
        ok = await client.post("/v1/events", json={"events": [GOOD]}, headers=headers())
        assert ok.status_code == 202 and ok.json()["accepted"] == 1
        assert await stored_event_ids(redis_server, "c1") == ["g1"]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
async def test_json_routes_refuse_other_content_types_with_415(
    redis_server: RedisServer, method: str, path: str, content_type: str
) -> None:
    body = b'{"events": []}'
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.request(method, path, content=body, headers={**headers(), "content-type": content_type})
        assert_problem(response, 415)


async def test_json_with_a_charset_and_problem_free_bodies_still_work(redis_server: RedisServer) -> None:
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.post(
            "/v1/events",
            content=b'{"user_id": "c2", "item_id": "i2", "event_type": "view"}',
            headers={**headers(), "content-type": "application/json; charset=utf-8"},
        )
        assert response.status_code == 202, response.text
        assert len(await stored_event_ids(redis_server, "c2")) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/recommendations/basket", b'{"items": ["i1"], "k": 100000000000000000000000}'),
        ("POST", "/v1/recommendations/basket", b'{"items": ["i1"], "k": NaN}'),
        ("POST", "/v1/events", b'{"user_id": "c1", "item_id": "i1", "event_type": "view", "quantity": Infinity}'),
        ("POST", "/v1/events", b'{"user_id": "c1", "item_id": "i1", "event_type": "view", "price": 1e999}'),
        ("PUT", "/v1/users/c1/consent", b"[true]"),
        ("POST", "/v1/identities", b'{"anonymous_id": "\\ud800", "customer_id": "c1"}'),
        ("POST", "/v1/identities", b"\xff\xfe not utf-8"),
        ("POST", "/v1/events", b""),
        ("POST", "/v1/events", b"null"),
    ],
)
async def test_odd_json_is_a_4xx_problem(redis_server: RedisServer, method: str, path: str, body: bytes) -> None:
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.request(method, path, content=body, headers=json_headers())
        assert 400 <= response.status_code < 500, response.text
        assert_problem(response, response.status_code)


async def test_a_future_dated_event_refuses_its_batch(redis_server: RedisServer) -> None:
    future = {**GOOD, "event_id": "f1", "timestamp": 1_760_000_000 + 2 * 86_400}  # the app clock is api_client.NOW
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        response = await client.post("/v1/events", json={"events": [GOOD, future]}, headers=headers())
        problem = assert_problem(response, 400)
        assert problem["errors"] == [
            {"index": "1", "field": "timestamp", "event_id": "f1", "reason": problem["errors"][0]["reason"]}
        ]
        assert "future" in problem["errors"][0]["reason"]
        assert await stored_event_ids(redis_server, "c1") == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/users/{id}/recommendations"),
        ("GET", "/v1/items/{id}/similar"),
        ("GET", "/v1/users/{id}/next-best-offer"),
        ("PUT", "/v1/users/{id}/consent"),
        ("DELETE", "/v1/users/{id}"),
    ],
)
async def test_ids_in_the_path_are_bounded_like_ids_in_bodies(
    redis_server: RedisServer, method: str, path: str
) -> None:
    long_id = "x" * 257  # schemas.Id allows 256
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):
        body = {"json": {"email": True}} if method == "PUT" else {}
        problem = assert_problem(
            await client.request(method, path.format(id=long_id), headers=headers(), **body),
            400,  # type: ignore[arg-type]
        )
        assert "256" in str(problem)
    assert redis_server.client().dbsize() > 0 and not [
        k for k in redis_server.client().keys("*") if long_id.encode() in k
    ]
