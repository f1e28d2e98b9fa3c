"""The measurement report's numbers: per experiment variant and channel, differences between variants, paths.

Per group: impressions (answers logged), customers, attributed clicks / add-to-carts / purchases (shares
under position-aware attribution), attributed revenue, CTR and conversion per impression, attributed
revenue per 1,000 impressions, each with a 95 % interval clustered by customer (omnirec.measurement.stats).
Per variant also the share of exposed customers who bought anything (any channel, attributed or not) after
their first exposure: the one metric a no-recommendation holdout can be compared on. Differences are each
variant minus the experiment's first variant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnirec.measurement.attribution import AttributionRules, Conversion, Credit, Exposure
from omnirec.measurement.stats import Interval, proportion, proportion_difference, ratio, ratio_difference

KINDS = ("click", "add_to_cart", "purchase")
NO_EXPERIMENT = ""


@dataclass
class _Totals:
    impressions: float = 0.0
    click: float = 0.0
    add_to_cart: float = 0.0
    purchase: float = 0.0
    revenue: float = 0.0


GroupKey = tuple[str, str, str]  # experiment, variant, channel ("all" = every channel)


def _customer_totals(
    exposures: Iterable[Exposure], credits: Iterable[Credit], by_channel: bool
) -> dict[GroupKey, dict[str, _Totals]]:
    groups: dict[GroupKey, dict[str, _Totals]] = defaultdict(lambda: defaultdict(_Totals))
    for e in exposures:
        keys = [(e.experiment, e.variant, "all")] + ([(e.experiment, e.variant, e.channel)] if by_channel else [])
        for key in keys:
            groups[key][e.customer_id].impressions += 1
    for c in credits:
        e = c.touch.exposure
        keys = [(e.experiment, e.variant, "all")] + ([(e.experiment, e.variant, e.channel)] if by_channel else [])
        for key in keys:
            totals = groups[key][e.customer_id]
            setattr(totals, c.conversion.kind, getattr(totals, c.conversion.kind) + c.share)
            totals.revenue += c.share * c.conversion.revenue
    return groups


def _columns(customers: dict[str, _Totals]) -> dict[str, np.ndarray]:
    rows = list(customers.values())
    return {
        name: np.array([getattr(t, name) for t in rows], dtype=np.float64)
        for name in ("impressions", *KINDS, "revenue")
    }


def _metrics(cols: dict[str, np.ndarray]) -> dict[str, Any]:
    x = cols["impressions"]
    return {
        "impressions": int(x.sum()),
        "customers": len(x),
        "clicks": float(cols["click"].sum()),
        "add_to_carts": float(cols["add_to_cart"].sum()),
        "purchases": float(cols["purchase"].sum()),
        "revenue": float(cols["revenue"].sum()),
        "ctr": ratio(cols["click"], x).as_dict(),
        "conversion": ratio(cols["purchase"], x).as_dict(),
        "revenue_per_1000": ratio(cols["revenue"], x).scaled(1000).as_dict(),
    }


def _customer_conversion(
    exposures: Sequence[Exposure], conversions: Sequence[Conversion]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(experiment, variant) -> (customers who bought after their first exposure, exposed customers)."""
    first: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for e in exposures:
        seen = first[(e.experiment, e.variant)]
        seen[e.customer_id] = min(e.timestamp, seen.get(e.customer_id, e.timestamp))
    purchases: dict[str, list[int]] = defaultdict(list)
    for c in conversions:
        if c.kind == "purchase":
            purchases[c.customer_id].append(c.timestamp)
    out = {}
    for key, customers in first.items():
        bought = sum(1 for cid, t0 in customers.items() if any(t >= t0 for t in purchases.get(cid, ())))
        out[key] = (bought, len(customers))
    return out


def build_report(
    exposures: Sequence[Exposure], conversions: Sequence[Conversion], credits: Sequence[Credit], rules: AttributionRules
) -> dict[str, Any]:
    """The report as plain data (JSON-ready)."""
    groups = _customer_totals(exposures, credits, by_channel=True)
    reached = _customer_conversion(exposures, conversions)
    variants, channels = [], []
    for (experiment, variant, channel), customers in sorted(groups.items()):
        row = {"experiment": experiment, "variant": variant, "channel": channel, **_metrics(_columns(customers))}
        if channel == "all":
            bought, exposed = reached.get((experiment, variant), (0, 0))
            row["customer_conversion"] = proportion(bought, exposed).as_dict()
            variants.append(row)
        else:
            channels.append(row)
    return {
        "rule": rules.rule,
        "windows_seconds": dict(rules.windows),
        "exposures": len(exposures),
        "conversions": {kind: sum(1 for c in conversions if c.kind == kind) for kind in KINDS},
        "attributed": {kind: sum(c.share for c in credits if c.conversion.kind == kind) for kind in KINDS},
        "variants": variants,
        "channels": channels,
        "differences": _differences(groups, reached),
        "paths": _paths(credits),
    }


def _differences(
    groups: dict[GroupKey, dict[str, _Totals]], reached: dict[tuple[str, str], tuple[int, int]]
) -> list[dict[str, Any]]:
    by_experiment: dict[str, list[str]] = defaultdict(list)
    for experiment, variant, channel in sorted(groups):
        if experiment != NO_EXPERIMENT and channel == "all":
            by_experiment[experiment].append(variant)
    out = []
    for experiment, names in by_experiment.items():
        control = names[0]
        a = _columns(groups[(experiment, control, "all")])
        for name in names[1:]:
            b = _columns(groups[(experiment, name, "all")])
            diffs: dict[str, Interval] = {
                "ctr": ratio_difference(a["click"], a["impressions"], b["click"], b["impressions"]),
                "conversion": ratio_difference(a["purchase"], a["impressions"], b["purchase"], b["impressions"]),
                "revenue_per_1000": ratio_difference(
                    a["revenue"], a["impressions"], b["revenue"], b["impressions"]
                ).scaled(1000),
                "customer_conversion": proportion_difference(
                    *reached.get((experiment, control), (0, 0)), *reached.get((experiment, name), (0, 0))
                ),
            }
            for metric, interval in diffs.items():
                out.append({"experiment": experiment, "control": control, "variant": name, "metric": metric,
                            **interval.as_dict()})  # fmt: skip
    return out


def _paths(credits: Iterable[Credit]) -> list[dict[str, Any]]:
    """Purchases by (channel shown in, channel bought in): 'email -> store' is an email that sold in a store."""
    paths: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for c in credits:
        if c.conversion.kind == "purchase":
            entry = paths[(c.touch.exposure.channel, c.conversion.channel)]
            entry[0] += c.share
            entry[1] += c.share * c.conversion.revenue
    return [
        {"shown_in": shown, "bought_in": bought, "purchases": n, "revenue": revenue}
        for (shown, bought), (n, revenue) in sorted(paths.items(), key=lambda kv: -kv[1][1])
    ]
