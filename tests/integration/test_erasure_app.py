"""Must-show 3: after DELETE /v1/users/{id} no trace of the customer or its linked ids is left in any key's
DUMP of a real redis-server, nor in the export files written before the deletion (events and offers)."""

from __future__ import annotations

from pathlib import Path

import anyio
import numpy as np
import pytest
from typer.testing import CliRunner

from api_client import api_settings, app_client, headers
from bundle_factory import make_bundle
from erasure_scan import file_traces, redis_traces
from offer_data import offers_from
from omnirec.batch.events import export_events
from omnirec.batch.offers import export_offers
from omnirec.bundle.format import ModelBundle
from omnirec.cli.main import app as cli
from omnirec.store.factory import open_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
GONE, ANON, KEEP = "cust-gone-2b7e41", "cookie-gone-90afc3", "cust-keep-61d0"
OFFERS = '[channels.email]\nconsent = "email"\n[[offers]]\nid = "welcome"\nvalue = 1\n'


def bundle() -> ModelBundle:
    made = make_bundle(n_items=30, n_users=3, seed=5)
    return ModelBundle(made.manifest, {**made.arrays, "user_ids": np.array([KEEP, GONE, ANON])})


def event(user: str, n: int) -> dict[str, object]:
    return {"user_id": user, "item_id": f"i{n % 9}", "event_type": "view", "event_id": f"{user}-{n}",
            "timestamp": 1_759_000_000 + n, "channel": "web"}  # fmt: skip


async def test_erasure_leaves_no_trace_in_redis_or_export_files(
    redis_server_process: RedisServer, tmp_path: Path
) -> None:
    settings = api_settings(store_url=redis_server_process.url, key_prefix="erase", store_timeout_ms=500)
    events_dir, offers_file = tmp_path / "events", tmp_path / "offers.jsonl"
    async with app_client(bundle(), settings=settings) as (client, _):
        h = headers()
        batch = [event(user, n) for n in range(30) for user in (KEEP, ANON if n < 10 else GONE)]
        assert (await client.post("/v1/events", json={"events": batch}, headers=h)).json()["accepted"] == 60
        assert (
            await client.post("/v1/identities", json={"anonymous_id": ANON, "customer_id": GONE}, headers=h)
        ).is_success
        for user in (GONE, KEEP):
            assert (await client.put(f"/v1/users/{user}/consent", json={"email": True}, headers=h)).is_success
        store = open_store(redis_server_process.url, prefix="erase", timeout_ms=5000)
        try:
            await export_events(store, events_dir)
            await export_offers(store, offers_from(OFFERS), None, "email", offers_file)
            redis = [redis_server_process.client()]
            assert file_traces(tmp_path, [GONE]) and file_traces(tmp_path, [ANON]) and redis_traces(redis, [GONE])

            response = await client.delete(f"/v1/users/{ANON}", headers=h)  # a linked id erases the customer
            assert response.status_code == 200, response.text

            summary = await export_events(store, events_dir)  # applies the erasure journal to its folder
        finally:
            await store.close()
    assert summary.erased == 30 and summary.total == 30
    args = ["export", "erasures", str(offers_file), "--store", redis_server_process.url, "--key-prefix", "erase"]
    done = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, args))  # the CLI runs its own loop
    assert done.exit_code == 0, done.output
    assert redis_traces(redis, [GONE, ANON]) == []
    assert file_traces(tmp_path, [GONE, ANON]) == []
    assert KEEP in offers_file.read_text() and (events_dir / "events.csv").read_text().count(f"\n{KEEP},") == 30
