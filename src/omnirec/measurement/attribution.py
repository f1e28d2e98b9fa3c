"""Cross-channel attribution: conversions credited to the impressions that showed the item to the same customer.

The rule, in full:
- A conversion is a `view` (a click), `add_to_cart` or `purchase` event from any channel (events API or
  training files), repeated event ids counted once. Revenue is price x quantity (0 when the price is unknown).
- Both sides are resolved to today's canonical customer id through identity links, so an email shown to the
  customer and a purchase at the till under their loyalty card meet.
- A candidate is an impression of the same customer that showed the item at or before the event and no
  longer ago than the window of the conversion's kind (default: 1 day for clicks, 7 days for add-to-carts
  and purchases). A list showed all its items unless the client confirmed what it rendered with `impression`
  events: then only the confirmed items, at the confirmed positions. An offer showed the items it promotes.
  Confirmations of an answer the service did not log (an email campaign from `omnirec export
  recommendations`, whose lines carry a recommendation_id) are an answer of their own, without a variant.
- Several candidates: `last_touch` (default) gives the whole conversion to the most recent one (ties: the
  better position, then the recommendation id); `position` splits it over all of them in proportion to
  1 / log2(position + 2), the discount of DCG, so a top slot earns more than the tenth.
- Conversions without a candidate are not attributed (they still count for customer-level conversion).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from omnirec.measurement.impressions import LIST, OFFER, SHOWN, item_positions
from omnirec.store.records import CustomerEvent, ImpressionRecord

DAY = 86_400
CONVERSION_KINDS: Mapping[str, str] = {"view": "click", "add_to_cart": "add_to_cart", "purchase": "purchase"}
DEFAULT_WINDOWS: Mapping[str, int] = {"click": DAY, "add_to_cart": 7 * DAY, "purchase": 7 * DAY}
RULES = ("last_touch", "position")


@dataclass(frozen=True)
class AttributionRules:
    windows: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    rule: str = "last_touch"

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"attribution rule must be one of {', '.join(RULES)}, got {self.rule!r}")
        if any(seconds < 0 for seconds in self.windows.values()):
            raise ValueError("attribution windows must not be negative")


@dataclass(frozen=True)
class Exposure:
    """One answer (list or offer) as the report counts it."""

    recommendation_id: str
    customer_id: str
    timestamp: int
    channel: str
    experiment: str
    variant: str
    kind: str  # list | offer | shown (confirmed only)
    items: frozenset[str]


@dataclass(frozen=True)
class Touch:
    """An item an answer showed, at a 0-based position."""

    exposure: Exposure
    item_id: str
    position: int


@dataclass(frozen=True)
class Conversion:
    event_id: str
    customer_id: str
    item_id: str
    kind: str  # click | add_to_cart | purchase
    timestamp: int
    channel: str
    revenue: float


@dataclass(frozen=True)
class Credit:
    conversion: Conversion
    touch: Touch
    share: float  # 1.0 under last touch


def exposures(records: Iterable[ImpressionRecord], resolve: Callable[[str], str]) -> tuple[list[Exposure], list[Touch]]:
    """Answers and the (customer, item) touches they made, confirmations applied."""
    answers: dict[str, list[ImpressionRecord]] = defaultdict(list)
    shown: dict[str, list[ImpressionRecord]] = defaultdict(list)
    for record in records:
        (shown if record.kind == SHOWN else answers)[record.recommendation_id].append(record)
    out: list[Exposure] = []
    touches: list[Touch] = []
    for rec_id, group in shown.items():
        answers.setdefault(rec_id, group)  # confirmed only: an exported list the email system sent
    for rec_id, group in answers.items():
        first = group[0]
        positions: dict[str, int] = {}
        if rec_id in shown:
            for confirmed in shown[rec_id]:
                for item, pos in item_positions(confirmed).items():
                    positions[item] = min(pos, positions.get(item, pos))
        elif first.kind == LIST:
            positions = item_positions(first)
        else:  # offers: the items each served offer promotes, at the offer's slot
            for slot, record in enumerate(r for r in group if r.kind == OFFER):
                for item in record.items:
                    positions.setdefault(item, slot)
        exposure = Exposure(
            rec_id, resolve(first.user_id), first.timestamp, first.channel, first.experiment, first.variant,
            first.kind, frozenset(positions),
        )  # fmt: skip
        out.append(exposure)
        touches += [Touch(exposure, item, pos) for item, pos in sorted(positions.items())]
    return out, touches


def conversions(events: Iterable[CustomerEvent], resolve: Callable[[str], str]) -> list[Conversion]:
    """Clicks, add-to-carts and purchases, each event id once, customers resolved."""
    seen: set[str] = set()
    out = []
    for e in events:
        kind = CONVERSION_KINDS.get(e.event_type)
        if kind is None or e.event_id in seen:
            continue
        seen.add(e.event_id)
        revenue = (e.price or 0.0) * e.quantity if kind == "purchase" else 0.0
        out.append(Conversion(e.event_id, resolve(e.user_id), e.item_id, kind, e.timestamp, e.channel, revenue))
    return out


def attribute(touches: Iterable[Touch], conversions_: Iterable[Conversion], rules: AttributionRules) -> list[Credit]:
    """Credits of every attributed conversion (shares of one conversion add up to 1)."""
    by_key: dict[tuple[str, str], list[tuple[int, Touch]]] = defaultdict(list)
    for touch in touches:
        by_key[(touch.exposure.customer_id, touch.item_id)].append((touch.exposure.timestamp, touch))
    credits: list[Credit] = []
    for conversion in conversions_:
        window = rules.windows.get(conversion.kind, 0)
        candidates = [
            t
            for ts, t in by_key.get((conversion.customer_id, conversion.item_id), [])
            if ts <= conversion.timestamp <= ts + window
        ]
        if not candidates:
            continue
        if rules.rule == "last_touch":
            best = min(candidates, key=lambda t: (-t.exposure.timestamp, t.position, t.exposure.recommendation_id))
            credits.append(Credit(conversion, best, 1.0))
            continue
        weights = [1.0 / math.log2(t.position + 2) for t in candidates]
        total = sum(weights)
        credits += [Credit(conversion, t, w / total) for t, w in zip(candidates, weights, strict=True)]
    return credits
