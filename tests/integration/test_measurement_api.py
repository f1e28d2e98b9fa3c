"""Measurement through the HTTP API on the embedded store: recommendation ids, impression records, consent,
sampling, `impression` confirmations, experiment variants and holdouts, offer selection probabilities."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, app_client, headers, settle
from bundle_factory import make_bundle
from offer_data import SAMPLE_ITEMS, item_of
from omnirec.demo.offers import sample_offers_toml
from omnirec.measurement.impressions import decode_positions, decode_scores, decode_sources
from omnirec.offers.catalog import encode_offer_catalog, parse_offer_catalog
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ImpressionRecord

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=60, n_users=8, seed=5)


async def records(store: FeatureStore, client: AsyncTestClient) -> list[ImpressionRecord]:
    settle(client)
    return [e.record for e in await store.read_impressions(None, 1000)]


def experiments_file(tmp_path: Path, variants: str, surface: str = "recommendations") -> str:
    path = tmp_path / "experiments.toml"
    path.write_text(f'[[experiments]]\nname = "exp"\nsurface = "{surface}"\n{variants}')
    return str(path)


async def test_a_list_answer_is_logged_with_what_it_served() -> None:
    async with app_client(BUNDLE) as (client, store):
        body = (await client.get("/v1/users/u1/recommendations?channel=email&k=5", headers=headers())).json()
        assert len(body["recommendation_id"]) == 32 and body["variant"] is None
        [record] = await records(store, client)
        assert record.recommendation_id == body["recommendation_id"] and record.kind == "list"
        assert record.user_id == "u1" and record.channel == "email" and record.endpoint == "user"
        assert record.items == [i["item_id"] for i in body["items"]]
        assert decode_scores(record.scores) == pytest.approx([i["score"] for i in body["items"]], rel=1e-5)
        assert decode_sources(record.sources) == [i["source"] for i in body["items"]]
        assert record.model_version == body["model_version"] and record.strategy == body["strategy"]
        similar = (await client.get(f"/v1/items/{record.items[0]}/similar?user_id=u1", headers=headers())).json()
        anonymous = (await client.get(f"/v1/items/{record.items[0]}/similar", headers=headers())).json()
        assert similar["recommendation_id"] != body["recommendation_id"] and anonymous["recommendation_id"]
        # only the answer for a known customer is logged: an anonymous list cannot be attributed to anyone
        assert [r.endpoint for r in await records(store, client)] == ["user", "similar"]
        metrics = (await client.get("/metrics")).text
        assert 'omnirec_impressions_total{channel="email",kind="list",variant="none"} 1.0' in metrics


async def test_no_impression_without_consent_or_with_logging_off() -> None:
    async with app_client(BUNDLE) as (client, store):
        await client.put("/v1/users/u2/consent", json={"personalization": False}, headers=headers())
        body = (await client.get("/v1/users/u2/recommendations", headers=headers())).json()
        assert body["recommendation_id"] and await records(store, client) == []
    async with app_client(BUNDLE, settings=api_settings(impressions="off")) as (client, store):
        await client.get("/v1/users/u3/recommendations", headers=headers())
        assert await records(store, client) == []


async def test_sampling_keeps_a_stable_share_of_customers() -> None:
    settings = api_settings(impressions="sampled", impression_sample_rate=0.5)
    async with app_client(BUNDLE, settings=settings) as (client, store):
        for _ in range(2):
            for n in range(40):
                await client.get(f"/v1/users/c{n}/recommendations?k=3", headers=headers())
        logged = [r.user_id for r in await records(store, client)]
        customers = set(logged)
        assert 10 <= len(customers) <= 30  # about half of 40
        assert all(logged.count(c) == 2 for c in customers)  # all of a sampled customer's answers


async def test_impression_events_confirm_what_was_rendered() -> None:
    async with app_client(BUNDLE) as (client, store):
        body = (await client.get("/v1/users/u1/recommendations?k=6&channel=web", headers=headers())).json()
        rec = body["recommendation_id"]
        shown = [
            {"user_id": "u1", "event_type": "impression", "item_id": body["items"][i]["item_id"],
             "recommendation_id": rec, "position": i, "channel": "web"}
            for i in (0, 2)
        ]  # fmt: skip
        bad = {"user_id": "u1", "event_type": "impression", "item_id": "x", "channel": "web"}
        refused = await client.post("/v1/events", json={"events": [*shown, bad]}, headers=headers())
        assert refused.status_code == 400 and "recommendation_id" in refused.text  # the whole batch: nothing stored
        assert [r.kind for r in await records(store, client)] == ["list"]
        answer = (await client.post("/v1/events", json={"events": shown}, headers=headers())).json()
        assert answer["accepted"] == 2 and answer["rejected"] == 0
        confirmation = (await records(store, client))[-1]
        assert confirmation.kind == "shown" and confirmation.recommendation_id == rec
        assert confirmation.items == [body["items"][0]["item_id"], body["items"][2]["item_id"]]
        assert decode_positions(confirmation.positions) == [0, 2]
        state = await store.get_customer("u1")
        assert all(e.event_type != "impression" for e in state.recent_events)  # not an interaction


async def test_variants_are_answered_and_a_holdout_gets_no_recommendations(tmp_path: Path) -> None:
    variants = '[[experiments.variants]]\nname = "holdout"\nshare = 1.0\nholdout = true\n'
    settings = api_settings(experiments_file=experiments_file(tmp_path, variants))
    async with app_client(BUNDLE, settings=settings) as (client, store):
        body = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
        assert body["items"] == [] and body["strategy"] == "holdout"
        assert (body["experiment"], body["variant"]) == ("exp", "holdout")
        [record] = await records(store, client)
        assert record.variant == "holdout" and record.items == []  # the exposure is logged


async def test_a_ranker_variant_changes_the_blend(tmp_path: Path) -> None:
    variants = '[[experiments.variants]]\nname = "pop"\nshare = 1.0\nranker = { w_model = 0.0, w_popularity = 1.0 }\n'
    settings = api_settings(experiments_file=experiments_file(tmp_path, variants))
    async with app_client(BUNDLE) as (client, _):
        control = (await client.get("/v1/users/u4/recommendations?k=8", headers=headers())).json()
    async with app_client(BUNDLE, settings=settings) as (client, _):
        variant = (await client.get("/v1/users/u4/recommendations?k=8", headers=headers())).json()
        popular = (await client.get("/v1/users/nobody/recommendations?k=8", headers=headers())).json()
    assert variant["variant"] == "pop"
    assert [i["item_id"] for i in variant["items"]] != [i["item_id"] for i in control["items"]]
    assert popular["strategy"] == "popular"


def test_an_invalid_experiments_file_is_refused_at_load(tmp_path: Path) -> None:
    variants = '[[experiments.variants]]\nname = "a"\nshare = 0.7\n[[experiments.variants]]\nname = "b"\nshare = 0.7\n'
    with pytest.raises(ValueError, match=r"experiments\.toml: experiment 'exp': shares add up to more than 1"):
        api_settings(experiments_file=experiments_file(tmp_path, variants))


async def test_offer_answers_log_the_selection_probability(tmp_path: Path) -> None:
    variants = '[[experiments.variants]]\nname = "greedy"\nshare = 1.0\noffer_policy = "greedy"\n'
    greedy = api_settings(experiments_file=experiments_file(tmp_path, variants, "offers"))
    for settings, policy in ((api_settings(), "thompson"), (greedy, "greedy")):
        async with app_client(None, settings=settings, clock=time.time) as (client, store):
            catalog = parse_offer_catalog(sample_offers_toml(SAMPLE_ITEMS).encode(), "x")
            await store.put_offer_catalog(encode_offer_catalog(catalog))
            await store.set_consent("a", {"email": True})
            cart = {"user_id": "a", "item_id": item_of("Cordless Drill"), "event_type": "add_to_cart", "channel": "web",
                    "timestamp": int(time.time()) - 5 * 3600}  # fmt: skip
            await client.post("/v1/events", json=cart, headers=headers())
            body = (await client.get("/v1/users/a/next-best-offer?channel=email&n=1", headers=headers())).json()
            offered: list[dict[str, Any]] = body["offers"]
            logged = [r for r in await records(store, client) if r.kind == "offer"]
            assert [r.offer_id for r in logged] == [o["offer_id"] for o in offered if not o["mandatory"]]
            assert logged and body["variant"] == (None if policy == "thompson" else "greedy")
            for record, offer in zip(logged, [o for o in offered if not o["mandatory"]], strict=True):
                assert 0 < record.probability <= 1 and offer["selection_probability"] == record.probability
                assert record.arms[0].offer_id == record.offer_id
                assert record.recommendation_id == body["recommendation_id"] and record.strategy == policy
                if policy == "greedy":  # deterministic: the best posterior mean x value, chosen with certainty
                    assert record.probability == 1.0 and record.probability_error == 0.0
