"""Typed, validated columns from pyarrow arrays: vectorised fast paths, exact `values` rules as the fallback.

The fallback runs `omnirec.data.values` on the column's distinct values in file order, so a value pyarrow
does not parse (a padded number, an ISO time with a fraction) is judged exactly as before and the first bad
row of the file is the one reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from omnirec.data.event_log import CodedStrings
from omnirec.data.table_reader import CsvRows, ParquetRows, RawTable
from omnirec.data.values import float_column, timestamp_column
from omnirec.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

Rows = CsvRows | ParquetRows
CONVERT_BLOCK = 1 << 20


class Distinct:
    """A column's distinct values in order of first appearance, and where each first appears."""

    def __init__(self, codes: np.ndarray, dictionary: np.ndarray) -> None:
        present, first = np.unique(codes, return_index=True)
        order = np.argsort(first, kind="stable")
        self.values = dictionary[present[order]]
        self.first_index = first[order]
        remap = np.full(dictionary.shape[0], -1, dtype=np.int64)
        remap[present[order]] = np.arange(order.size)
        self.codes = remap[codes]


class FirstRows:
    """RowNumbers for a list of distinct values: the row where each first appears."""

    def __init__(self, distinct: Distinct, rows: Rows) -> None:
        self.distinct, self.rows = distinct, rows

    def row_of(self, index: int) -> int:
        return self.rows.row_of(int(self.distinct.first_index[index]))


def as_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any column as strings; nulls (Parquet) become "" like empty CSV fields."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return column.fill_null("") if column.null_count else column


def encode(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(int32 codes, dictionary) of a string column; the dictionary is in order of first appearance."""
    return encode_owned([column])


def encode_owned(owned: list[pa.ChunkedArray]) -> tuple[np.ndarray, np.ndarray]:
    """encode() of the column popped from owned: the raw strings are released before the numpy dictionary
    is built, and the pyarrow indices before that too (10M distinct event ids: ~200 MB less at the peak)."""
    encoded = as_strings(owned.pop()).dictionary_encode()
    if encoded.num_chunks == 0:
        return np.zeros(0, dtype=np.int32), np.array([], dtype=str)
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
    strings = encoded.chunk(0).dictionary
    del encoded
    dictionary = unicode_array(strings)
    del strings
    release_arrow_memory()
    return codes.astype(np.int32, copy=False), dictionary


def release_arrow_memory() -> None:
    """Hand pyarrow's freed pages back to the system (its allocator keeps them otherwise, and numpy's
    allocations that follow cannot reuse them)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def unicode_array(strings: pa.Array, block: int = CONVERT_BLOCK) -> np.ndarray:
    """A string array as fixed-width numpy unicode, converted a block at a time.

    Going through Python strings one block at a time bounds the transient objects (10M distinct event ids
    as one list would cost ~700 MB on top of the result).
    """
    import pyarrow.compute as pc

    longest = pc.max(pc.utf8_length(strings)).as_py() or 0
    out = np.empty(len(strings), dtype=f"<U{max(longest, 1)}")
    for start in range(0, len(strings), block):
        out[start : start + block] = strings.slice(start, block).to_pylist()
    return out


def coded_strings(column: pa.ChunkedArray) -> CodedStrings:
    """A column dictionary-encoded (nulls as ""); pyarrow's dictionary is unique already."""
    return CodedStrings.from_dictionary(*encode(column), unique=True)


def pop_coded(table: RawTable, column: str) -> CodedStrings:
    """coded_strings of a column taken out of the table, its raw strings freed as early as possible."""
    return CodedStrings.from_dictionary(*encode_owned([table.pop(column)]), unique=True)


def first_row_with(coded: CodedStrings, values: set[str]) -> int | None:
    """Index of the first row holding one of values, or None."""
    hits = np.isin(coded.values, np.array(sorted(values), dtype=str))
    if not hits.any():
        return None
    return int(np.flatnonzero(hits[coded.codes])[0])


def required_coded(table: RawTable, label: str) -> CodedStrings:
    """A required column taken out of the table, dictionary-encoded; DataError at the first empty value."""
    coded = pop_coded(table, label)
    empty = first_row_with(coded, {""})
    if empty is not None:
        raise DataError(table.name, "empty value in a required column", row=table.rows.row_of(empty), column=label)
    return coded


def check_allowed(coded: CodedStrings, allowed: frozenset[str], name: str, label: str, how: str, rows: Rows) -> None:
    """DataError at the first row whose value is not allowed, listing the valid ones and how to add one."""
    unknown = set(coded.values.tolist()) - allowed
    index = first_row_with(coded, unknown) if unknown else None
    if index is None:
        return
    value = str(coded.values[coded.codes[index]])
    raise DataError(
        name,
        f"unknown {label} {value!r}; valid: {', '.join(sorted(allowed))}. To accept it, {how}",
        row=rows.row_of(index),
        column=label,
    )


def float_values(column: pa.ChunkedArray, default: float, name: str, label: str, rows: Rows) -> np.ndarray:
    """float64: empty or null -> default; anything that is not a finite number is a DataError."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(column.type):
        values = column.cast(pa.float64()).fill_null(np.nan).to_numpy()
        missing = column.is_null().to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~np.isfinite(values) & ~missing)
        if bad.size:
            index = int(bad[0])
            raise DataError(
                name, f"expected a number, got {float(values[index])!r}", row=rows.row_of(index), column=label
            )
        return np.where(missing, default, values)
    strings = as_strings(column)
    empty = pc.equal(strings, "").to_numpy(zero_copy_only=False)
    try:
        parsed = pc.cast(pc.if_else(pc.equal(strings, ""), "0", strings), pa.float64()).to_numpy()
    except pa.ArrowInvalid:
        parsed = None
    if parsed is not None and np.isfinite(parsed).all():
        return np.where(empty, default, parsed)
    return _exact(
        strings, rows, lambda values, at: float_column(values, default=default, file=name, column=label, chunk=at)
    )


def timestamp_values(column: pa.ChunkedArray, name: str, label: str, rows: Rows) -> np.ndarray:
    """int64 Unix seconds (fractions floored) from ISO 8601 text, Unix seconds or Parquet time types."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = pc.index(column.is_null(), True).as_py() if column.null_count else -1
    if missing >= 0:
        raise DataError(name, "empty value in a required column", row=rows.row_of(missing), column=label)
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        return _time_type_seconds(column)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return _number_seconds(column.cast(pa.float64()).to_numpy(), name, label, rows)
    strings = as_strings(column)
    empty = pc.index(pc.equal(strings, ""), True).as_py()
    if empty >= 0:
        raise DataError(name, "empty value in a required column", row=rows.row_of(empty), column=label)
    for target in (pa.float64(), pa.timestamp("s", "UTC"), pa.timestamp("s")):
        try:
            parsed = pc.cast(strings, target)
        except pa.ArrowInvalid:
            continue
        if target == pa.float64():
            seconds = parsed.to_numpy()
            if np.isfinite(seconds).all():
                return np.floor(seconds).astype(np.int64)
            break  # "inf" and "nan" parse as numbers but are not times: let the exact path name them
        return parsed.cast(pa.int64()).to_numpy()
    return _exact(strings, rows, lambda values, at: timestamp_column(values, file=name, column=label, chunk=at))


def _time_type_seconds(column: pa.ChunkedArray) -> np.ndarray:
    import pyarrow as pa

    if pa.types.is_date(column.type):
        column = column.cast(pa.timestamp("s"))
    unit = column.type.unit
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    ticks = column.cast(pa.timestamp(unit)).cast(pa.int64()).to_numpy()
    return np.floor_divide(ticks, per_second)


def _number_seconds(seconds: np.ndarray, name: str, label: str, rows: Rows) -> np.ndarray:
    bad = np.flatnonzero(~np.isfinite(seconds))
    if bad.size:
        index = int(bad[0])
        raise DataError(
            name, f"expected Unix seconds, got {float(seconds[index])!r}", row=rows.row_of(index), column=label
        )
    return np.floor(seconds).astype(np.int64)


def _exact(strings: pa.ChunkedArray, rows: Rows, convert: Callable[[list[str], FirstRows], np.ndarray]) -> np.ndarray:
    """Convert the distinct values with the exact rules (first bad value in file order raises), then expand."""
    distinct = Distinct(*encode(strings))
    converted = convert(distinct.values.tolist(), FirstRows(distinct, rows))
    return converted[distinct.codes]
