"""Lifecycle stage of a customer (new, active, lapsing, lapsed) derived from their events and purchases."""

from __future__ import annotations

import msgspec

from omnirec.store.records import CustomerState

SECONDS_PER_DAY = 86_400


class LifecycleThresholds(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Day thresholds: new within `new_days` of the first activity; otherwise by days since the last
    purchase (or last activity for a customer who never bought): active up to `active_days`,
    lapsing up to `lapsed_days`, lapsed beyond."""

    new_days: float = 30.0
    active_days: float = 60.0
    lapsed_days: float = 180.0

    def __post_init__(self) -> None:
        if not 0 < self.active_days < self.lapsed_days or self.new_days < 0:
            raise ValueError("need new_days >= 0 and 0 < active_days < lapsed_days")


def lifecycle_stage(state: CustomerState, now: int, thresholds: LifecycleThresholds) -> str:
    """The stage of a customer at `now`. A customer with no known activity is 'new'."""
    event_times = [e.timestamp for e in state.recent_events]
    purchase_times = list(state.purchases.values())
    known = event_times + purchase_times + list(state.cart.values())
    if not known:
        return "new"
    first = min(known)
    if now - first <= thresholds.new_days * SECONDS_PER_DAY:
        return "new"
    last = max(purchase_times) if purchase_times else max(known)
    idle_days = (now - last) / SECONDS_PER_DAY
    if idle_days <= thresholds.active_days:
        return "active"
    return "lapsing" if idle_days <= thresholds.lapsed_days else "lapsed"
