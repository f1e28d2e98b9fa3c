"""Customer-state rules shared by the backends (the Redis Lua scripts implement the same ones)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from omnirec.columns import PURCHASE_EVENTS
from omnirec.errors import InvalidRequest, StoreUnavailable
from omnirec.store.keys import DEDUP_MAX, IMPRESSION_RETENTION_SECONDS, fatigue_suffix, impression_suffix
from omnirec.store.records import CustomerEvent, ImpressionRequest

PURCHASE = "p"  # buys: purchase time and count updated, item leaves the cart
CART = "c"  # add_to_cart: item enters the cart
OTHER = "-"
# Identity links are followed to the end of the chain (linking collapses chains, so they stay short); this
# bound only stops a loop that concurrent links could in theory build.
MAX_ALIAS_HOPS = 1000
# An erasure fences the erased ids for this long: log_impressions drops their records meanwhile, so an
# impression served before the erasure and still queued in any worker (omnirec.measurement.group_writer
# writes at most MAX_PENDING_S after serving, far below this) is never written after it.
ERASURE_FENCE_S = 600
WRITE_RETRIES = 8  # a script finding its customer linked meanwhile resolves again, this many times at most


def alias_loop(any_id: str) -> InvalidRequest:
    return InvalidRequest(f"the identity links of {any_id!r} form a loop; link the ids again to repair them")


def linked_meanwhile(any_id: str) -> StoreUnavailable:
    """Writes that kept finding their customer linked into another (a storm of links): retry later."""
    return StoreUnavailable(f"the identity links of {any_id!r} kept changing during the write; nothing was stored")


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


def id_digest(any_id: str) -> str:
    """How the erasure journal names an erased id (exports compare digests of their rows' ids)."""
    return hashlib.sha256(any_id.encode()).hexdigest()


def check_purposes(held: int, new: int, max_purposes: int) -> None:
    """Refuse a consent update that would leave a customer with more than `max_purposes` purposes (0 = no bound)."""
    if max_purposes > 0 and new > 0 and held + new > max_purposes:
        raise InvalidRequest(
            f"a customer may hold at most {max_purposes} consent purposes: {held} are stored and this update "
            f"adds {new}; update existing purposes instead"
        )


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
