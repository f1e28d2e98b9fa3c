"""Finding the data files, and the exact (slow) CSV reader that names the row of a problem.

The loader reads files with pyarrow (`table_reader`); this reader checks headers and, when pyarrow refuses a
file or an error needs its row number, re-reads it to say which row and why.

Row numbers follow one convention everywhere: the header is row 1 and the first data row is row 2
(they equal line numbers unless a quoted field spans several lines).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TypeVar

from omnirec.errors import DataError

CHUNK_ROWS = 250_000
_T = TypeVar("_T")

# Real exports have long free-text fields (titles, descriptions); the default 128 KiB limit is too small.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet")


def is_parquet(path: Path) -> bool:
    """Parquet by file name (`.parquet`); everything else is read as CSV."""
    return path.name.endswith(".parquet")


def find_data_file(folder: Path, stem: str, *, required: bool) -> Path | None:
    """`<stem>.csv`, `<stem>.csv.gz` or `<stem>.parquet` in folder; DataError when required and absent, or when
    more than one exists."""
    candidates = [folder / f"{stem}{suffix}" for suffix in DATA_SUFFIXES]
    found = [path for path in candidates if path.exists()]
    if len(found) > 1:
        names = " and ".join(path.name for path in found)
        raise DataError(str(found[0]), f"both {names} exist; keep only one")
    if found:
        return found[0]
    if required:
        names = ", ".join(path.name for path in candidates[:-1]) + f" or {candidates[-1].name}"
        raise DataError(str(candidates[0]), f"missing: the data folder {folder} needs {names}")
    return None


@dataclass
class RowChunk:
    """Consecutive data rows, all with the header's field count, and their row numbers."""

    columns: list[tuple[str, ...]]  # one tuple of raw strings per header column
    first_row: int  # row number of columns[*][0]
    row_numbers: list[int] | None = None  # set only when blank lines were skipped inside the chunk

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def row_of(self, index: int) -> int:
        """The file's row number of the index-th row in this chunk."""
        if self.row_numbers is not None:
            return self.row_numbers[index]
        return self.first_row + index


class CsvFile:
    """A data file opened for chunked reading; use as a context manager, then `header` and `chunks()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self._raw: io.BufferedReader | None = None
        self._binary: io.BufferedIOBase | gzip.GzipFile | None = None
        self._text: io.TextIOWrapper | None = None
        self.header: list[str] = []
        self._reader: Iterator[list[str]] = iter(())
        self._next_row = 2
        self.data_rows = 0
        # Per chunk: index of its first data row in the whole file, and its row numbering.
        self._chunk_starts: list[int] = []
        self._chunk_numbering: list[tuple[int, list[int] | None]] = []

    def __enter__(self) -> CsvFile:
        self._raw = open(self.path, "rb")
        raw = self._raw
        self._binary = gzip.GzipFile(fileobj=raw, mode="rb") if self.path.name.endswith(".gz") else raw
        # newline="" lets the csv module handle quoted line breaks; utf-8-sig drops an Excel BOM.
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._text)
        header = self._guard(lambda: next(self._reader, None), 1)
        if not header:
            raise DataError(self.name, "the file is empty: expected a header row and at least one data row", row=1)
        self.header = [name.strip() for name in header]
        seen: set[str] = set()
        for name in self.header:
            if not name:
                raise DataError(self.name, "the header has an empty column name", row=1)
            if name in seen:
                raise DataError(self.name, "the header names this column twice", row=1, column=name)
            seen.add(name)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._text is not None:
            self._text.close()
        if self._raw is not None:
            self._raw.close()  # GzipFile does not close a file object it was handed

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[RowChunk]:
        """Data rows in chunks of columns; DataError on a row with the wrong field count or bad bytes."""
        width = len(self.header)
        while True:
            first = self._next_row
            rows = self._guard(lambda: list(islice(self._reader, size)), first)
            if not rows:
                break
            self._next_row += len(rows)
            row_numbers = None
            if set(map(len, rows)) != {width}:
                rows, row_numbers = self._drop_blank_lines(rows, first, width)
            if rows:
                self._chunk_starts.append(self.data_rows)
                self._chunk_numbering.append((first, row_numbers))
                self.data_rows += len(rows)
                yield RowChunk(columns=list(zip(*rows, strict=True)), first_row=first, row_numbers=row_numbers)
        if self.data_rows == 0:
            raise DataError(self.name, "the file has a header but no data rows", row=2)

    def row_of(self, index: int) -> int:
        """Row number of the index-th data row of the whole file (0-based index, as in the loaded arrays)."""
        position = bisect_right(self._chunk_starts, index) - 1
        first, numbers = self._chunk_numbering[position]
        offset = index - self._chunk_starts[position]
        return numbers[offset] if numbers is not None else first + offset

    def _drop_blank_lines(self, rows: list[list[str]], first: int, width: int) -> tuple[list[list[str]], list[int]]:
        kept, numbers = [], []
        for offset, row in enumerate(rows):
            if len(row) == width:
                kept.append(row)
                numbers.append(first + offset)
            elif row:  # a fully blank line carries no data and is skipped
                raise DataError(
                    self.name,
                    f"has {len(row)} fields, expected {width} like the header ({','.join(self.header)})",
                    row=first + offset,
                )
        return kept, numbers

    def _guard(self, read: Callable[[], _T], row: int) -> _T:
        try:
            return read()
        except UnicodeDecodeError as exc:
            line = _first_undecodable_line(self.path)
            raise DataError(self.name, f"is not valid UTF-8 ({exc.reason}); save the file as UTF-8", row=line) from exc
        except csv.Error as exc:
            line = getattr(self._reader, "line_num", row)  # physical line where the csv module gave up
            raise DataError(self.name, f"malformed CSV: {exc}", row=line) from exc
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise DataError(self.name, f"is not a readable gzip file: {exc}") from exc


def _first_undecodable_line(path: Path) -> int | None:
    """1-based line number of the first line that is not UTF-8 (slow path, only after an error)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as binary:
        for number, line in enumerate(binary, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None
