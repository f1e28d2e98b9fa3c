"""Exact column conversions: raw strings to typed numpy arrays, reporting the first bad row (no pyarrow here)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from omnirec.errors import DataError

TIMESTAMP_HELP = (
    "expected an ISO 8601 time like 2017-01-01T00:00:00Z (offset, fraction and date-only allowed; "
    "no offset means UTC) or Unix seconds like 1483228800"
)


class RowNumbers(Protocol):
    """Maps the index of a value in a column to the row number an error message shows."""

    def row_of(self, index: int) -> int: ...


def string_column(values: Sequence[str]) -> np.ndarray:
    """Fixed-width unicode array (npz-friendly, no pickling needed)."""
    return np.array(values, dtype=np.str_)


def first_empty(values: np.ndarray) -> int | None:
    """Index of the first empty string, or None."""
    empty = np.flatnonzero(values == "")
    return int(empty[0]) if empty.size else None


def float_column(values: Sequence[str], *, default: float, file: str, column: str, chunk: RowNumbers) -> np.ndarray:
    """float64 array; empty -> default; anything else that is not a finite number is a DataError."""
    raw = string_column(values)
    empty = raw == ""
    try:
        parsed = np.where(empty, "0", raw).astype(np.float64)
    except ValueError:
        parsed = None
    if parsed is not None and np.isfinite(parsed).all():
        parsed[empty] = default
        return parsed
    for index, value in enumerate(values):
        if value != "" and not _is_finite_number(value):
            raise DataError(file, f"expected a number, got {value!r}", row=chunk.row_of(index), column=column)
    raise AssertionError("unreachable: a bad value must have been found")  # pragma: no cover


def _is_finite_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def is_numeric_column(values: np.ndarray) -> bool:
    """True when every non-empty value parses as a finite number (and at least one value is present)."""
    present = values[values != ""]
    if present.size == 0:
        return False
    try:
        return bool(np.isfinite(present.astype(np.float64)).all())
    except ValueError:
        return False


def timestamp_column(values: Sequence[str], *, file: str, column: str, chunk: RowNumbers) -> np.ndarray:
    """int64 Unix seconds (fractions floored). Unix-seconds files take a vectorised path."""
    try:
        seconds = string_column(values).astype(np.float64)
        if np.isfinite(seconds).all():
            return np.floor(seconds).astype(np.int64)
    except ValueError:
        pass
    fast = _iso_utc_fast_path(values)
    if fast is not None:
        return fast
    cache: dict[str, int] = {}
    out = np.empty(len(values), dtype=np.int64)
    for index, value in enumerate(values):
        parsed = cache.get(value)
        if parsed is None:
            parsed = parse_timestamp(value)
            if parsed is None:
                raise DataError(file, f"{TIMESTAMP_HELP}; got {value!r}", row=chunk.row_of(index), column=column)
            cache[value] = parsed
        out[index] = parsed
    return out


def _iso_utc_fast_path(values: Sequence[str]) -> np.ndarray | None:
    """Vectorised parse of plain ``YYYY-MM-DDTHH:MM:SS[Z]`` columns (the common export), else None.

    Anything unusual (offsets, fractions, mixed forms) returns None and takes the exact per-value path.
    """
    text = string_column(values)
    if text.dtype.itemsize // 4 > 20:  # longer than 2017-01-01T00:00:00Z: offsets or fractions
        return None
    if bool(np.strings.endswith(text, "Z").all()):
        text = np.strings.slice(text, 0, -1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy's timezone parsing is deprecated: never rely on it
            moments = text.astype("datetime64[s]")
    except (ValueError, DeprecationWarning, UserWarning):
        return None
    if np.isnat(moments).any() or not bool((np.strings.str_len(text) >= 10).all()):
        return None  # "NaT" or year-only / year-month strings: let the exact path judge them
    return moments.astype(np.int64)


def parse_timestamp(value: str) -> int | None:
    """Unix seconds for one ISO 8601 or numeric value; None when it is neither."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return math.floor(number) if math.isfinite(number) else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp())
