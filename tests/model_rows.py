"""Encoded per-customer model rows for store tests (what publish writes) and the records reads decode them to."""

from __future__ import annotations

import numpy as np

from omnirec.store import codec
from omnirec.store.records import HistoryEntry, ModelRows

Entry = tuple[str, str, int, str]  # a HistoryEntry written as a tuple: item, event type, time, channel


def vector_row(x: float) -> bytes:
    """A 'user' row: the trained vector [x, -x]."""
    return codec.encode_vector(np.array([x, -x], dtype=np.float32))


def history_row(*rows: Entry) -> bytes:
    """A 'history' row holding these training-time events, newest first."""
    return codec.encode_history([HistoryEntry(*row) for row in rows])


def decoded(x: float | None = None, *history: Entry) -> ModelRows:
    """What reading back vector_row(x) and history_row(*history) gives (x None: no vector)."""
    return ModelRows(None if x is None else np.array([x, -x], dtype=np.float32), [HistoryEntry(*h) for h in history])
