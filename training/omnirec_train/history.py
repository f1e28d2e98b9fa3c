"""Per-user event history as CSR arrays, newest first, capped at history_cap events per user."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.data.event_log import EventLog
from omnirec_train.interactions import IdMap


@dataclass(frozen=True)
class HistoryArrays:
    indptr: np.ndarray  # U+1 int64
    items: np.ndarray  # H int32
    times: np.ndarray  # H int64
    types: np.ndarray  # H str
    channels: np.ndarray  # H str

    def of_user(self, user: int) -> slice:
        return slice(int(self.indptr[user]), int(self.indptr[user + 1]))


def build_history(events: EventLog, users: IdMap, items: IdMap, cap: int, types: set[str]) -> HistoryArrays:
    """Each user's most recent `cap` events of the given types (newest first; ties keep file order reversed)."""
    u = users.to_internal(events.user_ids)
    i = items.to_internal(events.item_ids)
    keep = np.flatnonzero((u >= 0) & (i >= 0) & np.isin(events.event_types, list(types)))
    # Stable sort by user, then newest first: reverse the (time-sorted) log first, then sort by user.
    rev = keep[::-1]
    order = rev[np.argsort(u[rev], kind="stable")]
    users_sorted = u[order]
    counts = np.bincount(users_sorted, minlength=len(users))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(order.shape[0]) - starts[users_sorted]
    order = order[rank < cap]
    kept = np.minimum(counts, cap)
    indptr = np.concatenate([[0], np.cumsum(kept)]).astype(np.int64)
    return HistoryArrays(
        indptr=indptr,
        items=i[order].astype(np.int32),
        times=events.timestamps[order].astype(np.int64),
        types=events.event_types[order].astype(str),
        channels=events.channels[order].astype(str),
    )
