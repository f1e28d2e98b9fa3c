"""GroupWriter: impression records of concurrent requests written to the store together (group commit).

Each request still waits until its records are stored (a list is answered after its impression is durable,
so an erasure that follows the answer also removes it). While one write is in flight, the records of the
requests that arrive meanwhile queue up and go in the next single call: under load one store call (one
script call on standalone Redis) carries many answers, which is what keeps logging cheap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from omnirec.errors import StoreUnavailable
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ImpressionRecord

log = logging.getLogger("omnirec.measurement")
MAX_BATCH = 256  # records per store call


class GroupWriter:
    def __init__(self, store: FeatureStore, on_error: Callable[[str], None]) -> None:
        self._store = store
        self._on_error = on_error
        self._queue: list[tuple[list[ImpressionRecord], asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, records: list[ImpressionRecord]) -> bool:
        """True once the records are stored; False when the store refused (counted, never raised)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((records, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch: list[tuple[list[ImpressionRecord], asyncio.Future[bool]]] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0][0]) <= MAX_BATCH):
                entry = self._queue.pop(0)
                batch.append(entry)
                size += len(entry[0])
            ok = True
            try:
                await self._store.log_impressions([r for records, _ in batch for r in records])
            except StoreUnavailable as exc:
                ok = False
                self._on_error("log_impressions")
                log.warning("%d impression records not logged: %s", size, exc)
            for _, future in batch:
                if not future.done():
                    future.set_result(ok)
