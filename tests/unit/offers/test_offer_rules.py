"""Each rule kind and the lifecycle stages on hand-built customer states (known answers)."""

from __future__ import annotations

import pytest

from offer_data import DAY, NOW, event, item_of, items_in, sample_model
from omnirec.offers.items import ItemLookup, Scope
from omnirec.offers.lifecycle import LifecycleThresholds, lifecycle_stage
from omnirec.offers.rules import (
    AbandonedCartRule,
    ChannelRule,
    ConsentRule,
    Facts,
    LifecycleRule,
    NotPurchasedRule,
    PurchasedRule,
    SegmentRule,
    evaluate,
)
from omnirec.store.records import CustomerState

LOOKUP = ItemLookup(sample_model())
DRILL, POST = item_of("Cordless Drill"), item_of("Scratching Post")
CAT_FOOD = items_in("pets/cat/food")[0]


def facts(state: CustomerState, channel: str = "email", stage: str = "active") -> Facts:
    return Facts(state=state, now=NOW, channel=channel, stage=stage, lookup=LOOKUP)


def test_segment_equals_and_in() -> None:
    state = CustomerState(customer_id="c", features={"segment": "diy", "loyalty_tier": "gold"})
    assert evaluate(SegmentRule(equals="diy"), facts(state), Scope()) is not None
    assert evaluate(SegmentRule(equals="home"), facts(state), Scope()) is None
    match = evaluate(SegmentRule(feature="loyalty_tier", in_=("silver", "gold")), facts(state), Scope())
    assert match is not None and match.reason == "segment:loyalty_tier=gold"
    assert evaluate(SegmentRule(feature="region", equals="north"), facts(state), Scope()) is None
    with pytest.raises(ValueError):
        SegmentRule(equals="a", in_=("b",))


def test_lifecycle_rule_uses_the_stage() -> None:
    state = CustomerState(customer_id="c")
    assert evaluate(LifecycleRule(stages=("lapsed",)), facts(state, stage="lapsed"), Scope()) is not None
    assert evaluate(LifecycleRule(stages=("lapsed",)), facts(state, stage="active"), Scope()) is None
    with pytest.raises(ValueError):
        LifecycleRule(stages=("dormant",))


@pytest.mark.parametrize(
    ("first_days_ago", "last_purchase_days_ago", "stage"),
    [(None, None, "new"), (10, 5, "new"), (200, 20, "active"), (200, 60, "lapsing"), (400, 120, "lapsed")],
)
def test_lifecycle_stages(first_days_ago: int | None, last_purchase_days_ago: int | None, stage: str) -> None:
    thresholds = LifecycleThresholds(new_days=30, active_days=45, lapsed_days=90)
    state = CustomerState(customer_id="c")
    if first_days_ago is not None and last_purchase_days_ago is not None:
        state.recent_events = [event("c", "x", "view", NOW - first_days_ago * DAY)]
        state.purchases = {"y": NOW - last_purchase_days_ago * DAY}
    assert lifecycle_stage(state, NOW, thresholds) == stage


def test_lifecycle_without_purchases_uses_last_activity() -> None:
    state = CustomerState(customer_id="c", recent_events=[event("c", "x", "view", NOW - 100 * DAY)])
    assert lifecycle_stage(state, NOW, LifecycleThresholds()) == "lapsing"


def test_abandoned_cart_waits_hours_and_expires() -> None:
    rule = AbandonedCartRule(hours=2, max_hours=48)
    drills = Scope(frozenset([DRILL]))
    fresh = CustomerState(customer_id="c", cart={DRILL: NOW - 1800})  # 30 minutes: still shopping
    assert evaluate(rule, facts(fresh), drills) is None
    waiting = CustomerState(customer_id="c", cart={DRILL: NOW - 5 * 3600, CAT_FOOD: NOW - 4 * 3600})
    match = evaluate(rule, facts(waiting), drills)
    assert match is not None and match.items == (DRILL,)  # only promoted items count
    assert evaluate(AbandonedCartRule(hours=2, promoted_only=False), facts(waiting), drills).items == (  # type: ignore[union-attr]
        CAT_FOOD,
        DRILL,
    )
    stale = CustomerState(customer_id="c", cart={DRILL: NOW - 72 * 3600})
    assert evaluate(rule, facts(stale), drills) is None


def test_abandoned_cart_by_category() -> None:
    state = CustomerState(customer_id="c", cart={DRILL: NOW - 3 * 3600})
    match = evaluate(AbandonedCartRule(hours=2), facts(state), Scope(categories=("diy/tools",)))
    assert match is not None and match.items == (DRILL,)


def test_purchased_window_by_item_and_category() -> None:
    state = CustomerState(customer_id="c", purchases={POST: NOW - 30 * DAY})
    in_window = PurchasedRule(items=(POST,), min_days=21, days=56)
    assert evaluate(in_window, facts(state), Scope()).items == (POST,)  # type: ignore[union-attr]
    assert evaluate(PurchasedRule(items=(POST,), days=14), facts(state), Scope()) is None  # too long ago
    assert evaluate(PurchasedRule(items=(POST,), min_days=40, days=56), facts(state), Scope()) is None  # too recent
    assert evaluate(PurchasedRule(categories=("pets/cat",), days=60), facts(state), Scope()) is not None
    assert evaluate(PurchasedRule(categories=("pets/dog",), days=60), facts(state), Scope()) is None


def test_not_purchased_and_promoted_scope() -> None:
    state = CustomerState(customer_id="c", purchases={CAT_FOOD: NOW - 3 * DAY})
    cat_food = Scope(categories=("pets/cat/food",))
    assert evaluate(NotPurchasedRule(promoted=True, days=30), facts(state), cat_food) is None
    assert evaluate(NotPurchasedRule(promoted=True, days=2), facts(state), cat_food) is not None
    assert evaluate(NotPurchasedRule(categories=("diy",), days=30), facts(state), cat_food) is not None


def test_channel_and_consent() -> None:
    state = CustomerState(customer_id="c", consent={"email": True, "marketing": False})
    assert evaluate(ChannelRule(channels=("email",)), facts(state, channel="email"), Scope()) is not None
    assert evaluate(ChannelRule(channels=("app",)), facts(state, channel="email"), Scope()) is None
    assert evaluate(ConsentRule(purpose="email"), facts(state), Scope()) is not None
    assert evaluate(ConsentRule(purpose="marketing"), facts(state), Scope()) is None
    assert evaluate(ConsentRule(purpose="sms"), facts(state), Scope()) is None  # never asked = not granted


def test_category_rules_need_a_model() -> None:
    state = CustomerState(customer_id="c", purchases={POST: NOW - DAY})
    no_model = Facts(state=state, now=NOW, channel="email", stage="active", lookup=ItemLookup(None))
    assert evaluate(PurchasedRule(categories=("pets/cat",)), no_model, Scope()) is None
    assert evaluate(PurchasedRule(items=(POST,)), no_model, Scope()) is not None
