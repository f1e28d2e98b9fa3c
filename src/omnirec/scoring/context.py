"""UserContext: what the ranker knows of one customer, from the bundle's history and live events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.grouping import unique_inverse
from omnirec.store.records import HistoryEntry


class Event(Protocol):
    """One event as the ranker reads it. The store's records are events as they are, never copied into
    another type: CustomerEvent (the live state) and HistoryEntry (training history rows). UserContext is
    their columnar form, built once per request by build_context."""

    @property
    def item_id(self) -> str: ...
    @property
    def event_type(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def channel(self) -> str: ...


_timestamp = attrgetter("timestamp")
INT64_MIN = np.iinfo(np.int64).min


@dataclass(frozen=True)
class UserContext:
    """One customer's inputs to the ranker. Event arrays are newest first; unknown items are dropped."""

    user_vector: np.ndarray | None  # trained vector of a known customer
    feature_vector: np.ndarray | None  # built from customer features (cold start)
    items: np.ndarray  # int64 item indices
    times: np.ndarray  # int64 Unix seconds
    types: tuple[str, ...]
    channels: tuple[str, ...]
    purchases: dict[int, tuple[int, int]]  # item index -> (last purchase time, times bought)

    @property
    def has_events(self) -> bool:
        return self.items.shape[0] > 0


def build_context(
    catalog: Catalog,
    *,
    user_vector: np.ndarray | None,
    history: Iterable[Event] = (),
    live_events: Iterable[Event] = (),
    features: Mapping[str, str] | None = None,
) -> UserContext:
    """Merge trained history and live events (any channel) into one newest-first context (ties: history first).

    Events of items the catalogue does not hold are dropped. With no user vector, `features` build one."""
    index = catalog.index
    # sorted(reverse=True) is stable: events of the same second keep their order, history first
    known = sorted((e for e in (*history, *live_events) if e.item_id in index), key=_timestamp, reverse=True)
    items = np.fromiter((index[e.item_id] for e in known), dtype=np.int64, count=len(known))
    times = np.fromiter((e.timestamp for e in known), dtype=np.int64, count=len(known))
    purchases: dict[int, tuple[int, int]] = {}
    for idx, event in zip(items.tolist(), known, strict=True):
        if event.event_type in PURCHASE_EVENTS:
            last, count = purchases.get(idx, (event.timestamp, 0))
            purchases[idx] = (max(last, event.timestamp), count + 1)
    feature_vector = catalog.feature_vector(features) if features and user_vector is None else None
    return UserContext(
        user_vector=user_vector,
        feature_vector=feature_vector,
        items=items,
        times=times,
        types=tuple(e.event_type for e in known),
        channels=tuple(e.channel for e in known),
        purchases=purchases,
    )


def bundle_history(bundle: ModelBundle, user_index: int) -> list[HistoryEntry]:
    """A user's history rows from the bundle's CSR arrays, newest first (as the store serves them)."""
    start, end = bundle["history_indptr"][user_index : user_index + 2].tolist()
    item_ids = bundle["item_ids"]
    return [
        HistoryEntry(item, etype, ts, channel)
        for item, etype, ts, channel in zip(
            item_ids[bundle["history_items"][start:end]].tolist(),
            bundle["history_types"][start:end].tolist(),
            bundle["history_times"][start:end].tolist(),
            bundle["history_channels"][start:end].tolist(),
            strict=True,
        )
    ]


def context_from_bundle(
    catalog: Catalog,
    bundle: ModelBundle,
    user_index: int | None,
    live_events: Sequence[Event] = (),
    features: Mapping[str, str] | None = None,
) -> UserContext:
    """Context of a training user (or an unknown one when user_index is None) read from a bundle."""
    if user_index is None:
        return build_context(catalog, user_vector=None, live_events=live_events, features=features)
    if not live_events and catalog.version == bundle.version:
        return _bundle_context(catalog, bundle, user_index)
    return build_context(
        catalog,
        user_vector=bundle["user_vectors"][user_index],
        history=bundle_history(bundle, user_index),
        live_events=live_events,
        features=features,
    )


def _bundle_context(catalog: Catalog, bundle: ModelBundle, user_index: int) -> UserContext:
    """build_context of a training customer's bundle history alone, straight from the arrays (batch export).

    Equal to build_context: the history is stored newest first with item indices of this very catalogue,
    and a stable sort by time keeps it as it is.
    """
    start, end = bundle["history_indptr"][user_index : user_index + 2].tolist()
    times = bundle["history_times"][start:end].astype(np.int64)
    order = np.argsort(-times, kind="stable")
    items = bundle["history_items"][start:end].astype(np.int64)[order]
    times = times[order]
    types = bundle["history_types"][start:end][order].tolist()
    channels = bundle["history_channels"][start:end][order].tolist()
    purchases: dict[int, tuple[int, int]] = {}
    bought = np.fromiter(map(PURCHASE_EVENTS.__contains__, types), dtype=bool, count=len(types))
    if bought.any():
        b_items, b_times = items[bought], times[bought]
        uniq, _, inverse = unique_inverse(b_items)
        counts = np.bincount(inverse, minlength=uniq.shape[0])
        last = np.full(uniq.shape[0], INT64_MIN, dtype=np.int64)
        np.maximum.at(last, inverse, b_times)
        purchases = dict(zip(uniq.tolist(), zip(last.tolist(), counts.tolist(), strict=True), strict=True))
    return UserContext(
        user_vector=bundle["user_vectors"][user_index],
        feature_vector=None,
        items=items,
        times=times,
        types=tuple(types),
        channels=tuple(channels),
        purchases=purchases,
    )
