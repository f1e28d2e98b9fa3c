"""Optional per-API-key rate limit (Settings.rate_limit_per_minute), counted in the feature store.

The count lives in the store (`RateLimits.count_request`: one atomic script on Redis), so every worker
and every replica takes from one budget per key. A key may send its minute's allowance at once; the
window starts at its first request, and a request past the allowance answers 429 with Retry-After
(problem details, through the app's HTTP error handler). With authentication off the client address
stands in for the key. When the store cannot count, `rate_limit_fail_open` decides: let the request
through (default; the request itself is answered from memory if it can) or answer 503.

Litestar's RateLimitMiddleware is not used: it reads the history, then writes it back (two store calls,
not atomic, so concurrent workers overwrite each other's counts), it runs before the guard that knows the
API key, and a store error becomes a 500.
"""

from __future__ import annotations

import math

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from omnirec.api.auth import SCOPE_OPT
from omnirec.errors import StoreUnavailable
from omnirec.store.protocol import RateLimits

WINDOW_MS = 60_000


class RateLimiter:
    """A per-minute budget per client; `take(store, client)` returns 0 when allowed, else seconds to wait."""

    def __init__(self, per_minute: int, *, fail_open: bool = True, window_ms: int = WINDOW_MS) -> None:
        self.per_window = per_minute
        self.fail_open = fail_open
        self.window_ms = window_ms

    @property
    def enabled(self) -> bool:
        return self.per_window > 0

    async def take(self, store: RateLimits, client: str) -> float:
        """Count the request in the store (StoreUnavailable when it cannot: see `fail_open`)."""
        counted = await store.count_request(client, self.window_ms)
        return 0.0 if counted.count <= self.per_window else counted.reset_ms / 1000


async def rate_limit_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """429 when the caller's key (or address) has used up its allowance; open routes are never limited."""
    state = connection.app.state
    limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
    if limiter is None or not limiter.enabled or handler.opt.get(SCOPE_OPT) is None:
        return
    key = getattr(connection.state, "api_key", None)  # set by api_key_guard, which runs first
    client = f"key:{key}" if key else f"addr:{connection.client.host if connection.client else '?'}"
    try:
        wait = await limiter.take(state.services.store, client)
    except StoreUnavailable:  # counted in the metrics by the store wrapper
        if limiter.fail_open:
            return
        raise
    if wait > 0:
        raise TooManyRequestsException(
            f"rate limit of {limiter.per_window} requests per minute reached; retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(math.ceil(wait))},
        )
