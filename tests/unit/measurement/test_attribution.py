"""Attribution rules on tiny known-answer logs: windows per kind, last touch, position-aware split,
confirmed items only, identity links, revenue = price x quantity, and the report's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from omnirec.measurement.attribution import DAY, AttributionRules, attribute, conversions, exposures
from omnirec.measurement.impressions import encode_positions
from omnirec.measurement.report import build_report
from omnirec.measurement.stats import ratio, ratio_difference
from omnirec.store.records import CustomerEvent, ImpressionRecord

LINKS = {"card-1": "c1"}


def resolve(any_id: str) -> str:
    return LINKS.get(any_id, any_id)


def shown(
    rec: str, user: str, items: list[str], ts: int, channel: str = "email", variant: str = ""
) -> ImpressionRecord:
    return ImpressionRecord(recommendation_id=rec, kind="list", user_id=user, timestamp=ts, channel=channel,
                            items=items, experiment="e" if variant else "", variant=variant)  # fmt: skip


def ev(
    user: str, item: str, kind: str, ts: int, price: float | None = None, qty: float = 1.0, eid: str = ""
) -> CustomerEvent:
    return CustomerEvent(user_id=user, item_id=item, event_type=kind, timestamp=ts, channel="store",
                         event_id=eid or f"{user}{item}{kind}{ts}", price=price, quantity=qty)  # fmt: skip


def run(
    records: list[ImpressionRecord], events: list[CustomerEvent], rule: str = "last_touch"
) -> list[tuple[str, str, float]]:
    _, touches = exposures(records, resolve)
    credits = attribute(touches, conversions(events, resolve), AttributionRules(rule=rule))
    return [(c.conversion.event_id, c.touch.exposure.recommendation_id, round(c.share, 4)) for c in credits]


def test_windows_per_kind_and_last_touch() -> None:
    records = [shown("r1", "c1", ["a", "b"], 1000), shown("r2", "c1", ["a"], 1000 + DAY)]
    events = [
        ev("c1", "a", "view", 1000 + DAY + 10, eid="click-in"),  # r2 (the last touch), r1 is older than a day too
        ev("c1", "b", "view", 1000 + 2 * DAY, eid="click-late"),  # r1 only, 2 days ago: outside the click window
        ev("card-1", "b", "purchase", 1000 + 5 * DAY, price=4.0, qty=3, eid="buy-b"),  # r1, 5 days: inside 7
        ev("c1", "a", "purchase", 1000 + 9 * DAY, price=1.0, eid="buy-late"),  # r2 8 days ago: outside
        ev("c1", "a", "purchase", 999, price=1.0, eid="before"),  # before any impression
        ev("c1", "a", "wishlist", 1000 + DAY, eid="not-a-conversion"),
    ]
    assert run(records, events) == [("click-in", "r2", 1.0), ("buy-b", "r1", 1.0)]
    [buy] = [c for c in conversions(events, resolve) if c.event_id == "buy-b"]
    assert buy.revenue == 12.0 and buy.customer_id == "c1"  # price x quantity, under the linked card


def test_position_aware_split_and_confirmed_items() -> None:
    records = [shown("r1", "c1", ["x", "a"], 1000), shown("r2", "c1", ["a", "y", "z"], 1100)]
    events = [ev("c1", "a", "purchase", 1200, price=2.0, eid="buy")]
    w1, w2 = 1 / math.log2(3), 1 / math.log2(2)  # a at position 1 in r1, position 0 in r2
    assert run(records, events, "position") == [
        ("buy", "r1", round(w1 / (w1 + w2), 4)),
        ("buy", "r2", round(w2 / (w1 + w2), 4)),
    ]
    # r2's client confirms it rendered only y and z: r2 did not show a, so r1 gets it all
    confirm = ImpressionRecord(recommendation_id="r2", kind="shown", user_id="c1", timestamp=1100, channel="email",
                               items=["y", "z"], positions=encode_positions([1, 2]))  # fmt: skip
    assert run([*records, confirm], events) == [("buy", "r1", 1.0)]


def test_confirmations_of_an_exported_email_are_an_answer_of_their_own() -> None:
    sent = ImpressionRecord(recommendation_id="export-1", kind="shown", user_id="c1", timestamp=1000, channel="email",
                            items=["a", "b"], positions=encode_positions([0, 1]))  # fmt: skip
    assert run([sent], [ev("card-1", "b", "purchase", 2000, price=3.0, eid="till")]) == [("till", "export-1", 1.0)]


def test_repeated_event_ids_count_once() -> None:
    events = [
        ev("c1", "a", "purchase", 1200, price=2.0, eid="same"),
        ev("c1", "a", "purchase", 1200, price=2.0, eid="same"),
    ]
    assert len(run([shown("r1", "c1", ["a"], 1000)], events)) == 1


def test_report_rates_and_paths() -> None:
    records = [
        shown(
            f"r{n}", f"c{n % 4}", ["a"], 1000, channel="email" if n % 2 else "web", variant="B" if n % 4 >= 2 else "A"
        )
        for n in range(8)
    ]
    events = [ev("c3", "a", "purchase", 1100, price=10.0, eid="p3"), ev("c1", "a", "view", 1100, eid="v1")]
    _, touches = exposures(records, resolve)
    found = conversions(events, resolve)
    rules = AttributionRules()
    report = build_report(exposures(records, resolve)[0], found, attribute(touches, found, rules), rules)
    by_variant = {r["variant"]: r for r in report["variants"]}
    assert by_variant["A"]["impressions"] == 4 and by_variant["B"]["impressions"] == 4
    assert by_variant["B"]["revenue_per_1000"]["value"] == pytest.approx(2500.0)
    assert by_variant["A"]["ctr"]["value"] == pytest.approx(0.25)
    assert report["paths"] == [{"shown_in": "email", "bought_in": "store", "purchases": 1.0, "revenue": 10.0}]
    assert {d["metric"] for d in report["differences"]} == {
        "ctr",
        "conversion",
        "revenue_per_1000",
        "customer_conversion",
    }


def test_ratio_interval_covers_the_truth_at_about_95_percent() -> None:
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(400):
        x = rng.integers(1, 20, size=300).astype(float)
        y = rng.binomial(x.astype(int), 0.1).astype(float)
        interval = ratio(y, x)
        covered += interval.low <= 0.1 <= interval.high
    assert 0.92 <= covered / 400 <= 0.98
    same = ratio_difference(np.ones(50), np.full(50, 10.0), np.ones(50), np.full(50, 10.0))
    assert same.value == 0.0
