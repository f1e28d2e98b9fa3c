"""Measurement simulation with a known ground truth: does `omnirec report` recover a known lift and credit
cross-channel purchases to the right impression?

Customers are split by the real experiment assignment (hash of the resolved customer id) into A and B.
Each customer gets lists on the web and by email (logged by the real ImpressionRecorder into a real store);
an item is shown to a customer at most once, so the causing impression is unambiguous. A shown item is
clicked with probability CTR x 1/log2(position + 2) (within the hour) and a click becomes a purchase with
probability P_BUY in A and P_BUY x (1 + lift) in B, 0-6 days later: online under the customer's id, or, for
loyalty-card holders (their card linked to the online profile), in a store under the card. Customers also buy
items they were never shown (not caused, must not be attributed). Events go through the store like the
events API's, links through link_identity; the report then runs the same pipeline as `omnirec report`.

    python benchmarks/measurement_simulation.py --customers 6000 --lift 0.3 --out reports/measurement-sim
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np

from omnirec.measurement.attribution import AttributionRules, attribute, conversions, exposures
from omnirec.measurement.experiments import Experiment, Experiments, Variant
from omnirec.measurement.impressions import ImpressionPolicy
from omnirec.measurement.pipeline import measure
from omnirec.measurement.recorder import ImpressionRecorder, ServedList
from omnirec.measurement.report_files import write_report
from omnirec.measurement.sources import identity_map, read_all_events, read_all_impressions
from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent

DAY = 86_400
START = 1_767_225_600  # 2026-01-01
CTR = 0.08
P_BUY = 0.25
K = 10


class Clock:
    def __init__(self) -> None:
        self.now = float(START)

    def __call__(self) -> float:
        return self.now


async def simulate(args: argparse.Namespace) -> dict[str, object]:
    rng = np.random.default_rng(args.seed)
    store = open_store(args.store, prefix="measim", timeout_ms=10_000)
    clock = Clock()
    experiments = Experiments(
        [Experiment(name="sim", variants=[Variant(name="A", share=0.5), Variant(name="B", share=0.5)])]
    )
    recorder = ImpressionRecorder(store, ImpressionPolicy(), experiments, clock)
    n_items = 600
    prices = np.round(rng.lognormal(2.5, 0.6, size=n_items), 2)
    truth: dict[str, str] = {}  # purchase event id -> recommendation id that caused it
    cross_channel: set[str] = set()
    card_holders = rng.random(args.customers) < args.card_share
    shown_by_variant = {"A": 0, "B": 0}
    caused_by_variant = {"A": 0, "B": 0}
    events: list[CustomerEvent] = []
    for n in range(args.customers):
        customer = f"c{n}"
        if card_holders[n]:
            await store.link_identity(f"card-{n}", customer)
        variant = experiments.assign(customer, "recommendations", 0).variant.name  # type: ignore[union-attr]
        p_buy = P_BUY * (1 + args.lift) if variant == "B" else P_BUY
        order = rng.permutation(n_items)  # items in the order this customer will be shown them: each once
        lists = int(rng.integers(args.lists // 2, args.lists + 1))
        for j in range(lists):
            clock.now = START + rng.uniform(0, args.days * DAY)
            channel = "email" if rng.random() < 0.4 else "web"
            items = order[j * K : (j + 1) * K]
            served = ServedList(customer, {}, "user", channel, None, "personalized", "sim-v1",
                                experiments.assign(customer, "recommendations", 0), [f"i{i}" for i in items],
                                [1.0 - p / K for p in range(K)], ["personalized"] * K)  # fmt: skip
            rec_id, _ = await recorder.record_list(served)
            shown_by_variant[variant] += 1
            for pos, item in enumerate(items):
                if rng.random() >= CTR / math.log2(pos + 2):
                    continue
                t_click = int(clock.now + rng.uniform(0, 3600))
                events.append(_event(customer, item, "view", t_click, channel, f"v-{rec_id}-{pos}", prices))
                if rng.random() >= p_buy:
                    continue
                in_store = card_holders[n] and rng.random() < args.store_share
                buyer, where = (f"card-{n}", "store") if in_store else (customer, "web")  # online: the webshop
                eid = f"p-{rec_id}-{pos}"
                events.append(
                    _event(buyer, item, "purchase", t_click + int(rng.uniform(0, 6 * DAY)), where, eid, prices)
                )
                truth[eid] = rec_id
                caused_by_variant[variant] += 1
                if in_store:
                    cross_channel.add(eid)
        for b in range(int(rng.poisson(args.background))):  # never-shown items: not caused by any list
            item = int(order[-1 - b])
            buyer, where = (f"card-{n}", "store") if card_holders[n] and rng.random() < 0.5 else (customer, "web")
            t = int(START + rng.uniform(0, (args.days + 6) * DAY))
            events.append(_event(buyer, item, "purchase", t, where, f"bg-{n}-{b}", prices))
    for event in sorted(events, key=lambda e: e.timestamp):
        await store.append_events(event.user_id, [event], cap=100)
    started = time.perf_counter()
    rules = AttributionRules()
    report = await measure(store, rules)
    report_seconds = time.perf_counter() - started
    records = await read_all_impressions(store)
    logged_events = await read_all_events(store)
    resolved = await identity_map(store, {r.user_id for r in records} | {e.user_id for e in logged_events})
    _, touches = exposures(records, resolved.__getitem__)
    credits = attribute(touches, conversions(logged_events, resolved.__getitem__), rules)
    purchase_credits = {
        c.conversion.event_id: c.touch.exposure.recommendation_id for c in credits if c.conversion.kind == "purchase"
    }
    await store.close()
    correct = sum(1 for eid, rec in truth.items() if purchase_credits.get(eid) == rec)
    cross_correct = sum(1 for eid in cross_channel if purchase_credits.get(eid) == truth[eid])
    wrongly_credited = sum(1 for eid in purchase_credits if eid not in truth)
    conversion_a = _true_conversion(P_BUY)
    conversion_b = _true_conversion(P_BUY * (1 + args.lift))
    diff = next(d for d in report["differences"] if d["metric"] == "conversion")  # type: ignore[index, union-attr]
    control = next(v["conversion"]["value"] for v in report["variants"] if v["variant"] == "A")  # type: ignore[index, union-attr]
    summary = {
        "customers": args.customers, "lift": args.lift, "seed": args.seed,
        "impressions": shown_by_variant, "caused_purchases": caused_by_variant,
        "true_conversion": {"A": conversion_a, "B": conversion_b, "difference": conversion_b - conversion_a},
        "measured_conversion_difference": diff,
        "difference_covered": diff["low"] <= conversion_b - conversion_a <= diff["high"],
        "measured_relative_lift": diff["value"] / control,
        "caused_purchases_attributed_correctly": f"{correct}/{len(truth)}",
        "cross_channel_purchases_attributed_correctly": f"{cross_correct}/{len(cross_channel)}",
        "not_caused_but_credited": wrongly_credited,
        "report_seconds": round(report_seconds, 2),
        "paths": report["paths"],
    }  # fmt: skip
    if args.out:
        write_report(report, Path(args.out))
        (Path(args.out) / "simulation.json").write_text(json.dumps(summary, indent=2))
        if args.plot:
            shutil.copy(Path(args.out) / "report.png", args.plot)
    return summary


def _true_conversion(p_buy: float) -> float:
    """Expected purchases per list of K: sum over positions of CTR / log2(pos + 2) x p_buy."""
    return sum(CTR / math.log2(p + 2) for p in range(K)) * p_buy


def _event(user: str, item: int, kind: str, ts: int, channel: str, eid: str, prices: np.ndarray) -> CustomerEvent:
    price = float(prices[item]) if kind == "purchase" else None
    return CustomerEvent(user_id=user, item_id=f"i{item}", event_type=kind, timestamp=ts, channel=channel,
                         event_id=eid, price=price, quantity=1.0)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default="memory://")
    parser.add_argument("--customers", type=int, default=6000)
    parser.add_argument("--lists", type=int, default=12, help="most lists per customer (at least half of it)")
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--lift", type=float, default=0.3, help="relative lift in purchase per click of variant B")
    parser.add_argument("--card-share", type=float, default=0.4, help="customers with a linked loyalty card")
    parser.add_argument("--store-share", type=float, default=0.5, help="card holders' caused purchases made in store")
    parser.add_argument("--background", type=float, default=1.0, help="never-shown purchases per customer (Poisson)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="")
    parser.add_argument("--plot", default="")
    summary = asyncio.run(simulate(parser.parse_args()))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
