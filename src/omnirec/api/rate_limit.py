"""Optional per-API-key rate limit (Settings.rate_limit_per_minute): a token bucket per key, in process.

Each key may burst up to its minute's allowance and refills continuously; an empty bucket answers 429
with Retry-After (problem details, through the app's HTTP error handler). With authentication off the
client address stands in for the key. Limits are per process: N workers allow N times the rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from omnirec.api.auth import SCOPE_OPT

MAX_BUCKETS = 10_000  # client addresses are unbounded when auth is off: full buckets are dropped past this


class RateLimiter:
    """Token buckets keyed by client; `take(client)` returns 0 when allowed, else seconds to wait."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_s = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def take(self, client: str) -> float:
        now = self._clock()
        tokens, at = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.refill_per_s)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            self._prune(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.refill_per_s

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= MAX_BUCKETS:
            return
        full_after = self.capacity / self.refill_per_s
        self._buckets = {c: (t, at) for c, (t, at) in self._buckets.items() if now - at < full_after}


async def rate_limit_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """429 when the caller's key (or address) has used up its allowance; open routes are never limited."""
    limiter: RateLimiter | None = getattr(connection.app.state, "rate_limiter", None)
    if limiter is None or not limiter.enabled or handler.opt.get(SCOPE_OPT) is None:
        return
    key = getattr(connection.state, "api_key", None)  # set by api_key_guard, which runs first
    client = f"key:{key}" if key else f"addr:{connection.client.host if connection.client else '?'}"
    wait = limiter.take(client)
    if wait > 0:
        raise TooManyRequestsException(
            f"rate limit of {limiter.capacity:.0f} requests per minute reached; retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(math.ceil(wait))},
        )
