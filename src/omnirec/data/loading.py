"""Load and validate a data folder (events, optional items and users) into a Dataset.

The contract, in short (the column names live in `omnirec.columns.Columns`):

- ``events.csv``, ``events.csv.gz`` or ``events.parquet`` is required, with ``user_id,item_id,event_type,timestamp`` and
  optionally ``channel,quantity,price,session_id,store_id,event_id``. Timestamps are ISO 8601
  (``2017-01-01T00:00:00Z``; offset, fraction and date-only allowed; no offset means UTC) or Unix seconds.
- ``items`` (``item_id`` + features) and ``users`` (``user_id`` + features), in any of the three forms, are
  optional.
- CSV files are UTF-8 with a header. Row numbers in errors count the header as row 1, so the first
  data row is row 2 (the line number in an editor, unless a quoted field spans lines). Parquet files have
  no header row: their first row is row 1. Parquet columns may be typed (integer ids, timestamp or date
  times, numeric quantity and price); nulls count as empty values.

Fatal (DataError naming file, row, column and what was expected; nothing is half-loaded): a missing file
or required column, an empty required value, an unparseable timestamp, an event type not in the
training config's ``event_weights``, a channel not in ``channel_weights`` (unless
``allow_unknown_channels``), a non-numeric quantity or price, a duplicate id in items/users, a duplicate
``event_id``, a file without data rows, a row with the wrong number of fields, bytes that are not UTF-8,
a column named in the training config's ``numeric_columns`` that holds text.

Kept or skipped with one counted warning per kind (in ``Dataset.warnings`` and sent to ``warn``):

- unknown extra event columns: ignored.
- a column named in ``categorical_columns`` / ``numeric_columns`` that neither items nor users has.
- events whose item is missing from items.csv (or user from users.csv): KEPT. New items and
  customers are normal; they are trained on ids alone, without features.
- a purchase with quantity 0: SKIPPED (it records no sale).
- a purchase with a negative quantity: how many retail exports write a return, so it BECOMES a
  ``return`` of the absolute quantity when ``return`` is a configured event type, else it is SKIPPED.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from omnirec.columns import PURCHASE_EVENTS, Columns
from omnirec.data.csv_reader import find_data_file
from omnirec.data.event_log import CodedStrings, Dataset, EventLog, FeatureTable
from omnirec.data.event_reader import read_events
from omnirec.data.feature_reader import read_features
from omnirec.data.load_warnings import LoadWarnings
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig

RETURN_EVENT = "return"


def load_dataset(folder: Path, config: TrainingConfig, *, warn: Callable[[str], None] | None = None) -> Dataset:
    """Read and validate a data folder; events come back sorted by timestamp (stable).

    Raises DataError on the first fatal problem. Non-fatal issues are summarised, one line per kind,
    in ``Dataset.warnings`` and through ``warn`` when given.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(str(folder), "is not a folder; pass the folder that holds events.csv (or .csv.gz, .parquet)")
    events_path = find_data_file(folder, "events", required=True)
    assert events_path is not None
    items_path = find_data_file(folder, "items", required=False)
    users_path = find_data_file(folder, "users", required=False)
    warnings = LoadWarnings()
    events = read_events(events_path, config, warnings)
    items = read_features(items_path, Columns.Item) if items_path else None
    users = read_features(users_path, Columns.User) if users_path else None
    _check_column_kinds(config, warnings, (items, items_path), (users, users_path))
    events, keep = _apply_purchase_quantity_rule(events, config, warnings, events_path.name)
    order = np.argsort(events.timestamps, kind="stable")
    if keep is not None:
        order = order[keep[order]]
    if order.size == 0:
        raise DataError(str(events_path), "no usable events are left after skipping invalid purchases")
    owned = [events]
    del events  # the only reference is now in `owned`, so each old column is freed once copied
    events = _take_column_by_column(owned, order)
    _count_missing(events.coded["item_ids"], items, warnings, "item", items_path)
    _count_missing(events.coded["user_ids"], users, warnings, "user", users_path)
    paths = [path for path in (events_path, items_path, users_path) if path is not None]
    return Dataset(
        source=folder,
        events=events,
        items=items,
        users=users,
        fingerprint=fingerprint_files(paths),
        warnings=warnings.emit(warn),
    )


def _check_column_kinds(
    config: TrainingConfig, warnings: LoadWarnings, *tables: tuple[FeatureTable | None, Path | None]
) -> None:
    """A numeric_columns override of a text column is fatal; an override naming no column is a warning."""
    seen: set[str] = set()
    for table, path in tables:
        if table is None or path is None:
            continue
        seen.update(table.categorical, table.numeric)
        for name in config.numeric_columns:
            values = table.categorical.get(name)
            if values is not None and (values != "").any():
                text = str(values[values != ""][0])
                raise DataError(
                    path.name,
                    f"numeric_columns in the training config names this column, but it holds text ({text!r}); "
                    "remove it from numeric_columns or fix the values",
                    column=name,
                )
    unknown = sorted((set(config.categorical_columns) | set(config.numeric_columns)) - seen)
    if unknown:
        warnings.note(f"categorical_columns / numeric_columns name columns no feature file has: {unknown}")


def fingerprint_files(paths: list[Path]) -> str:
    """sha256 over each file's name and raw bytes, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _take_column_by_column(owned: list[EventLog], index: np.ndarray) -> EventLog:
    """The log popped from owned, taken at index; each old column is released as soon as its copy exists
    (the caller hands over its only reference: 10M-row peaks)."""
    events = owned.pop()
    coded, timestamps, quantity, price = dict(events.coded), events.timestamps, events.quantity, events.price
    del events
    for key in list(coded):
        coded[key] = coded[key].take(index)
    timestamps = timestamps[index]
    quantity = quantity[index]
    return EventLog(**coded, timestamps=timestamps, quantity=quantity, price=price[index])


def _apply_purchase_quantity_rule(
    events: EventLog, config: TrainingConfig, warnings: LoadWarnings, file: str
) -> tuple[EventLog, np.ndarray | None]:
    """Purchases with quantity 0 are dropped, negative ones become returns; returns (events, rows to keep)."""
    purchase = events.coded["event_types"].isin(PURCHASE_EVENTS)  # on the codes, never on 10M strings
    zero = purchase & (events.quantity == 0)
    negative = purchase & (events.quantity < 0)
    if not zero.any() and not negative.any():
        return events, None
    warnings.count("zero_quantity", int(zero.sum()), f"{file}: skipped {{n}} purchases with quantity 0")
    drop = zero
    if RETURN_EVENT in config.event_weights:
        warnings.count(
            "negative_quantity",
            int(negative.sum()),
            f"{file}: {{n}} purchases with a negative quantity were loaded as returns",
        )
        event_types = events.coded["event_types"].replace_where(negative, RETURN_EVENT)
        quantity = np.abs(events.quantity)
        coded = {**events.coded, "event_types": event_types}
        events = EventLog(**coded, timestamps=events.timestamps, quantity=quantity, price=events.price)
    else:
        warnings.count(
            "negative_quantity",
            int(negative.sum()),
            f"{file}: skipped {{n}} purchases with a negative quantity "
            "(add 'return' to event_weights to load them as returns)",
        )
        drop = drop | negative
    return events, ~drop


def _count_missing(
    ids: CodedStrings, table: FeatureTable | None, warnings: LoadWarnings, kind: str, path: Path | None
) -> None:
    if table is None or path is None:
        return
    unknown = ~np.isin(ids.values, table.ids)  # per distinct id, then per event through the codes
    missing = unknown[ids.codes]
    if missing.any():
        distinct = np.unique(ids.codes[missing]).size
        warnings.count(
            f"missing_{kind}",
            int(missing.sum()),
            f"{{n}} events refer to {distinct:,} {kind}s missing from {path.name}; "
            f"kept, trained without {kind} features",
        )
