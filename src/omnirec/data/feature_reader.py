"""items / users files (CSV, gzipped CSV or Parquet) to a FeatureTable: unique ids, numeric and categorical
feature columns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from omnirec.data.arrow_columns import Rows, as_strings, coded_strings
from omnirec.data.event_log import FeatureTable
from omnirec.data.table_reader import read_header, read_table
from omnirec.data.values import is_numeric_column
from omnirec.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa


def read_features(path: Path, id_column: str) -> FeatureTable:
    """One row per id; a column is numeric when every non-empty value is a number, else categorical."""
    name, header = str(path), read_header(path)
    if id_column not in header:
        raise DataError(name, f"missing required column (found: {','.join(header)})", row=1, column=id_column)
    table = read_table(path)
    ids = np.asarray(as_strings(table.pop(id_column)).to_pylist(), dtype=str)
    _check_ids(ids, table.rows, name, id_column)
    features = FeatureTable(ids=ids)
    for column in [c for c in header if c != id_column]:
        raw = table.pop(column)
        numeric = _numeric(raw)
        if numeric is not None:
            features.numeric[column] = numeric
        else:
            features.categorical[column] = coded_strings(raw).decode()
    return features


def _numeric(column: pa.ChunkedArray) -> np.ndarray | None:
    """float64 (NaN when missing) when every present value is a finite number, else None."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).fill_null(np.nan).to_numpy()
        return values if column.null_count < len(column) and np.isfinite(values[~np.isnan(values)]).all() else None
    coded = coded_strings(column)
    if not is_numeric_column(coded.values):
        return None
    numbers = np.where(coded.values == "", "nan", coded.values).astype(np.float64)
    return numbers[coded.codes]


def _check_ids(ids: np.ndarray, rows: Rows, name: str, id_column: str) -> None:
    empty = np.flatnonzero(ids == "")
    if empty.size:
        raise DataError(name, "empty id", row=rows.row_of(int(empty[0])), column=id_column)
    if np.unique(ids).size == ids.size:
        return
    first_seen: dict[str, int] = {}
    for index, value in enumerate(ids.tolist()):
        if value in first_seen:
            raise DataError(
                name,
                f"duplicate id {value!r} (first seen in row {rows.row_of(first_seen[value])}); ids must be unique",
                row=rows.row_of(index),
                column=id_column,
            )
        first_seen[value] = index
