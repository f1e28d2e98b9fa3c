"""Customer-state rules shared by the backends (the Redis Lua scripts implement the same ones)."""

from __future__ import annotations

from collections.abc import Sequence

from omnirec.columns import PURCHASE_EVENTS
from omnirec.store.keys import DEDUP_MAX, IMPRESSION_RETENTION_SECONDS, fatigue_suffix, impression_suffix
from omnirec.store.records import CustomerEvent, ImpressionRequest

PURCHASE = "p"  # buys: purchase time and count updated, item leaves the cart
CART = "c"  # add_to_cart: item enters the cart
OTHER = "-"
MAX_ALIAS_HOPS = 4  # identity links are followed at most this deep (a customer linked into another)


def event_kind(event_type: str) -> str:
    if event_type in PURCHASE_EVENTS:
        return PURCHASE
    return CART if event_type == "add_to_cart" else OTHER


def newest_first(events: Sequence[CustomerEvent]) -> list[CustomerEvent]:
    """Recent events ordered newest first by event time (the order of equal times is unspecified)."""
    return sorted(events, key=lambda e: e.timestamp, reverse=True)


def trim_dedup(dedup: dict[str, int]) -> dict[str, int]:
    """Keep the DEDUP_MAX most recent event ids (by event time)."""
    if len(dedup) <= DEDUP_MAX:
        return dedup
    return dict(sorted(dedup.items(), key=lambda kv: kv[1])[-DEDUP_MAX:])


def impression_keys(request: ImpressionRequest) -> tuple[str, str]:
    return impression_suffix(request.offer_id), fatigue_suffix(request.channel)


def recent(times: list[int], now: int) -> list[int]:
    """Impression times still within the retention window."""
    return [t for t in times if t > now - IMPRESSION_RETENTION_SECONDS]


def caps_allow(request: ImpressionRequest, offer_times: Sequence[int], channel_times: Sequence[int]) -> bool:
    """True when neither the per-offer cap nor the channel fatigue limit is reached (sliding windows)."""
    if request.cap_count > 0:
        since = request.now - request.cap_seconds
        if sum(1 for t in offer_times if t > since) >= request.cap_count:
            return False
    if request.fatigue_count > 0:
        since = request.now - request.fatigue_seconds
        if sum(1 for t in channel_times if t > since) >= request.fatigue_count:
            return False
    return True


def feedback_fields(segment: str, outcome: str) -> list[str]:
    """Counter fields one feedback event adds to: its segment and '' (all customers)."""
    return [f"|{outcome}"] if segment == "" else [f"{segment}|{outcome}", f"|{outcome}"]


def feedback_for_segment(counters: dict[str, float], segment: str) -> dict[str, float]:
    head = f"{segment}|"
    return {name[len(head) :]: value for name, value in counters.items() if name.startswith(head)}
