"""In-memory form of a validated data folder: column arrays, ids still external."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class EventLog:
    """Events as parallel column arrays, sorted by timestamp (stable).

    Ids stay external strings here; dense indices are assigned by the trainer's id maps.
    Optional columns absent from the file are filled: channel with the default channel,
    quantity with 1, price with NaN, session/store/event ids with "".
    """

    user_ids: np.ndarray  # str, shape (n,)
    item_ids: np.ndarray  # str
    event_types: np.ndarray  # str
    timestamps: np.ndarray  # int64 Unix seconds
    channels: np.ndarray  # str
    quantity: np.ndarray  # float32
    price: np.ndarray  # float32, NaN when unknown
    session_ids: np.ndarray  # str
    store_ids: np.ndarray  # str
    event_ids: np.ndarray  # str

    def __len__(self) -> int:
        return int(self.user_ids.shape[0])

    def take(self, mask_or_index: np.ndarray) -> EventLog:
        """A new log with the selected rows (boolean mask or index array), order kept."""
        return EventLog(
            user_ids=self.user_ids[mask_or_index],
            item_ids=self.item_ids[mask_or_index],
            event_types=self.event_types[mask_or_index],
            timestamps=self.timestamps[mask_or_index],
            channels=self.channels[mask_or_index],
            quantity=self.quantity[mask_or_index],
            price=self.price[mask_or_index],
            session_ids=self.session_ids[mask_or_index],
            store_ids=self.store_ids[mask_or_index],
            event_ids=self.event_ids[mask_or_index],
        )


@dataclass(frozen=True)
class FeatureTable:
    """items.csv or users.csv: one row per id, feature columns split by kind.

    Categorical columns hold strings ("" when missing); numeric columns hold float64 (NaN when missing).
    A column is numeric when every non-empty value parses as a number.
    """

    ids: np.ndarray  # str, unique
    categorical: dict[str, np.ndarray] = field(default_factory=dict)
    numeric: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class Dataset:
    """A loaded data folder: events plus optional item and user features."""

    source: Path
    events: EventLog
    items: FeatureTable | None
    users: FeatureTable | None
    fingerprint: str  # sha256 over the raw input files, for the bundle manifest
    warnings: tuple[str, ...] = ()
