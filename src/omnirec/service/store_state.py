"""StoreState: whether the store still holds what publish and the customer import wrote, and whether it persists.

`omnirec publish` and `omnirec customers import` write a marker into the store. A marker this process
has seen that is gone means the store lost its data (a Redis restarted without persistence, a flush):
consent and customer features went with it, so until the marker is back (publish and import again)
the service answers not ready and serves degraded, non-personalised lists from the model it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from omnirec.errors import StoreUnavailable
from omnirec.store.protocol import Lifecycle

log = logging.getLogger("omnirec.store")

CHECK_INTERVAL_S = 0.5  # how often the running service reads the marker (a restart is noticed within this)


@dataclass
class StoreState:
    """What the service knows about the store's data (the marker) and its persistence (read at start)."""

    store: Lifecycle
    seen: set[str] = field(default_factory=set)  # marker names this process has seen
    missing: list[str] = field(default_factory=list)  # names seen before and gone now: the data is lost
    durable: bool | None = None  # None until the persistence was read
    persistence_detail: str = "not checked yet"

    @property
    def lost(self) -> bool:
        return bool(self.missing)

    @property
    def reason(self) -> str:
        return (
            f"the feature store lost its data (marker {', '.join(self.missing)} missing: restarted without "
            "persistence or flushed); serving degraded, non-personalised lists until `omnirec publish` and "
            "`omnirec customers import` run again"
        )

    async def check(self) -> bool:
        """Read the marker; True when nothing this process saw is missing. Raises StoreUnavailable."""
        marker = await self.store.read_marker()
        missing = sorted(self.seen - marker.keys())
        self.seen |= marker.keys()
        if missing and not self.missing:
            log.warning("%s", StoreState(self.store, missing=missing).reason)
        elif self.missing and not missing:
            log.warning("the feature store's data is back (marker present): serving normally again")
        self.missing = missing
        return not missing

    async def check_persistence(self) -> None:
        """Read the server's persistence once (at start) and warn when acknowledged events would not survive."""
        try:
            persistence = await self.store.persistence()
        except StoreUnavailable as exc:
            self.persistence_detail = f"unknown: {exc}"
            log.warning("could not read the feature store's persistence settings: %s", exc)
            return
        self.durable, self.persistence_detail = persistence.durable, persistence.detail
        if not persistence.durable:
            log.warning(
                "the feature store does not persist writes (%s): accepted events and consent are lost on a "
                "restart; enable AOF (appendonly yes, appendfsync everysec or always; see README)",
                persistence.detail,
            )

    async def watch(self, stop: asyncio.Event, interval_s: float = CHECK_INTERVAL_S) -> None:
        """Check the marker every `interval_s` until `stop` is set (the app's lifespan runs this).

        A stop flag, not only a cancel: a cancellation that lands inside a store client's call can be turned
        into a connection error there (and then an outage, suppressed here), and the loop would run on."""
        while not stop.is_set():
            with contextlib.suppress(StoreUnavailable):  # an outage is the breaker's business, not a loss
                await self.check()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval_s):
                    await stop.wait()
