"""Per-customer model rows for store tests: what publish writes and reads give back."""

from __future__ import annotations

import numpy as np

from omnirec.store.records import HistoryEntry, ModelRows

Entry = tuple[str, str, int, str]  # a HistoryEntry written as a tuple: item, event type, time, channel


def rows(x: float | None = None, *history: Entry) -> ModelRows:
    """The trained vector [x, -x] (none when x is None) and these training-time events, newest first."""
    return ModelRows(None if x is None else np.array([x, -x], dtype=np.float32), [HistoryEntry(*h) for h in history])
