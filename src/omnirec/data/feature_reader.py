"""items.csv / users.csv to a FeatureTable: unique ids, numeric and categorical feature columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from omnirec.data.csv_reader import CsvFile
from omnirec.data.event_log import FeatureTable
from omnirec.data.values import first_empty, is_numeric_column, string_column
from omnirec.errors import DataError


def read_features(path: Path, id_column: str) -> FeatureTable:
    """One row per id; a column is numeric when every non-empty value is a number, else categorical."""
    with CsvFile(path) as csv_file:
        name, header = csv_file.name, csv_file.header
        if id_column not in header:
            raise DataError(name, f"missing required column (found: {','.join(header)})", row=1, column=id_column)
        parts: list[list[np.ndarray]] = [[] for _ in header]
        for chunk in csv_file.chunks():
            for index, raw in enumerate(chunk.columns):
                parts[index].append(string_column(raw))
    columns = {column: np.concatenate(parts[index]) for index, column in enumerate(header)}
    ids = columns.pop(id_column)
    _check_ids(ids, csv_file, id_column)
    table = FeatureTable(ids=ids)
    for column, values in columns.items():
        if is_numeric_column(values):
            table.numeric[column] = np.where(values == "", "nan", values).astype(np.float64)
        else:
            table.categorical[column] = values
    return table


def _check_ids(ids: np.ndarray, csv_file: CsvFile, id_column: str) -> None:
    empty = first_empty(ids)
    if empty is not None:
        raise DataError(csv_file.name, "empty id", row=csv_file.row_of(empty), column=id_column)
    if np.unique(ids).size == ids.size:
        return
    first_seen: dict[str, int] = {}
    for index, value in enumerate(ids.tolist()):
        if value in first_seen:
            raise DataError(
                csv_file.name,
                f"duplicate id {value!r} (first seen in row {csv_file.row_of(first_seen[value])}); ids must be unique",
                row=csv_file.row_of(index),
                column=id_column,
            )
        first_seen[value] = index
