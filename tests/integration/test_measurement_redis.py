"""Measurement end to end through the HTTP API on a real redis-server: an email recommendation followed by a
store purchase under a linked loyalty card is attributed to the email impression; variants are sticky across
channels and identity links; an erased customer leaves no impression behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_client import NOW, api_settings, app_client, headers, settle
from bundle_factory import make_bundle
from omnirec.measurement.attribution import AttributionRules, attribute, conversions, exposures
from omnirec.measurement.pipeline import measure
from omnirec.measurement.sources import identity_map, read_all_events, read_all_impressions
from omnirec.settings import Settings
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=80, n_users=10, seed=21)


def redis_settings(server: RedisServer, **extra: object) -> Settings:
    server.flush()
    return api_settings(store_url=server.url, store_timeout_ms=2000, **extra)


def own_store(settings: Settings) -> FeatureStore:
    """A store client on the test's event loop (the app runs on the test client's own loop)."""
    return open_store(settings.store_url, prefix=settings.key_prefix, timeout_ms=2000)


async def test_an_email_recommendation_earns_the_store_purchase_under_a_linked_card(redis_server: RedisServer) -> None:
    now = [float(NOW)]
    settings = redis_settings(redis_server)
    store = own_store(settings)
    async with app_client(BUNDLE, settings=settings, clock=lambda: now[0]) as (client, _):
        email = (await client.get("/v1/users/u5/recommendations?channel=email&k=5", headers=headers())).json()
        web = (await client.get("/v1/users/u6/recommendations?channel=web&k=5", headers=headers())).json()
        link = {"anonymous_id": "card-7781", "customer_id": "u5"}
        assert (await client.post("/v1/identities", json=link, headers=headers())).status_code == 200
        item = email["items"][2]["item_id"]
        now[0] += 3 * 86_400  # three days later, at the till
        till = {"user_id": "card-7781", "item_id": item, "event_type": "purchase", "channel": "store",
                "store_id": "s3", "price": 19.5, "quantity": 2, "timestamp": NOW + 3 * 86_400}  # fmt: skip
        other = {**till, "item_id": web["items"][0]["item_id"], "timestamp": NOW + 3600}  # not shown to u5
        posted = await client.post("/v1/events", json={"events": [till, other]}, headers=headers())
        assert posted.json()["accepted"] == 2
        metrics = (await client.get("/metrics")).text  # counted online too, by the impression's channel
        assert 'omnirec_attributed_conversions_total{channel="email",event="purchase",variant="none"} 1.0' in metrics
        assert 'channel="web",event="purchase"' not in metrics
        records = await read_all_impressions(store)
        events = await read_all_events(store)
        resolved = await identity_map(store, {r.user_id for r in records} | {e.user_id for e in events})
        _, touches = exposures(records, resolved.__getitem__)
        found = conversions(events, resolved.__getitem__)
        credits = attribute(touches, found, AttributionRules())
        bought = [c for c in credits if c.conversion.kind == "purchase"]
        expected = (email["recommendation_id"], "email", "store", 39.0, "u5")
        assert [(c.touch.exposure.recommendation_id, c.touch.exposure.channel, c.conversion.channel,
                 c.conversion.revenue, c.conversion.customer_id) for c in bought] == [expected]  # fmt: skip
        report = await measure(store, AttributionRules())
        assert report["paths"] == [{"shown_in": "email", "bought_in": "store", "purchases": 1.0, "revenue": 39.0}]
    await store.close()


async def test_variants_are_sticky_across_channels_and_identity_links(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    path = tmp_path / "experiments.toml"
    path.write_text('[[experiments]]\nname = "blend"\n[[experiments.variants]]\nname = "a"\nshare = 0.5\n'
                    '[[experiments.variants]]\nname = "b"\nshare = 0.5\nranker = { w_popularity = 1.0 }\n')  # fmt: skip
    settings = redis_settings(redis_server, experiments_file=str(path))
    async with app_client(BUNDLE, settings=settings) as (client, _):
        seen: dict[str, set[str]] = {}
        for n in range(10):
            user = f"u{n}"
            link = {"anonymous_id": f"card-{n}", "customer_id": user}
            assert (await client.post("/v1/identities", json=link, headers=headers())).status_code == 200
            answers = [
                await client.get(f"/v1/users/{user}/recommendations?channel={channel}", headers=headers())
                for channel in ("web", "email", "store", "app")
            ]
            answers.append(await client.get(f"/v1/users/card-{n}/recommendations?channel=store", headers=headers()))
            answers.append(await client.get(f"/v1/items/i3/similar?user_id=card-{n}&channel=tablet", headers=headers()))
            seen[user] = {a.json()["variant"] for a in answers}
        assert all(len(variants) == 1 for variants in seen.values()), seen
        assert {v for variants in seen.values() for v in variants} == {"a", "b"}  # both variants in use


async def test_an_erased_customer_leaves_no_impression(redis_server: RedisServer) -> None:
    settings = redis_settings(redis_server)
    store = own_store(settings)
    async with app_client(BUNDLE, settings=settings) as (client, _):
        await client.get("/v1/users/u3/recommendations?channel=email", headers=headers())
        await client.get("/v1/users/card-3/recommendations?channel=store", headers=headers())
        await client.post("/v1/identities", json={"anonymous_id": "card-3", "customer_id": "u3"}, headers=headers())
        body = (await client.get("/v1/users/card-3/recommendations?channel=store", headers=headers())).json()
        shown = {"user_id": "card-3", "event_type": "impression", "item_id": body["items"][0]["item_id"],
                 "recommendation_id": body["recommendation_id"], "channel": "store"}  # fmt: skip
        await client.post("/v1/events", json=shown, headers=headers())
        await client.get("/v1/users/u4/recommendations?channel=email", headers=headers())
        settle(client)
        assert {r.user_id for r in await read_all_impressions(store)} == {"u3", "card-3", "u4"}
        assert (await client.delete("/v1/users/u3", headers=headers())).status_code == 200
        assert {r.user_id for r in await read_all_impressions(store)} == {"u4"}
        keys = [k.decode() for k in redis_server.client().scan_iter(count=1000)]
        assert not [k for k in keys if ":u3}" in k or "card-3" in k], keys
    await store.close()


async def test_an_erasure_in_another_worker_leaves_no_impression_still_queued(redis_server: RedisServer) -> None:
    """Impressions are written after the answer: one worker's queued records of a customer whom another
    worker erases meanwhile never reach the store (the erasure fences the ids), linked card included."""
    settings = redis_settings(redis_server, impression_flush_ms=1000)  # queued well past the erasure
    store = own_store(settings)
    async with (
        app_client(BUNDLE, settings=settings) as (worker_a, _),
        app_client(None, settings=settings) as (worker_b, _),
    ):
        link = {"anonymous_id": "card-3", "customer_id": "u3"}
        assert (await worker_b.post("/v1/identities", json=link, headers=headers())).status_code == 200
        for user in ("u3", "card-3", "u4"):
            answer = await worker_a.get(f"/v1/users/{user}/recommendations?channel=email", headers=headers())
            assert answer.status_code == 200
        assert (await worker_b.delete("/v1/users/u3", headers=headers())).status_code == 200
        settle(worker_a)
        assert {r.user_id for r in await read_all_impressions(store)} == {"u4"}
        keys = [k.decode() for k in redis_server.client().scan_iter(count=1000)]
        assert not [k for k in keys if ":u3}" in k or "card-3" in k], keys
    await store.close()


async def test_a_clean_shutdown_writes_the_impressions_still_queued(redis_server: RedisServer) -> None:
    settings = redis_settings(redis_server, impression_flush_ms=1000)
    async with app_client(BUNDLE, settings=settings) as (client, _):
        body = (await client.get("/v1/users/u5/recommendations?channel=web", headers=headers())).json()
    store = own_store(settings)
    assert [r.recommendation_id for r in await read_all_impressions(store)] == [body["recommendation_id"]]
    await store.close()
