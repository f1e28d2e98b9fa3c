"""Export the event log to events.csv (the input data contract), each event exactly once (see README: durability).

Layout of the output folder:

- ``events.csv``: the exported events, appended run after run (one header, at the top).
- ``.export-position``: JSON, the committed state: the log position of the last exported event and the
  byte length of events.csv that holds exactly the events up to it.
- ``.export-lock``: held with flock while an export runs, so two runs never interleave.

Exactly once. The position file is the commit point. Each page read from the log is appended to
events.csv and fsynced; only then is the position file replaced atomically (temp file, fsync, rename,
fsync of the folder) with the page's last log position and the new byte length. A run starts by cutting
events.csv back to the committed length, which drops whatever an earlier run appended but did not commit
(a crash or kill between the append and the commit), and reads the log after the committed position, so
those events are written again, once. Events that arrive while or after a run are after its position
and go to the next run. A file shorter than the committed length was edited by someone else: the export
refuses rather than guess. Consumers should read events.csv while no export runs (or only up to the
committed length).

The log is at-least-once (the store writes it before the customer state, so a write retried after a
partial failure can log an event twice): an event whose (user_id, event_id) is already in events.csv is
dropped and counted as a duplicate, so the file never holds a pair twice (the loader refuses that). The
key is the pair, as in the store: two customers whose clients picked the same event_id are two events,
both acknowledged, both exported. The pairs already exported are read from events.csv at the start.

Erasure. Each run first applies the store's erasure journal (omnirec.batch.erasures) from the
position kept in .export-position: rows of customers erased since the last run are cut out of
events.csv (rewritten whole, then committed with the new length). A customer erased while a run is
exporting their events is cut out by the next run.

Offer feedback events (offer_shown, ...) are not item interactions and the training data contract does
not accept them; they are skipped and counted, and the position still moves past them.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from omnirec.batch.erasures import erased_digests, filter_events_csv
from omnirec.columns import OFFER_EVENTS, Columns
from omnirec.errors import ExportStateError
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent

EVENTS_FILE = "events.csv"
POSITION_FILE = ".export-position"
LOCK_FILE = ".export-lock"
HEADER = (*Columns.REQUIRED_EVENT, *Columns.OPTIONAL_EVENT)


class ExportPosition(msgspec.Struct, frozen=True, kw_only=True):
    """The committed state of an output folder (the content of .export-position)."""

    position: str | None = None  # log position of the last exported (or skipped) event; None = nothing yet
    bytes: int = 0  # length of events.csv holding exactly the events up to `position`
    events: int = 0  # rows in events.csv
    updated_at: str = ""
    erasures: str | None = None  # position in the store's erasure journal applied to events.csv


@dataclass(frozen=True)
class EventExportSummary:
    """What one run did."""

    path: Path
    written: int  # rows appended by this run
    skipped: int  # offer events passed over by this run
    duplicates: int  # log entries whose event_id was already exported (the log is at-least-once)
    total: int  # rows in events.csv after this run
    position: str | None  # the committed position after this run
    dropped_bytes: int  # uncommitted bytes of an interrupted earlier run that were cut off
    erased: int = 0  # rows of erased customers removed from events.csv by this run


async def export_events(
    store: FeatureStore,
    out: Path,
    *,
    page_size: int = 5000,
    max_events: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> EventExportSummary:
    """Append the events logged after the folder's committed position to out/events.csv, page by page.

    `max_events` bounds one run (the rest goes to the next run); `progress` gets the log entries per page.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    path = out / EVENTS_FILE
    with _exclusive(out):
        state = read_position(out)
        dropped = _cut_to_committed(path, state.bytes)
        state, erased = await _apply_erasures(store, out, state)
        exported = exported_event_keys(path)
        written = skipped = duplicates = 0
        while max_events is None or written + skipped + duplicates < max_events:
            count = page_size if max_events is None else min(page_size, max_events - written - skipped - duplicates)
            entries = await store.read_event_log(state.position, count)
            if not entries:
                break
            rows = []
            for entry in entries:
                if entry.event.event_type in OFFER_EVENTS:
                    skipped += 1
                elif event_key(entry.event) in exported:
                    duplicates += 1
                else:
                    exported.add(event_key(entry.event))
                    rows.append(entry.event)
            size = _append_rows(path, rows, header=state.bytes == 0) if rows else state.bytes
            state = ExportPosition(
                position=entries[-1].position,
                bytes=size,
                events=state.events + len(rows),
                updated_at=datetime.now(UTC).isoformat(),
            )
            _commit(out, state)
            written += len(rows)
            if progress is not None:
                progress(len(entries))
            if len(entries) < count:
                break
    return EventExportSummary(
        path=path,
        written=written,
        skipped=skipped,
        duplicates=duplicates,
        total=state.events,
        position=state.position,
        dropped_bytes=dropped,
        erased=erased,
    )


async def apply_erasures(store: FeatureStore, out: Path) -> int:
    """Remove the rows of customers erased since the folder's last run from its events.csv (under its lock)."""
    with _exclusive(out):
        state = read_position(out)
        _cut_to_committed(out / EVENTS_FILE, state.bytes)
        _, erased = await _apply_erasures(store, out, state)
        return erased


async def _apply_erasures(store: FeatureStore, out: Path, state: ExportPosition) -> tuple[ExportPosition, int]:
    digests, last = await erased_digests(store, state.erasures)
    if last == state.erasures:
        return state, 0
    path = out / EVENTS_FILE
    erased = filter_events_csv(path, digests) if digests and path.exists() else 0
    size = path.stat().st_size if path.exists() else 0
    state = msgspec.structs.replace(
        state, bytes=size, events=state.events - erased, erasures=last, updated_at=datetime.now(UTC).isoformat()
    )
    _commit(out, state)
    return state, erased


def event_key(event: CustomerEvent) -> tuple[str, str]:
    """What identifies an event: the store's idempotency key is per customer, so (user_id, event_id)."""
    return event.user_id, event.event_id


def exported_event_keys(path: Path) -> set[tuple[str, str]]:
    """The (user_id, event_id) pairs of an existing events.csv (empty set when there is none)."""
    if not path.exists():
        return set()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return set()
        user, column = header.index(Columns.User), header.index(Columns.EventId)
        return {(row[user], row[column]) for row in reader if len(row) > max(user, column)}


def read_position(out: Path) -> ExportPosition:
    """The committed state of an output folder (empty state when nothing was exported yet)."""
    try:
        raw = (out / POSITION_FILE).read_bytes()
    except FileNotFoundError:
        return ExportPosition()
    try:
        return msgspec.json.decode(raw, type=ExportPosition)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ExportStateError(f"{out / POSITION_FILE} is not a valid export position: {exc}") from exc


def event_row(event: CustomerEvent) -> tuple[str, ...]:
    """An event as a row of HEADER: Unix-second timestamps, an empty price when unknown."""
    price = "" if event.price is None else repr(event.price)
    return (
        event.user_id,
        event.item_id,
        event.event_type,
        str(event.timestamp),
        event.channel,
        repr(event.quantity),
        price,
        event.session_id,
        event.store_id,
        event.event_id,
    )


def _append_rows(path: Path, events: Sequence[CustomerEvent], header: bool) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(HEADER)
    writer.writerows(event_row(event) for event in events)
    with path.open("ab") as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


def _cut_to_committed(path: Path, committed: int) -> int:
    """Drop an uncommitted tail; returns the bytes dropped."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size < committed:
        raise ExportStateError(
            f"{path} holds {size} bytes but {committed} were committed: it was truncated or replaced. "
            f"Move it away together with {POSITION_FILE} to export everything again into an empty folder."
        )
    if size > committed:
        with path.open("r+b") as handle:
            handle.truncate(committed)
            os.fsync(handle.fileno())
    return size - committed


def _commit(out: Path, state: ExportPosition) -> None:
    tmp = out / f"{POSITION_FILE}.tmp"
    with tmp.open("wb") as handle:
        handle.write(msgspec.json.encode(state))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, out / POSITION_FILE)
    _fsync_dir(out)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    with (out / LOCK_FILE).open("a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ExportStateError(f"another export is writing to {out}; wait for it to finish") from exc
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
