"""UserContext: what the ranker knows of one customer, from the bundle's history and live events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Protocol

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
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


@dataclass(frozen=True)
class UserContext:
    """One customer's inputs to the ranker. Event arrays are newest first; unknown items are dropped."""

    user_vector: np.ndarray | None  # trained vector of a known customer
    feature_vector: np.ndarray | None  # built from customer features (cold start)
    items: np.ndarray  # int64 item indices
    times: np.ndarray  # int64 Unix seconds
    types: tuple[str, ...]
    channels: tuple[str, ...]

    @property
    def has_events(self) -> bool:
        return self.items.shape[0] > 0

    @cached_property
    def purchases(self) -> dict[int, tuple[int, int]]:
        """Item index -> (last purchase time, times bought). Computed on first use: the ranker's features
        never read it (the "purchased" rule of item lists and buy-again reasons do)."""
        purchases: dict[int, tuple[int, int]] = {}
        for idx, timestamp, event_type in zip(self.items.tolist(), self.times.tolist(), self.types, strict=True):
            if event_type in PURCHASE_EVENTS:
                last, count = purchases.get(idx, (timestamp, 0))
                purchases[idx] = (max(last, timestamp), count + 1)
        return purchases


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
    feature_vector = catalog.feature_vector(features) if features and user_vector is None else None
    return UserContext(
        user_vector=user_vector,
        feature_vector=feature_vector,
        items=items,
        times=times,
        types=tuple(e.event_type for e in known),
        channels=tuple(e.channel for e in known),
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
        return contexts_from_bundle(catalog, bundle, [user_index])[0]
    return build_context(
        catalog,
        user_vector=bundle["user_vectors"][user_index],
        history=bundle_history(bundle, user_index),
        live_events=live_events,
        features=features,
    )


def contexts_from_bundle(
    catalog: Catalog, bundle: ModelBundle, user_indices: Sequence[int | None]
) -> list[UserContext]:
    """context_from_bundle of many customers without live events (batch export, evaluation): None is unknown.

    Training customers of this very catalogue's bundle are read straight from the history arrays, all at
    once: equal to build_context, since the history is stored newest first with item indices of this
    catalogue, and a stable sort by time keeps it as it is.
    """
    if catalog.version != bundle.version:
        return [context_from_bundle(catalog, bundle, u) for u in user_indices]
    read = iter(_bundle_contexts(bundle, np.array([u for u in user_indices if u is not None], dtype=np.int64)))
    return [next(read) if u is not None else build_context(catalog, user_vector=None) for u in user_indices]


def _bundle_contexts(bundle: ModelBundle, users: np.ndarray) -> list[UserContext]:
    """The bundle-history contexts of `users` (training customer indices), built with one set of numpy calls."""
    indptr = bundle["history_indptr"]
    first = indptr[users].astype(np.int64)
    counts = indptr[users + 1].astype(np.int64) - first
    starts = np.zeros(users.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    rows = np.repeat(first - starts[:-1], counts)
    rows += np.arange(starts[-1], dtype=np.int64)  # every customer's history rows, one after the other
    times = bundle["history_times"][rows].astype(np.int64)
    rising = np.flatnonzero(times[1:] > times[:-1])  # an event newer than the one stored before it
    if rising.size:
        customer = np.repeat(np.arange(users.shape[0], dtype=np.int64), counts)
        if np.any(customer[rising] == customer[rising + 1]):  # within a customer: sort theirs newest first
            order = np.lexsort((-times, customer))  # stable: events of the same second keep their order
            rows, times = rows[order], times[order]
    items = bundle["history_items"][rows].astype(np.int64)
    types = bundle["history_types"][rows].tolist()
    channels = bundle["history_channels"][rows].tolist()
    bounds = starts.tolist()
    vectors = bundle["user_vectors"]
    return [
        UserContext(
            user_vector=vectors[user],
            feature_vector=None,
            items=items[start:end],
            times=times[start:end],
            types=tuple(types[start:end]),
            channels=tuple(channels[start:end]),
        )
        for user, start, end in zip(users.tolist(), bounds[:-1], bounds[1:], strict=True)
    ]
