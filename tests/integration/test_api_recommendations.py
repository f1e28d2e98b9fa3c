"""GET /v1/users/{id}/recommendations over the memory store: fallback chain, filters, consent, parity with export."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from api_client import NOW, app_client, assert_problem, headers
from bundle_factory import make_bundle
from omnirec.batch.recommendations import BundleRecommender
from omnirec.bundle.format import ModelBundle, TreeEnsemble
from omnirec.scoring import RankRequest

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=60, n_users=20, seed=3)


def with_trees(bundle: ModelBundle) -> ModelBundle:
    """The bundle with a small LambdaRank-shaped ensemble: the service must score with it, as export does."""
    trees = TreeEnsemble(
        feature_names=("history", "days_since_seen", "model_raw", "popularity"),
        roots=(0, 2),
        split_feature=(0, 1, 2),
        threshold=(0.3, 800.0, 0.0),
        left=(~0, ~2, ~4),
        right=(1, ~3, ~5),
        leaf_value=(0.1, 0.7, 1.2, -0.4, -0.2, 0.3),
        max_depth=2,
    )
    ranker = msgspec.structs.replace(bundle.manifest.ranker, trees=trees, w_history=1.0, w_popularity=0.1)
    return dataclasses.replace(bundle, manifest=msgspec.structs.replace(bundle.manifest, ranker=ranker))


@pytest.mark.parametrize("bundle", [BUNDLE, with_trees(BUNDLE)], ids=["blend", "trees"])
async def test_known_user_gets_the_same_list_as_export(bundle: ModelBundle) -> None:
    recommender = BundleRecommender(bundle)
    async with app_client(bundle) as (client, _):
        for user in ["u0", "u3", "u7", "nobody"]:
            expected = recommender.recommend(user, RankRequest(now=NOW, k=10, channel="web"))
            response = await client.get(
                f"/v1/users/{user}/recommendations", params={"k": 10, "channel": "web"}, headers=headers()
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["model_version"] == bundle.version
            assert body["strategy"] == expected.source
            assert [i["item_id"] for i in body["items"]] == [i.item_id for i in expected.items]
            assert [i["score"] for i in body["items"]] == pytest.approx([i.score for i in expected.items])
            assert body["request_id"]


async def test_fallback_chain_is_visible_in_strategy() -> None:
    async with app_client(BUNDLE) as (client, store):
        known = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
        assert known["strategy"] == "personalized"
        await store.set_features("newbie", {"segment": "a"})
        segment = (await client.get("/v1/users/newbie/recommendations", headers=headers())).json()
        assert segment["strategy"] == "segment"
        event = {"user_id": "anon-1", "item_id": "i5", "event_type": "view", "channel": "web"}
        assert (await client.post("/v1/events", json=event, headers=headers())).status_code == 202
        session = (await client.get("/v1/users/anon-1/recommendations", headers=headers())).json()
        assert session["strategy"] == "session"
        cold = (await client.get("/v1/users/never-seen/recommendations", params={"k": 5}, headers=headers())).json()
        assert cold["strategy"] == "popular" and len(cold["items"]) == 5
        assert {i["source"] for i in cold["items"]} == {"popular"}


async def test_filters_channel_category_stock_and_exclude() -> None:
    mask = BUNDLE["item_channels_mask"][:, list(BUNDLE["channels"]).index("store")]
    async with app_client(BUNDLE) as (client, store):
        params = {"k": 50, "channel": "store", "category": "cat2", "exclude": "none"}
        body = (await client.get("/v1/users/u2/recommendations", params=params, headers=headers())).json()
        ids = [i["item_id"] for i in body["items"]]
        index = {item: n for n, item in enumerate(BUNDLE["item_ids"].tolist())}
        assert ids and all(mask[index[i]] and BUNDLE["item_categories"][index[i]] == "cat2" for i in ids)
        await store.set_unavailable_items("s1", ids[:2])
        stocked = (
            await client.get("/v1/users/u2/recommendations", params={**params, "store_id": "s1"}, headers=headers())
        ).json()
        assert not {*ids[:2]} & {i["item_id"] for i in stocked["items"]}
        seen_event = {"user_id": "u2", "item_id": ids[2], "event_type": "view", "channel": "tablet"}
        await client.post("/v1/events", json=seen_event, headers=headers())
        unseen = (
            await client.get("/v1/users/u2/recommendations", params={**params, "exclude": "seen"}, headers=headers())
        ).json()
        assert ids[2] not in {i["item_id"] for i in unseen["items"]}


async def test_explain_gives_reasons() -> None:
    async with app_client(BUNDLE) as (client, _):
        body = (await client.get("/v1/users/u4/recommendations", params={"explain": "true"}, headers=headers())).json()
        assert all(i["reason"] for i in body["items"])


async def test_no_personalization_consent_gives_popular() -> None:
    async with app_client(BUNDLE) as (client, _):
        put = await client.put("/v1/users/u1/consent", json={"personalization": False}, headers=headers())
        assert put.status_code == 200 and put.json()["consent"] == {"personalization": False}
        body = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
        assert body["strategy"] == "non_personalized"
        assert {i["source"] for i in body["items"]} == {"popular"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"k": 0}, 400),
        ({"k": 101}, 400),  # settings.max_k = 100
        ({"k": "ten"}, 400),
        ({"exclude": "everything"}, 400),
        ({"category": "no-such-category"}, 400),
        ({"channel": "carrier-pigeon"}, 400),
        ({"explain": "maybe"}, 400),
    ],
)
async def test_bad_parameters_are_problems(params: dict[str, object], status: int) -> None:
    async with app_client(BUNDLE) as (client, _):
        response = await client.get("/v1/users/u1/recommendations", params=params, headers=headers())
        assert_problem(response, status)


async def test_no_active_model_is_503() -> None:
    async with app_client(None) as (client, _):
        response = await client.get("/v1/users/u1/recommendations", headers=headers())
        assert_problem(response, 503)


def test_the_trees_really_change_the_ranking() -> None:
    """So the parity case with trees is not the blend's again: the ensemble reorders some customer's list."""
    request = RankRequest(now=NOW, k=10, channel="web")
    blend, trees = BundleRecommender(BUNDLE), BundleRecommender(with_trees(BUNDLE))
    users = [f"u{i}" for i in range(20)]
    assert any(
        [i.item_id for i in blend.recommend(u, request).items] != [i.item_id for i in trees.recommend(u, request).items]
        for u in users
    )
