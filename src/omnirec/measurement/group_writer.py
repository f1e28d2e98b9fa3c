"""GroupWriter: impression records of many answers written to the store together (group commit).

Two ways in. `submit` (the service's default, `impression_flush_ms` > 0) queues the records and returns at
once: a background task writes what queued, waiting up to `flush_ms` for more, so a single stream of
requests shares one store call too and no answer waits for a write (measured in benchmarks/RESULTS.md,
"Measurement"). `write` queues and waits until the records are stored (`impression_flush_ms = 0`).
Either way, while one write is in flight the records arriving meanwhile go in the next call.

Guarantees of the queued path: `flush` (a clean shutdown, the online attribution before it reads) returns
once everything queued before it is written or refused; a record not sent within MAX_PENDING_S of being
queued is dropped and counted, so it cannot outlive the store's erasure fence (ERASURE_FENCE_S, much
longer): an erasure in any worker fences the customer's ids and the store drops records served before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from omnirec.errors import StoreUnavailable
from omnirec.store.customer_rules import ERASURE_FENCE_S
from omnirec.store.protocol import EventLog
from omnirec.store.records import ImpressionRecord

log = logging.getLogger("omnirec.measurement")
MAX_BATCH = 256  # records per store call
MAX_PENDING_S = 60.0  # a queued record older than this when its call starts is dropped (counted)
assert MAX_PENDING_S * 5 <= ERASURE_FENCE_S  # plenty of room for a slow call after the age check


class _Entry:
    __slots__ = ("future", "queued", "records")

    def __init__(self, records: list[ImpressionRecord], future: asyncio.Future[bool] | None, queued: float) -> None:
        self.records = records
        self.future = future
        self.queued = queued


class GroupWriter:
    def __init__(
        self,
        store: EventLog,
        on_error: Callable[[str], None],
        flush_ms: int = 0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._on_error = on_error
        self._linger = flush_ms / 1000.0
        self._monotonic = monotonic
        self._queue: list[_Entry] = []
        self._pending = 0  # records in the queue
        self._writer: asyncio.Task[None] | None = None
        self._flushing = 0  # flush() calls waiting: the writer stops lingering

    async def write(self, records: list[ImpressionRecord]) -> bool:
        """True once the records are stored; False when the store refused (counted, never raised)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._enqueue(_Entry(records, future, self._monotonic()))
        return await future

    def submit(self, records: list[ImpressionRecord]) -> None:
        """Queue the records; the background task writes them within about flush_ms (failures counted)."""
        self._enqueue(_Entry(records, None, self._monotonic()))

    async def flush(self) -> None:
        """Return once every record queued before the call was written (or refused)."""
        self._flushing += 1
        try:
            while self._writer is not None and not self._writer.done():
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._writer)
        finally:
            self._flushing -= 1

    @property
    def pending(self) -> int:
        return self._pending

    def _enqueue(self, entry: _Entry) -> None:
        self._queue.append(entry)
        self._pending += len(entry.records)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain(), name="impression-writer")

    async def _drain(self) -> None:
        while self._queue:
            if self._linger and not self._flushing and self.pending < MAX_BATCH:
                await asyncio.sleep(self._linger)  # let a stream of answers gather into one call
            batch: list[_Entry] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].records) <= MAX_BATCH):
                entry = self._queue.pop(0)
                batch.append(entry)
                size += len(entry.records)
            self._pending -= size
            await self._send(batch, size)

    async def _send(self, batch: list[_Entry], size: int) -> None:
        now = self._monotonic()
        stale = [e for e in batch if now - e.queued > MAX_PENDING_S]
        if stale:
            self._on_error("log_impressions")
            log.warning("%d impression records dropped: queued for over %.0f s", len(stale), MAX_PENDING_S)
            batch = [e for e in batch if now - e.queued <= MAX_PENDING_S]
        ok = True
        records = [r for e in batch for r in e.records]
        try:
            if records:
                await self._store.log_impressions(records)
        except StoreUnavailable as exc:  # counted by the store wrapper's on_error
            ok = False
            log.warning("%d impression records not logged: %s", size, exc)
        except Exception:  # a bug: logged loudly, but the waiting answers and later records carry on
            ok = False
            self._on_error("log_impressions")
            log.exception("%d impression records not logged", size)
        for entry in batch:
            if entry.future is not None and not entry.future.done():
                entry.future.set_result(ok)
        for entry in stale:
            if entry.future is not None and not entry.future.done():
                entry.future.set_result(False)
