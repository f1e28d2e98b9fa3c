"""The service's store watcher stops when the app shuts down, even where a cancellation is lost in the store client."""

from __future__ import annotations

import asyncio

import pytest

from omnirec.errors import StoreUnavailable
from omnirec.service.store_state import StoreState
from omnirec.store.memory import MemoryStore
from waiting import eventually

pytestmark = pytest.mark.anyio


class CancelSwallowingStore(MemoryStore):
    """Its first marker read waits for an answer until cancelled, and turns the cancellation into a connection
    error, as a store client can; later reads answer at once."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0
        self.waiting = False
        self.swallowed = 0

    async def read_marker(self) -> dict[str, float]:
        self.checks += 1
        if not self.swallowed:
            self.waiting = True
            try:
                await asyncio.Event().wait()  # an answer that never comes
            except asyncio.CancelledError:
                self.swallowed += 1
                raise StoreUnavailable("connection closed while reading") from None
        return await super().read_marker()


async def test_the_watcher_stops_on_its_flag_even_when_a_cancel_was_swallowed() -> None:
    store = CancelSwallowingStore()
    stop = asyncio.Event()
    watcher = asyncio.get_running_loop().create_task(StoreState(store).watch(stop, interval_s=0.001))

    async def waiting() -> bool:
        return store.waiting

    async def checking_on() -> bool:
        return store.checks >= 3

    await eventually(waiting, "the watcher never read the marker")
    watcher.cancel()  # lands inside the read and is swallowed there
    await eventually(checking_on, "the watcher should run on after the swallowed cancel")
    assert store.swallowed == 1
    stop.set()
    done, _ = await asyncio.wait({watcher}, timeout=30)
    assert watcher in done, "the watcher ran on after its stop flag was set"
