"""Rate-limit windows of the embedded store: the in-process equivalent of the Redis COUNT_REQUESTS script."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from omnirec.store.records import RequestCount

MAX_WINDOWS = 10_000  # clients are unbounded when auth is off (one per address): ended windows go past this


class RequestWindows:
    """Per-client request counts in fixed windows that start at the client's first request (thread safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # client -> (count, window end in clock seconds)

    def count(self, client: str, window_ms: int) -> RequestCount:
        now = self._clock()
        with self._lock:
            count, ends = self._windows.get(client, (0, now))
            if now >= ends:
                count, ends = 0, now + window_ms / 1000
            self._windows[client] = (count + 1, ends)
            if len(self._windows) > MAX_WINDOWS:
                self._windows = {c: w for c, w in self._windows.items() if w[1] > now}
        # (now + w) - now can exceed w by a rounding step: never report more than the window.
        return RequestCount(count=count + 1, reset_ms=min(window_ms, max(1, math.ceil((ends - now) * 1000))))
