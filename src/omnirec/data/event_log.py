"""In-memory form of a validated data folder: column arrays (string columns dictionary-encoded), ids still external."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STRING_COLUMNS = ("user_ids", "item_ids", "event_types", "channels", "session_ids", "store_ids", "event_ids")
NUMBER_COLUMNS = ("timestamps", "quantity", "price")


@dataclass(frozen=True)
class CodedStrings:
    """A dictionary-encoded string column: ``values[codes]`` is the column.

    ``values`` is unique (fixed-width unicode, in no particular order: the loader keeps pyarrow's order of
    first appearance, sorting millions of distinct ids would cost seconds), ``codes`` int32, so 10M events
    of a column cost 40 MB plus the distinct values instead of 10M fixed-width strings.
    """

    codes: np.ndarray  # int32, shape (n,)
    values: np.ndarray  # str, unique

    @classmethod
    def encode(cls, strings: np.ndarray | Iterable[str]) -> CodedStrings:
        """Encode plain strings (any array-like)."""
        array = np.asarray(strings if isinstance(strings, np.ndarray) else list(strings))
        values, inverse = np.unique(array.astype(str), return_inverse=True)
        return cls(inverse.reshape(-1).astype(np.int32), values)

    @classmethod
    def from_dictionary(cls, codes: np.ndarray, dictionary: np.ndarray, *, unique: bool = False) -> CodedStrings:
        """Codes into a dictionary; with unique=False the dictionary may repeat values (they are merged)."""
        if unique:
            return cls(codes.astype(np.int32, copy=False), np.asarray(dictionary).astype(str, copy=False))
        values, inverse = np.unique(np.asarray(dictionary).astype(str), return_inverse=True)
        return cls(inverse.reshape(-1).astype(np.int32)[codes], values)

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def decode(self) -> np.ndarray:
        """The column as a fixed-width unicode array (a new array on every call)."""
        return self.values[self.codes]

    def take(self, index: np.ndarray) -> CodedStrings:
        """Rows selected by a boolean mask or an index array; values are kept (they may go unused)."""
        return CodedStrings(self.codes[index], self.values)

    def isin(self, wanted: Iterable[str]) -> np.ndarray:
        """Boolean mask of the rows whose value is one of wanted (computed on the codes)."""
        hits = np.isin(self.values, np.array(list(wanted), dtype=str))
        return hits[self.codes]

    def replace_where(self, mask: np.ndarray, value: str) -> CodedStrings:
        """A copy with the masked rows set to value."""
        found = np.flatnonzero(self.values == value)
        values = self.values if found.size else np.append(self.values, np.array([value], dtype=str))
        codes = self.codes.copy()
        codes[mask] = int(found[0]) if found.size else values.size - 1
        return CodedStrings(codes, values)


class EventLog:
    """Events as parallel columns, sorted by timestamp (stable).

    String columns are held dictionary-encoded (`coded`); the attributes ``user_ids``, ``item_ids``,
    ``event_types``, ``channels``, ``session_ids``, ``store_ids`` and ``event_ids`` decode them into
    fixed-width unicode arrays on every access (hoist them out of loops). ``timestamps`` (int64 Unix
    seconds), ``quantity`` and ``price`` (float32, NaN when unknown) are plain arrays.
    Ids stay external strings; dense indices are assigned by the trainer's id maps. Optional columns absent
    from the file are filled: channel with the default channel, quantity with 1, price with NaN,
    session/store/event ids with "".
    """

    __slots__ = ("coded", "price", "quantity", "timestamps")

    def __init__(
        self,
        *,
        user_ids: np.ndarray | CodedStrings,
        item_ids: np.ndarray | CodedStrings,
        event_types: np.ndarray | CodedStrings,
        timestamps: np.ndarray,
        channels: np.ndarray | CodedStrings,
        quantity: np.ndarray,
        price: np.ndarray,
        session_ids: np.ndarray | CodedStrings,
        store_ids: np.ndarray | CodedStrings,
        event_ids: np.ndarray | CodedStrings,
    ) -> None:
        strings = {
            "user_ids": user_ids,
            "item_ids": item_ids,
            "event_types": event_types,
            "channels": channels,
            "session_ids": session_ids,
            "store_ids": store_ids,
            "event_ids": event_ids,
        }
        self.coded: dict[str, CodedStrings] = {
            name: column if isinstance(column, CodedStrings) else CodedStrings.encode(column)
            for name, column in strings.items()
        }
        self.timestamps = timestamps
        self.quantity = quantity
        self.price = price

    @property
    def user_ids(self) -> np.ndarray:
        return self.coded["user_ids"].decode()

    @property
    def item_ids(self) -> np.ndarray:
        return self.coded["item_ids"].decode()

    @property
    def event_types(self) -> np.ndarray:
        return self.coded["event_types"].decode()

    @property
    def channels(self) -> np.ndarray:
        return self.coded["channels"].decode()

    @property
    def session_ids(self) -> np.ndarray:
        return self.coded["session_ids"].decode()

    @property
    def store_ids(self) -> np.ndarray:
        return self.coded["store_ids"].decode()

    @property
    def event_ids(self) -> np.ndarray:
        return self.coded["event_ids"].decode()

    def __len__(self) -> int:
        return int(self.timestamps.shape[0])

    def take(self, mask_or_index: np.ndarray) -> EventLog:
        """A new log with the selected rows (boolean mask or index array), order kept."""
        return EventLog(
            **{name: column.take(mask_or_index) for name, column in self.coded.items()},
            timestamps=self.timestamps[mask_or_index],
            quantity=self.quantity[mask_or_index],
            price=self.price[mask_or_index],
        )


@dataclass(frozen=True)
class FeatureTable:
    """items or users: one row per id, feature columns split by kind.

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
