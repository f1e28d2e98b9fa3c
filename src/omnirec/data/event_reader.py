"""events.csv(.gz) or events.parquet to a validated EventLog: required columns, event types, channels,
numbers, unique event ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from omnirec.columns import DEFAULT_CHANNEL, Columns
from omnirec.data.arrow_columns import (
    Rows,
    check_allowed,
    float_values,
    pop_coded,
    required_coded,
    timestamp_values,
)
from omnirec.data.event_log import CodedStrings, EventLog
from omnirec.data.load_warnings import LoadWarnings
from omnirec.data.table_reader import RawTable, read_header, read_table
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig

_STRING_OPTIONAL = {Columns.Session: "session_ids", Columns.Store: "store_ids", Columns.EventId: "event_ids"}
_KNOWN = frozenset((*Columns.REQUIRED_EVENT, *Columns.OPTIONAL_EVENT))
_TYPE_HOW = "add it with a weight under [event_weights] in the training settings TOML (--config)"
_CHANNEL_HOW = "add it under [channel_weights] in the training settings TOML, or set allow_unknown_channels = true"


def read_events(path: Path, config: TrainingConfig, warnings: LoadWarnings) -> EventLog:
    """All rows of an events file as an EventLog in file order; DataError on the first invalid row."""
    name, header = str(path), read_header(path)
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
    table = read_table(path, wanted=sorted(_KNOWN))
    coded, numbers = _convert(table, config)
    log = EventLog(**coded, timestamps=numbers["timestamps"], quantity=numbers["quantity"], price=numbers["price"])
    _check_unique_event_ids(log.coded["event_ids"], log.coded["user_ids"], table.rows, name)
    return log


def _convert(table: RawTable, config: TrainingConfig) -> tuple[dict[str, CodedStrings], dict[str, np.ndarray]]:
    """(string columns, number columns), column by column, each raw column released once converted."""
    name, rows, size = table.name, table.rows, table.num_rows
    out: dict[str, CodedStrings] = {}
    numbers: dict[str, np.ndarray] = {}
    for column, key in ((Columns.User, "user_ids"), (Columns.Item, "item_ids")):
        out[key] = required_coded(table, column)
    types = required_coded(table, Columns.EventType)
    check_allowed(types, frozenset(config.event_weights), name, Columns.EventType, _TYPE_HOW, rows)
    out["event_types"] = types
    numbers["timestamps"] = timestamp_values(table.pop(Columns.Timestamp), name, Columns.Timestamp, rows)
    out["channels"] = _channels(table, config, rows)
    for column, key, default in ((Columns.Quantity, "quantity", 1.0), (Columns.Price, "price", np.nan)):
        if column in table.columns:
            values = float_values(table.pop(column), default, name, column, rows)
        else:
            values = np.full(size, default)
        numbers[key] = values.astype(np.float32)
    for column, key in _STRING_OPTIONAL.items():
        out[key] = pop_coded(table, column) if column in table.columns else _constant(size, "")
    return out, numbers


def _channels(table: RawTable, config: TrainingConfig, rows: Rows) -> CodedStrings:
    if Columns.Channel not in table.columns:
        return _constant(table.num_rows, DEFAULT_CHANNEL)
    raw = pop_coded(table, Columns.Channel)
    channels = CodedStrings.from_dictionary(raw.codes, np.where(raw.values == "", DEFAULT_CHANNEL, raw.values))
    if not config.allow_unknown_channels:
        allowed = frozenset(config.channel_weights)
        check_allowed(channels, allowed, table.name, Columns.Channel, _CHANNEL_HOW, rows)
    return channels


def _constant(size: int, value: str) -> CodedStrings:
    return CodedStrings(np.zeros(size, dtype=np.int32), np.array([value], dtype=str))


def _check_unique_event_ids(event_ids: CodedStrings, user_ids: CodedStrings, rows: Rows, name: str) -> None:
    """An event is identified by (user_id, event_id), as the service stores it: two customers' clients may well
    pick the same event_id, a customer's repeated one is fatal. The later row of the first repeated pair (in
    file order) is named. Works on the codes: globally unique ids (the usual case) cost one comparison."""
    empty = np.flatnonzero(event_ids.values == "")
    present = np.flatnonzero(event_ids.codes != empty[0]) if empty.size else np.arange(len(event_ids))
    if present.size == 0 or event_ids.values.size - empty.size == present.size:
        return
    keys = user_ids.codes[present].astype(np.int64) * event_ids.values.size + event_ids.codes[present]
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if repeated.size == 0:
        return
    at = int(order[repeated + 1].min())  # position in `present` of the first repeat in file order
    second = int(present[at])
    first = int(present[np.flatnonzero(keys == keys[at])[0]])
    value = str(event_ids.values[event_ids.codes[second]])
    user = str(user_ids.values[user_ids.codes[second]])
    raise DataError(
        name,
        f"duplicate event_id {value!r} for user {user!r} (first seen in row {rows.row_of(first)}); "
        "event ids must be unique per user",
        row=rows.row_of(second),
        column=Columns.EventId,
    )
