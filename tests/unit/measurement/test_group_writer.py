"""GroupWriter: concurrent answers' impressions go to the store in one call; each caller learns the outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from omnirec.errors import StoreUnavailable
from omnirec.measurement.group_writer import MAX_PENDING_S, GroupWriter
from omnirec.store.memory import MemoryStore
from omnirec.store.records import ImpressionRecord
from omnirec.store.resilient import resilient


class CountingStore(MemoryStore):
    """The embedded store, counting log_impressions calls (and failing them on request)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.down = False

    async def log_impressions(self, records: Sequence[ImpressionRecord]) -> None:
        self.calls += 1
        if self.down:
            raise StoreUnavailable("down")
        await asyncio.sleep(0)  # a real store awaits its reply: later requests queue meanwhile
        await super().log_impressions(records)


def record(n: int) -> ImpressionRecord:
    return ImpressionRecord(recommendation_id=f"r{n}", kind="list", user_id=f"c{n}", timestamp=n, channel="web")


def test_concurrent_writes_share_a_store_call_and_all_are_stored() -> None:
    async def main() -> None:
        store = CountingStore()
        errors: list[str] = []
        writer = GroupWriter(resilient(store, 60_000, on_error=errors.append), errors.append)
        results = await asyncio.gather(*(writer.write([record(n)]) for n in range(50)))
        assert all(results) and errors == []
        assert store.calls <= 2  # the first call alone, then everything that queued meanwhile
        assert sorted(e.record.recommendation_id for e in await store.read_impressions(None, 100)) == sorted(
            f"r{n}" for n in range(50)
        )
        store.down = True
        assert await asyncio.gather(writer.write([record(51)]), writer.write([record(52)])) == [False, False]
        assert errors and errors[0] == "log_impressions"

    asyncio.run(main())


def test_queued_records_are_written_together_and_flush_waits_for_them() -> None:
    async def main() -> None:
        store = CountingStore()
        errors: list[str] = []
        writer = GroupWriter(resilient(store, 60_000, on_error=errors.append), errors.append, flush_ms=60_000)
        for n in range(40):
            writer.submit([record(n)])
        assert writer.pending == 40 and await store.read_impressions(None, 100) == []
        await writer.flush()  # stops the linger and returns once everything queued is stored
        assert writer.pending == 0 and store.calls == 1 and errors == []
        assert len(await store.read_impressions(None, 100)) == 40
        store.down = True
        writer.submit([record(41)])
        await writer.flush()
        assert errors == ["log_impressions"]  # refused: counted (by the store wrapper), never raised

    asyncio.run(main())


def test_a_record_queued_too_long_is_dropped_not_written() -> None:
    """A record must not outlive the store's erasure fence: past MAX_PENDING_S in the queue it is dropped."""

    async def main() -> None:
        store = CountingStore()
        errors: list[str] = []
        now = [0.0]
        writer = GroupWriter(store, errors.append, flush_ms=60_000, monotonic=lambda: now[0])
        writer.submit([record(1)])
        now[0] = MAX_PENDING_S + 1
        writer.submit([record(2)])
        await writer.flush()
        assert [e.record.recommendation_id for e in await store.read_impressions(None, 10)] == ["r2"]
        assert errors == ["log_impressions"]

    asyncio.run(main())
