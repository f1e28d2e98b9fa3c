"""build_context: the store's event records (live CustomerEvent, training HistoryEntry) into one columnar context."""

from __future__ import annotations

import numpy as np

from bundle_factory import make_bundle
from omnirec.scoring import Catalog, build_context
from omnirec.store.records import CustomerEvent, HistoryEntry

NOW = 1_700_000_000


def catalog() -> Catalog:
    return Catalog.from_bundle(make_bundle(n_items=10, n_users=2, seed=4))


def event(item: str, event_type: str, timestamp: int, channel: str = "web") -> CustomerEvent:
    return CustomerEvent(
        user_id="c1", item_id=item, event_type=event_type, timestamp=timestamp, channel=channel, event_id=item
    )


def test_live_events_and_history_rows_are_read_alike() -> None:
    cat = catalog()
    rows = [("i1", "view", NOW - 5, "app"), ("i2", "purchase", NOW - 9, "store")]
    from_history = build_context(cat, user_vector=None, history=[HistoryEntry(*r) for r in rows])
    from_live = build_context(cat, user_vector=None, live_events=[event(*r) for r in rows])
    for ctx in (from_history, from_live):
        assert ctx.items.tolist() == [1, 2]
        assert ctx.times.tolist() == [NOW - 5, NOW - 9]
        assert (ctx.types, ctx.channels) == (("view", "purchase"), ("app", "store"))
        assert ctx.purchases == {2: (NOW - 9, 1)}


def test_merged_newest_first_ties_history_first_unknown_items_dropped() -> None:
    cat = catalog()
    history = [HistoryEntry("i3", "purchase", NOW - 100, "web"), HistoryEntry("i4", "view", NOW - 10, "web")]
    live_events = [
        event("i5", "add_to_cart", NOW - 10, "tablet"),  # the same second as i4: history first
        event("gone", "purchase", NOW, "web"),  # not in this model: dropped
        event("i3", "purchase", NOW - 1, "store"),
    ]
    ctx = build_context(cat, user_vector=np.ones(8, dtype=np.float32), history=history, live_events=live_events)
    assert ctx.items.tolist() == [3, 4, 5, 3]
    assert ctx.channels == ("store", "web", "tablet", "web")
    assert ctx.purchases == {3: (NOW - 1, 2)}
    assert ctx.feature_vector is None  # a trained vector: features are not needed
