"""The decision engine on the embedded store: consent, mandatory messages, caps, fatigue, budgets, logging,
model affinity and feedback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import numpy as np
import pytest

from offer_data import (
    DAY,
    NOW,
    THREE,
    event,
    item_of,
    items_in,
    next_best_offers,
    offers_from,
    sample_model,
    sample_offers,
)
from omnirec.errors import InvalidRequest
from omnirec.offers.affinity import AffinityModel
from omnirec.offers.catalog import OfferCatalog
from omnirec.offers.feedback import record_offer_feedback
from omnirec.offers.ranking import OfferDecision
from omnirec.scoring import Catalog
from omnirec.store.memory import MemoryStore
from omnirec.store.records import ModelRowsBatch, VersionInfo

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def customer(store: MemoryStore, cid: str, consent: bool = True, **features: str) -> None:
    await store.set_consent(cid, {"email": consent})
    if features:
        await store.set_features(cid, features)


async def nbo(
    store: MemoryStore, offers: OfferCatalog, cid: str, n: int = 1, now: int = NOW, model: Catalog | None = None
) -> list[OfferDecision]:
    affinity = AffinityModel(model) if model is not None else None
    return await next_best_offers(store, offers, affinity, cid, "email", n, now, np.random.default_rng(0))


def ids(decisions: list[OfferDecision]) -> list[str]:
    return [d.offer_id for d in decisions]


def test_no_consent_means_only_mandatory_messages() -> None:
    async def scenario() -> tuple[list[str], list[str], list[str]]:
        store, offers = MemoryStore(), sample_offers()
        trimmer = item_of("Hedge Trimmer")
        await store.append_events("c1", [event("c1", trimmer, "purchase", NOW - 40 * DAY, "store")], cap=50)
        await store.set_features("c1", {"loyalty_tier": "gold"})
        without = ids(await nbo(store, offers, "c1", model=sample_model()))
        await store.set_consent("c1", {"email": True})
        with_consent = ids(await nbo(store, offers, "c1", model=sample_model()))
        stranger = ids(await nbo(store, offers, "nobody"))
        return without, with_consent, stranger

    without, with_consent, stranger = run(scenario())
    assert without == ["safety-notice-trimmer"]
    assert with_consent == ["safety-notice-trimmer", "loyalty-gold-points"]  # mandatory does not use up n
    assert stranger == []


def test_cap_refusal_moves_to_the_next_offer_and_fatigue_stops_everything() -> None:
    async def scenario() -> list[list[str]]:
        store, offers = MemoryStore(), offers_from(THREE)
        await customer(store, "c1")
        return [ids(await nbo(store, offers, "c1", now=NOW + i)) for i in range(3)]

    first, second, third = run(scenario())
    assert first == ["a"]
    assert second == ["b"]  # a is capped (1 per day): the next best is served
    assert third == []  # 2 offers per 7 days by email, all offers together


def test_budget_is_shared_by_all_customers() -> None:
    async def scenario() -> list[list[str]]:
        store = MemoryStore()
        offers = offers_from('[[offers]]\nid = "c"\nbudget = 2\n[[offers]]\nid = "z"\nvalue = 0.01\n')
        out = []
        for i in range(4):
            await customer(store, f"c{i}")
            out.append(ids(await nbo(store, offers, f"c{i}")))
        return out

    assert run(scenario()) == [["c"], ["c"], ["z"], ["z"]]


def test_served_propensities_are_logged_without_customer_ids(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[OfferDecision]:
        store = MemoryStore()
        await customer(store, "secret-customer-42")
        return await nbo(store, offers_from(THREE), "secret-customer-42", n=2)

    with caplog.at_level(logging.DEBUG, logger="omnirec.offers"):
        decisions = run(scenario())
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("offer_served")]
    assert len(lines) == 2 and all("propensity=" in line for line in lines)
    assert not any("secret-customer-42" in line for line in lines)
    assert [r.__dict__["propensity"] for r in caplog.records] == [d.propensity for d in decisions]


def test_model_affinity_ranks_what_the_customer_likes() -> None:
    model = sample_model()
    offers = offers_from(
        'prior_strength = 100000\n[[offers]]\nid = "cat"\ncategories = ["pets/cat/food"]\n'
        '[[offers]]\nid = "sofa"\ncategories = ["home/furniture/sofas"]\n'
    )

    async def scenario() -> list[OfferDecision]:
        store = MemoryStore()
        await customer(store, "c1")
        info = VersionInfo(version=model.version, state="staging", created_at="t", published_at=0.0)
        await store.stage_version(info)
        cat_lover = model.vectors[model.index[items_in("pets/cat/food")[0]]]
        await store.write_model_rows(model.version, ModelRowsBatch(ids=["c1"], vectors=cat_lover[None, :]))
        return await nbo(store, offers, "c1", n=2, model=model)

    cat, sofa = run(scenario())
    assert (cat.offer_id, sofa.offer_id) == ("cat", "sofa")
    assert cat.propensity > 0.75 > 0.5 > sofa.propensity
    assert cat.expected_value == pytest.approx(cat.propensity * cat.value)
    assert "affinity:model" in cat.reasons and cat.model_version == model.version
    assert set(cat.items) <= set(items_in("pets/cat/food"))


def test_feedback_events_become_counters_and_move_the_ranking() -> None:
    offers = offers_from('segment_min_shown = 10\n[[offers]]\nid = "a"\n[[offers]]\nid = "b"\n')

    async def scenario() -> tuple[dict[str, dict[str, float]], list[str], list[str]]:
        store = MemoryStore()
        await customer(store, "c1", segment="diy")
        for i in range(40):
            await record_offer_feedback(store, event("x", "", "offer_shown", NOW, "email", offer_id="b"), "diy")
            if i % 2 == 0:
                await record_offer_feedback(store, event("x", "", "offer_clicked", NOW, "email", offer_id="b"), "diy")
            await record_offer_feedback(store, event("x", "", "offer_shown", NOW, "email", offer_id="a"), "diy")
        assert not await record_offer_feedback(store, event("x", "i1", "view", NOW), "diy")
        with pytest.raises(InvalidRequest, match="offer_id"):
            await record_offer_feedback(store, event("x", "", "offer_redeemed", NOW), "diy")
        counters = await store.get_offer_feedback(["a", "b"], "diy")
        decision = await nbo(store, offers, "c1")
        return counters, ids(decision), list(decision[0].reasons)

    counters, served, reasons = run(scenario())
    assert counters == {"a": {"shown": 40.0}, "b": {"shown": 40.0, "clicked": 20.0}}
    assert served == ["b"] and "feedback:segment" in reasons
