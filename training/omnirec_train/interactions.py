"""Id maps and the weighted, time-decayed user x item interaction matrix the hybrid model learns from."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from omnirec.data.event_log import EventLog
from omnirec.training_config import TrainingConfig

SECONDS_PER_DAY = 86_400.0


class IdMap:
    """External string ids <-> dense internal indices (sorted, so lookups are a binary search)."""

    def __init__(self, external_ids: np.ndarray) -> None:
        self.external_ids = np.unique(np.asarray(external_ids).astype(str))

    @classmethod
    def union(cls, *id_arrays: np.ndarray | None) -> IdMap:
        parts = [np.asarray(a).astype(str) for a in id_arrays if a is not None]
        return cls(np.concatenate(parts) if parts else np.array([], dtype=str))

    def __len__(self) -> int:
        return int(self.external_ids.shape[0])

    def to_internal(self, ids: np.ndarray) -> np.ndarray:
        """Internal index of each id; -1 for ids this map does not know."""
        ids = np.asarray(ids).astype(str)
        if not len(self):
            return np.full(ids.shape[0], -1, dtype=np.int64)
        pos = np.searchsorted(self.external_ids, ids)
        pos = np.minimum(pos, len(self) - 1)
        return np.where(self.external_ids[pos] == ids, pos, -1).astype(np.int64)


def event_weights(events: EventLog, config: TrainingConfig, cutoff: int) -> np.ndarray:
    """Weight of each event: event weight x channel weight x 0.5 ** (age_days / half_life_days).

    Event types without a configured weight (offer feedback) weigh 0; unknown channels weigh 1.
    Events after the cut-off count as age 0.
    """
    types, type_index = np.unique(events.event_types, return_inverse=True)
    type_w = np.array([config.event_weights.get(str(t), 0.0) for t in types], dtype=np.float64)
    chans, chan_index = np.unique(events.channels, return_inverse=True)
    chan_w = np.array([config.channel_weights.get(str(c), 1.0) for c in chans], dtype=np.float64)
    age_days = np.maximum(cutoff - events.timestamps, 0) / SECONDS_PER_DAY
    decay = 0.5 ** (age_days / config.half_life_days)
    return type_w[type_index] * chan_w[chan_index] * decay


def build_interactions(
    events: EventLog, users: IdMap, items: IdMap, config: TrainingConfig, cutoff: int | None = None
) -> sp.csr_matrix:
    """Users x items float32 CSR of summed event weights; negative totals (returns) clipped to 0.

    cutoff defaults to the newest event; events of unknown users or items are skipped.
    """
    cutoff = int(events.timestamps.max()) if cutoff is None and len(events) else (cutoff or 0)
    u = users.to_internal(events.user_ids)
    i = items.to_internal(events.item_ids)
    w = event_weights(events, config, cutoff)
    keep = (u >= 0) & (i >= 0) & (w != 0)
    matrix = sp.coo_matrix((w[keep], (u[keep], i[keep])), shape=(len(users), len(items))).tocsr()
    matrix.sum_duplicates()
    matrix.data = np.maximum(matrix.data, 0.0)
    matrix.eliminate_zeros()
    return matrix.astype(np.float32)
