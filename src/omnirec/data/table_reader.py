"""A data file (CSV, gzipped CSV or Parquet) read whole with pyarrow into raw columns, plus its row numbering.

pyarrow is imported inside the functions: the CLI starts without it and the service never loads it unless
it imports customer profiles at start-up. CSV columns are all read as strings (validation decides what they
mean); Parquet columns keep their types. A CSV that pyarrow refuses is re-read by the exact Python reader
(`CsvFile`), which names the row and the problem the way the contract promises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from omnirec.data.csv_reader import CsvFile, is_parquet
from omnirec.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK_BYTES = 16 << 20  # pyarrow's CSV block: large enough for long free-text rows, small for the peak


class CsvRows:
    """Row numbers of a CSV file as the contract counts them (header = row 1, blank lines counted).

    Computed only when an error needs one, by re-reading the file up to that row with the exact reader.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def row_of(self, index: int) -> int:
        with CsvFile(self.path) as csv_file:
            for _ in csv_file.chunks():
                if csv_file.data_rows > index:
                    return csv_file.row_of(index)
        raise IndexError(index)  # pragma: no cover - the index came from this file


class ParquetRows:
    """Parquet has no header row: row 1 is the first data row."""

    def row_of(self, index: int) -> int:
        return index + 1


@dataclass
class RawTable:
    """The columns of one data file, popped one by one by the readers to keep the peak memory low."""

    name: str
    header: list[str]
    columns: dict[str, pa.ChunkedArray]
    rows: CsvRows | ParquetRows
    num_rows: int
    parquet: bool

    def pop(self, column: str) -> pa.ChunkedArray:
        """Take a column out; memory of columns converted and dropped before goes back to the system."""
        import pyarrow as pa

        pa.default_memory_pool().release_unused()  # pyarrow's allocator keeps freed pages otherwise
        return self.columns.pop(column)


def read_header(path: Path) -> list[str]:
    """The column names of a data file (checked: none empty, none repeated); DataError when unreadable."""
    if not is_parquet(path):
        with CsvFile(path) as csv_file:  # exactly as before: BOM dropped, names stripped, row 1 named
            return csv_file.header
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        header = list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_parquet(path, exc) from exc
    _check_header(str(path), header)
    return header


def read_table(path: Path, wanted: Sequence[str] | None = None) -> RawTable:
    """Read the wanted columns (all when None) of a data file; DataError on anything unreadable or empty."""
    return _read_parquet(path, wanted) if is_parquet(path) else _read_csv(path, wanted)


def _read_csv(path: Path, wanted: Sequence[str] | None) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    name, header = str(path), read_header(path)
    include = [column for column in header if wanted is None or column in wanted]
    try:
        table = pa_csv.read_csv(
            str(path),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                include_columns=include,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError, EOFError) as exc:
        _explain_csv_failure(path, exc)
    if table.num_rows == 0:
        raise DataError(name, "the file has a header but no data rows", row=2)
    columns = {column: table.column(column) for column in include}
    return RawTable(name, header, columns, CsvRows(path), table.num_rows, parquet=False)


def _explain_csv_failure(path: Path, exc: Exception) -> None:
    """Find the row pyarrow refused with the exact reader and raise its DataError; else pass pyarrow's word on."""
    with CsvFile(path) as csv_file:
        for _ in csv_file.chunks():
            pass
    raise DataError(str(path), f"unreadable CSV: {exc}") from exc


def _read_parquet(path: Path, wanted: Sequence[str] | None) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name, header = str(path), read_header(path)
    include = [column for column in header if wanted is None or column in wanted]
    try:
        table = pq.read_table(path, columns=include)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_parquet(path, exc) from exc
    if table.num_rows == 0:
        raise DataError(name, "the file has no data rows")
    columns = {column: table.column(column) for column in include}
    return RawTable(name, header, columns, ParquetRows(), table.num_rows, parquet=True)


def _unreadable_parquet(path: Path, exc: Exception) -> DataError:
    return DataError(str(path), f"is not a readable Parquet file ({exc}); write it with pyarrow, polars or Spark")


def _check_header(name: str, header: list[str]) -> None:
    seen: set[str] = set()
    for column in header:
        if not column.strip():
            raise DataError(name, "the file has a column with an empty name")
        if column in seen:
            raise DataError(name, "the file names this column twice", column=column)
        seen.add(column)
