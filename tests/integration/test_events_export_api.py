"""Events accepted over HTTP reach the durable log and the export, once each; rejected ones never do."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_client import api_settings, app_client, assert_problem, headers
from bundle_factory import make_bundle
from omnirec.batch.events import export_events
from omnirec.data.loading import load_dataset
from omnirec.store.factory import open_store
from omnirec.training_config import TrainingConfig
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio


def event(n: int, **kw: object) -> dict[str, object]:
    return {"user_id": f"c{n % 3}", "item_id": f"i{n % 9}", "event_type": "view", "event_id": f"http-{n}", **kw}


async def test_http_events_are_exported_exactly_once(redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    settings = api_settings(store_url=redis_server.url, key_prefix="httpexp", max_batch_events=10)
    async with app_client(make_bundle(n_items=20, n_users=5, seed=5), settings=settings) as (client, _):
        h = headers("events")
        first = await client.post("/v1/events", json={"events": [event(n) for n in range(6)]}, headers=h)
        assert first.status_code == 202 and first.json()["accepted"] == 6
        mixed = [event(6), event(7, event_type="teleport"), event(8, quantity=-1), event(9, channel="fax"), event(10)]
        second = await client.post("/v1/events", json={"events": mixed}, headers=h)
        problem = assert_problem(second, 400)  # refused whole: none of the batch is stored
        assert [e["index"] for e in problem["errors"]] == ["1", "2", "3"]
        assert all(e["reason"] and e["event_id"] for e in problem["errors"])  # each rejection says which and why
        resent = await client.post("/v1/events", json={"events": [mixed[0], mixed[-1]]}, headers=h)
        assert (resent.json()["accepted"], resent.json()["rejected"]) == (2, 0)
        retry = await client.post("/v1/events", json={"events": [event(n) for n in range(4)]}, headers=h)
        assert (retry.json()["accepted"], retry.json()["duplicates"]) == (0, 4)
        too_many = await client.post("/v1/events", json={"events": [event(n) for n in range(11)]}, headers=h)
        assert too_many.status_code == 413
        huge = await client.post(
            "/v1/events",
            content=b'{"events": [' + b" " * 1_100_000 + b"]}",
            headers={**h, "content-type": "application/json"},
        )
        assert huge.status_code == 413
    store = open_store(redis_server.url, prefix="httpexp", timeout_ms=2000)
    try:
        await export_events(store, tmp_path)
        again = await export_events(store, tmp_path)
    finally:
        await store.close()
    assert again.written == 0
    ids = sorted(load_dataset(tmp_path, TrainingConfig()).events.event_ids.tolist())
    assert ids == sorted([f"http-{n}" for n in range(7)] + ["http-10"])
