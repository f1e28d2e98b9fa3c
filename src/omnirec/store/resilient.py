"""ResilientStore: one wrapper around any store that bounds every call in time and tracks the store's health.

The backends already turn socket errors and per-socket-operation timeouts into StoreUnavailable; this
wrapper adds what they cannot: a bound on a whole call (append_events makes several round trips), a
shorter bound for the reads on the request path than for writes and bulk model data, a health record
`/health/ready` answers from without waiting, a breaker that fails fast while the store is down, and an
`on_error(operation)` hook told about every failed call (the service's metrics). It is written once,
generically: each call's bound is the one its Protocol method declares (omnirec.store.protocol), so a
new store method needs no change here. It holds no connection of its own: when Redis comes back the
client reconnects on the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from omnirec.errors import StoreUnavailable
from omnirec.store.factory import open_store
from omnirec.store.health import StoreHealth
from omnirec.store.protocol import BULK_TIMEOUT_MS, CALL_BOUNDS, Bound, FeatureStore

S = TypeVar("S")
T = TypeVar("T")


def _ignore(operation: str) -> None:
    return None


class ResilientStore:
    """Any store by delegation: reads bounded by `timeout_ms`, writes by `write_timeout_ms`, bulk calls by
    `bulk_timeout_ms`; `store` is the wrapper typed as the FeatureStore it wraps.

    A read cut off at its bound raises StoreUnavailable (the caller answers degraded) and counts as slow;
    connection errors and write/bulk timeouts mark the store unhealthy and, repeated, open the breaker,
    during which calls fail at once. Any answer marks it healthy again. Domain errors of the inner store
    (InvalidRequest, ValueError) pass through unchanged. Attributes that are no store method (a backend's
    debug helpers) pass through unwrapped.
    """

    def __init__(
        self,
        inner: Any,
        timeout_ms: int,
        *,
        write_timeout_ms: int | None = None,
        bulk_timeout_ms: int = BULK_TIMEOUT_MS,
        health: StoreHealth | None = None,
        on_error: Callable[[str], None] = _ignore,
    ) -> None:
        self.inner = inner
        self.health = health or StoreHealth()
        self.on_error = on_error
        write_s = (write_timeout_ms or default_write_timeout_ms(timeout_ms)) / 1000
        self.bounds_s: dict[Bound, float] = {
            "read": timeout_ms / 1000,
            "write": write_s,
            "bulk": bulk_timeout_ms / 1000,
            "release": write_s,
        }

    @property
    def store(self) -> FeatureStore:
        """This wrapper as the FeatureStore it stands for (every method bounded)."""
        return cast(FeatureStore, self)

    @property
    def healthy(self) -> bool:
        return self.health.healthy

    @property
    def bulk_timeout_s(self) -> float:
        return self.bounds_s["bulk"]

    async def check(self) -> bool:
        """Ping within the read bound (at once False while the breaker is open); for /health/ready."""
        try:
            await self.store.ping()
        except StoreUnavailable:
            return False
        return True

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (a copy being built): never recurse
            raise AttributeError(name)
        target = getattr(self.inner, name)
        bound = CALL_BOUNDS.get(name)
        if bound is None:
            return target

        @functools.wraps(target)
        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            if bound == "release":
                return await self._release(target, args, kwargs)
            return await self._call(name, bound, target, args, kwargs)

        self.__dict__[name] = wrapped  # looked up once per name: later calls skip __getattr__
        return wrapped

    async def _call(
        self, name: str, bound: Bound, target: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: Any
    ) -> T:
        try:
            return await self._bounded(name, bound, target, args, kwargs)
        except StoreUnavailable:
            self.on_error(name)
            raise

    async def _bounded(
        self, name: str, bound: Bound, target: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: Any
    ) -> T:
        if self.health.fail_fast:
            raise StoreUnavailable(f"feature store unavailable ({self.health.last_error}); not tried: {name}")
        timeout_s = self.bounds_s[bound]
        try:
            async with asyncio.timeout(timeout_s):  # not wait_for: on 3.11 it can swallow a cancellation
                result = await target(*args, **kwargs)
        except TimeoutError:
            message = f"{name} took longer than {timeout_s * 1000:.0f} ms"
            if bound == "read":
                self.health.record_slow(message)
            else:
                self.health.record_failure(message)
            raise StoreUnavailable(f"feature store did not answer {name} within {timeout_s * 1000:.0f} ms") from None
        except StoreUnavailable as exc:
            self.health.record_failure(str(exc))
            raise
        except OSError as exc:
            self.health.record_failure(f"{type(exc).__name__}: {exc}")
            raise StoreUnavailable(f"feature store unavailable: {type(exc).__name__}: {exc}") from None
        self.health.record_ok()
        return result

    async def _release(self, target: Callable[..., Awaitable[None]], args: tuple[Any, ...], kwargs: Any) -> None:
        # closing a store that is gone has nothing left to release
        with contextlib.suppress(TimeoutError, StoreUnavailable, OSError):
            async with asyncio.timeout(self.bounds_s["release"]):
                await target(*args, **kwargs)


def resilient(store: S, timeout_ms: int, **options: Any) -> S:
    """`store` wrapped in a ResilientStore, typed as what it wraps (a FeatureStore or one of its Protocols)."""
    return cast(S, ResilientStore(store, timeout_ms, **options))


def default_write_timeout_ms(read_timeout_ms: int) -> int:
    """Writes must not be refused for a busy moment (a refused write costs the client a retry): 10x, >= 1 s."""
    return max(10 * read_timeout_ms, 1000)


def open_resilient_store(
    url: str,
    *,
    prefix: str,
    timeout_ms: int,
    write_timeout_ms: int | None = None,
    password: str = "",
    on_error: Callable[[str], None] = _ignore,
) -> ResilientStore:
    """open_store wrapped in a ResilientStore: socket operations get the write bound, whole reads `timeout_ms`."""
    wrapper_write_ms = write_timeout_ms or default_write_timeout_ms(timeout_ms)
    inner = open_store(url, prefix=prefix, timeout_ms=wrapper_write_ms, password=password)
    return ResilientStore(inner, timeout_ms, write_timeout_ms=wrapper_write_ms, on_error=on_error)
