"""events.csv(.gz) to validated column arrays: required columns, event types, channels, numbers, ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from omnirec.columns import DEFAULT_CHANNEL, Columns
from omnirec.data.csv_reader import CsvFile, RowChunk
from omnirec.data.event_log import EventLog
from omnirec.data.load_warnings import LoadWarnings
from omnirec.data.values import first_empty, float_column, string_column, timestamp_column
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig

_STRING_OPTIONAL = {Columns.Session: "session_ids", Columns.Store: "store_ids", Columns.EventId: "event_ids"}
_KNOWN = frozenset((*Columns.REQUIRED_EVENT, *Columns.OPTIONAL_EVENT))


def read_events(path: Path, config: TrainingConfig, warnings: LoadWarnings) -> EventLog:
    """All rows of an events file as an EventLog in file order; DataError on the first invalid row."""
    valid_types = frozenset(config.event_weights)
    valid_channels = None if config.allow_unknown_channels else frozenset(config.channel_weights)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in EventLog.__dataclass_fields__}
    with CsvFile(path) as csv_file:
        name = csv_file.name
        header = csv_file.header
        for column in Columns.REQUIRED_EVENT:
            if column not in header:
                raise DataError(
                    name,
                    f"missing required column; the header must contain {','.join(Columns.REQUIRED_EVENT)} "
                    f"(found: {','.join(header)})",
                    row=1,
                    column=column,
                )
        unknown = [column for column in header if column not in _KNOWN]
        if unknown:
            warnings.note(
                f"{name}: ignored unknown columns {', '.join(unknown)} "
                f"(known optional columns: {', '.join(Columns.OPTIONAL_EVENT)})"
            )
        position = {column: header.index(column) for column in header if column in _KNOWN}
        for chunk in csv_file.chunks():
            columns = {column: chunk.columns[index] for column, index in position.items()}
            for key, values in _convert_chunk(columns, chunk, name, valid_types, valid_channels).items():
                parts[key].append(values)
    # Column by column, dropping each column's chunks once joined, to keep the peak memory low.
    log = EventLog(**{key: np.concatenate(parts.pop(key)) for key in list(parts)})
    _check_unique_event_ids(log, csv_file, name)
    return log


def _convert_chunk(
    columns: dict[str, tuple[str, ...]],
    chunk: RowChunk,
    name: str,
    valid_types: frozenset[str],
    valid_channels: frozenset[str] | None,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for column, key in (
        (Columns.User, "user_ids"),
        (Columns.Item, "item_ids"),
        (Columns.EventType, "event_types"),
    ):
        out[key] = _required_strings(columns[column], chunk, name, column)
    _check_allowed(
        out["event_types"],
        valid_types,
        chunk,
        name,
        Columns.EventType,
        "add it with a weight under [event_weights] in the training settings TOML (--config)",
    )
    raw_times = columns[Columns.Timestamp]
    _required_strings(raw_times, chunk, name, Columns.Timestamp)
    out["timestamps"] = timestamp_column(raw_times, file=name, column=Columns.Timestamp, chunk=chunk)
    size = len(chunk)
    if Columns.Channel in columns:
        channels = string_column(columns[Columns.Channel])
        channels = np.where(channels == "", DEFAULT_CHANNEL, channels)
        if valid_channels is not None:
            _check_allowed(
                channels,
                valid_channels,
                chunk,
                name,
                Columns.Channel,
                "add it under [channel_weights] in the training settings TOML, or set allow_unknown_channels = true",
            )
        out["channels"] = channels
    else:
        out["channels"] = np.full(size, DEFAULT_CHANNEL)
    for column, key, default in ((Columns.Quantity, "quantity", 1.0), (Columns.Price, "price", np.nan)):
        if column in columns:
            values = float_column(columns[column], default=default, file=name, column=column, chunk=chunk)
        else:
            values = np.full(size, default)
        out[key] = values.astype(np.float32)
    for column, key in _STRING_OPTIONAL.items():
        out[key] = string_column(columns[column]) if column in columns else np.full(size, "")
    return out


def _required_strings(values: tuple[str, ...], chunk: RowChunk, name: str, column: str) -> np.ndarray:
    array = string_column(values)
    empty = first_empty(array)
    if empty is not None:
        raise DataError(name, "empty value in a required column", row=chunk.row_of(empty), column=column)
    return array


def _check_allowed(
    values: np.ndarray, allowed: frozenset[str], chunk: RowChunk, name: str, column: str, how: str
) -> None:
    unknown = set(values.tolist()) - allowed
    if not unknown:
        return
    index = int(np.flatnonzero(np.isin(values, sorted(unknown)))[0])
    raise DataError(
        name,
        f"unknown {column} {values[index]!r}; valid: {', '.join(sorted(allowed))}. To accept it, {how}",
        row=chunk.row_of(index),
        column=column,
    )


def _check_unique_event_ids(log: EventLog, spans: CsvFile, name: str) -> None:
    """An event is identified by (user_id, event_id), as the service stores it: two customers' clients may
    well pick the same event_id, a customer's repeated one is a duplicate."""
    present = np.flatnonzero(log.event_ids != "")
    if present.size == 0:
        return
    keys = np.char.add(np.char.add(log.user_ids[present].astype(str), "\x00"), log.event_ids[present].astype(str))
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if repeated.size == 0:
        return
    # Report the later of the first duplicated pair in file order.
    second = int(present[order[repeated + 1]].min())
    first = int(present[np.flatnonzero(keys == keys[np.flatnonzero(present == second)[0]])[0]])
    raise DataError(
        name,
        f"duplicate event_id {log.event_ids[second]!r} for user {log.user_ids[second]!r} (first seen in row "
        f"{spans.row_of(first)}); event ids must be unique per user",
        row=spans.row_of(second),
        column=Columns.EventId,
    )
