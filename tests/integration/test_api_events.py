"""POST /v1/events: single and batch, a batch with a bad event refused whole, idempotency, size limits."""

from __future__ import annotations

import pytest

from api_client import api_settings, app_client, assert_problem, headers
from bundle_factory import make_bundle

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=30, n_users=10, seed=7)


async def test_single_event_is_accepted_and_updates_state_at_once() -> None:
    async with app_client(BUNDLE) as (client, store):
        event = {"user_id": "c1", "item_id": "i3", "event_type": "add_to_cart", "channel": "app"}
        response = await client.post("/v1/events", json=event, headers=headers())
        assert response.status_code == 202
        assert response.json() == {"accepted": 1, "rejected": 0, "duplicates": 0, "errors": []}
        state = await store.get_customer("c1")
        assert "i3" in state.cart and state.recent_events[0].event_id  # an id was assigned


async def test_batch_with_bad_events_is_refused_whole_and_duplicates_count_once() -> None:
    events = [
        {"user_id": "c1", "item_id": "i1", "event_type": "view", "timestamp": "2025-01-01T10:00:00Z", "event_id": "e1"},
        {"user_id": "c1", "item_id": "i1", "event_type": "view", "timestamp": 1735725600, "event_id": "e1"},
        {"user_id": "c2", "item_id": "unknown-item", "event_type": "purchase", "price": 3.5, "store_id": "s9"},
        {"user_id": "c2", "item_id": "i2", "event_type": "teleport"},
        {"user_id": "c2", "item_id": "i2", "event_type": "view", "timestamp": "yesterday", "event_id": "e9"},
        {"user_id": "c2", "item_id": "i2", "event_type": "view", "quantity": "lots"},
        {"user_id": "c2", "item_id": "i2", "event_type": "view", "channel": "fax"},
    ]
    async with app_client(BUNDLE) as (client, store):
        response = await client.post("/v1/events", json={"events": events}, headers=headers())
        problem = assert_problem(response, 400)  # one bad event refuses the whole batch: nothing is stored
        assert [e["index"] for e in problem["errors"]] == ["3", "4", "5", "6"]
        assert [e["field"] for e in problem["errors"]] == ["event_type", "timestamp", "quantity", "channel"]
        assert "yesterday" in problem["errors"][1]["reason"]
        assert (await store.get_customer("c1")).recent_events == []
        response = await client.post("/v1/events", json={"events": events[:3]}, headers=headers())
        body = response.json()
        assert response.status_code == 202, body
        assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 0)
        assert "unknown-item" in (await store.get_customer("c2")).purchases  # unknown items are kept
        again = await client.post("/v1/events", json={"events": events[:1]}, headers=headers())
        assert again.json()["duplicates"] == 1


async def test_a_retried_batch_without_event_ids_is_stored_once_when_timestamped() -> None:
    events = [
        {"user_id": "c3", "item_id": "i1", "event_type": "view", "timestamp": "2025-01-01T10:00:00Z"},
        {"user_id": "c3", "item_id": "i2", "event_type": "add_to_cart", "timestamp": "2025-01-01T10:00:05Z"},
        {"user_id": "c3", "item_id": "i2", "event_type": "view"},  # no timestamp: cannot be told from a new one
    ]
    async with app_client(BUNDLE) as (client, store):
        first = (await client.post("/v1/events", json={"events": events}, headers=headers())).json()
        retry = (await client.post("/v1/events", json={"events": events}, headers=headers())).json()
        assert (first["accepted"], first["duplicates"]) == (3, 0)
        assert (retry["accepted"], retry["duplicates"]) == (1, 2)
        assert len((await store.get_customer("c3")).recent_events) == 4


async def test_oversize_batch_is_413_and_bad_shapes_400() -> None:
    settings = api_settings(max_batch_events=3, max_body_bytes=4096)
    event = {"user_id": "c1", "item_id": "i1", "event_type": "view"}
    async with app_client(BUNDLE, settings=settings) as (client, _):
        assert_problem(await client.post("/v1/events", json={"events": [event] * 4}, headers=headers()), 413)
        huge = {"events": [{**event, "session_id": "x" * 200}] * 3 + [event] * 0, "pad": "y" * 5000}
        assert_problem(await client.post("/v1/events", json=huge, headers=headers()), 413)  # body limit
        assert_problem(await client.post("/v1/events", json={"events": []}, headers=headers()), 400)
        assert_problem(await client.post("/v1/events", json={"events": "nope"}, headers=headers()), 400)
        json_headers = {**headers(), "content-type": "application/json"}
        assert_problem(await client.post("/v1/events", content=b"[1, 2", headers=json_headers), 400)
        assert_problem(await client.post("/v1/events", content=b"[1, 2", headers=headers()), 415)
