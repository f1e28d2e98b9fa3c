"""StoreHealth: what the service knows about the store's reachability, without asking it again.

A small circuit breaker: after `failure_threshold` consecutive failures the store is considered down
for `cooldown_s`, during which calls fail at once instead of each waiting for its timeout; after the
cooldown the next call goes through, and the first success closes the breaker again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class StoreHealth:
    """Reachability of the feature store as seen by the calls made through a ResilientStore."""

    failure_threshold: int = 3
    cooldown_s: float = 0.5
    healthy: bool = True
    last_error: str | None = None
    last_error_at: float | None = None  # Unix time
    last_ok_at: float | None = None  # Unix time
    consecutive_failures: int = 0
    failures_total: int = 0
    slow_total: int = 0  # reads cut off at their bound: answered degraded, but no sign the store is down
    _open_until: float = field(default=0.0, repr=False)  # monotonic

    def record_ok(self) -> None:
        self.healthy = True
        self.consecutive_failures = 0
        self._open_until = 0.0
        self.last_ok_at = time.time()

    def record_failure(self, error: str) -> None:
        self.healthy = False
        self.consecutive_failures += 1
        self.failures_total += 1
        self.last_error = error
        self.last_error_at = time.time()
        if self.consecutive_failures >= self.failure_threshold:
            self._open_until = time.monotonic() + self.cooldown_s

    def record_slow(self, error: str) -> None:
        """A read exceeded its bound. Under CPU load this is event-loop latency as often as a slow store, so
        it neither marks the store unhealthy nor opens the breaker (a store that is really down also fails
        writes and connections, which do)."""
        self.slow_total += 1
        self.last_error = error
        self.last_error_at = time.time()

    @property
    def fail_fast(self) -> bool:
        """True while the breaker is open: calls should not even try the store."""
        return time.monotonic() < self._open_until

    @property
    def retry_after_s(self) -> float:
        """Seconds until the store will be tried again (0 when calls go through now)."""
        return max(0.0, self._open_until - time.monotonic())

    def snapshot(self) -> dict[str, object]:
        """A JSON-ready view for /health/ready and logs."""
        return {
            "healthy": self.healthy,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_ok_at": self.last_ok_at,
            "consecutive_failures": self.consecutive_failures,
            "failures_total": self.failures_total,
            "slow_total": self.slow_total,
        }
