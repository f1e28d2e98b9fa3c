"""ResilientStore: a FeatureStore wrapper that bounds every call in time and tracks the store's health.

The backends already turn socket errors and per-socket-operation timeouts into StoreUnavailable; this
wrapper adds what they cannot: a bound on a whole call (append_events makes several round trips), a
shorter bound for the reads on the request path than for writes and bulk model data, a health record
`/health/ready` answers from without waiting, and a breaker that fails fast while the store is down.
It holds no connection of its own: when Redis comes back the client reconnects on the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from omnirec.errors import StoreUnavailable
from omnirec.store.factory import open_store
from omnirec.store.health import StoreHealth
from omnirec.store.protocol import BULK_TIMEOUT_MS, FeatureStore
from omnirec.store.records import (
    AppendResult,
    CustomerEvent,
    CustomerState,
    ErasureEntry,
    EventLogEntry,
    ImpressionLogEntry,
    ImpressionRecord,
    ImpressionRequest,
    Persistence,
    RequestCount,
    VersionInfo,
)
from omnirec.store.snapshot import CustomerSnapshot, customer_snapshot

T = TypeVar("T")


class ResilientStore:
    """FeatureStore by delegation: reads bounded by `timeout_ms`, writes by `write_timeout_ms`.

    A read cut off at its bound raises StoreUnavailable (the caller answers degraded) and counts as slow;
    connection errors and write/bulk timeouts mark the store unhealthy and, repeated, open the breaker,
    during which calls fail at once. Any answer marks it healthy again. Domain errors of the inner store
    (InvalidRequest, ValueError) pass through unchanged.
    """

    def __init__(
        self,
        inner: FeatureStore,
        timeout_ms: int,
        *,
        write_timeout_ms: int | None = None,
        bulk_timeout_ms: int = BULK_TIMEOUT_MS,
        health: StoreHealth | None = None,
    ) -> None:
        self.inner = inner
        self.read_timeout_s = timeout_ms / 1000
        self.write_timeout_s = (write_timeout_ms or default_write_timeout_ms(timeout_ms)) / 1000
        self.bulk_timeout_s = bulk_timeout_ms / 1000
        self.health = health or StoreHealth()

    @property
    def healthy(self) -> bool:
        return self.health.healthy

    async def check(self) -> bool:
        """Ping within the read bound (at once False while the breaker is open); for /health/ready."""
        try:
            await self.ping()
        except StoreUnavailable:
            return False
        return True

    async def _call(self, awaitable: Awaitable[T], timeout_s: float, what: str) -> T:
        if self.health.fail_fast:
            close = getattr(awaitable, "close", None)
            if close is not None:
                close()  # never awaited: close the coroutine so it does not warn
            raise StoreUnavailable(f"feature store unavailable ({self.health.last_error}); not tried: {what}")
        try:
            result = await asyncio.wait_for(awaitable, timeout_s)
        except TimeoutError:
            message = f"{what} took longer than {timeout_s * 1000:.0f} ms"
            if timeout_s == self.read_timeout_s:
                self.health.record_slow(message)
            else:
                self.health.record_failure(message)
            raise StoreUnavailable(f"feature store did not answer {what} within {timeout_s * 1000:.0f} ms") from None
        except StoreUnavailable as exc:
            self.health.record_failure(str(exc))
            raise
        except OSError as exc:
            self.health.record_failure(f"{type(exc).__name__}: {exc}")
            raise StoreUnavailable(f"feature store unavailable: {type(exc).__name__}: {exc}") from None
        self.health.record_ok()
        return result

    def _read(self, awaitable: Awaitable[T], what: str) -> Awaitable[T]:
        return self._call(awaitable, self.read_timeout_s, what)

    def _write(self, awaitable: Awaitable[T], what: str) -> Awaitable[T]:
        return self._call(awaitable, self.write_timeout_s, what)

    def _bulk(self, awaitable: Awaitable[T], what: str) -> Awaitable[T]:
        return self._call(awaitable, self.bulk_timeout_s, what)

    # -- lifecycle ---------------------------------------------------------------------------
    async def ping(self) -> None:
        await self._read(self.inner.ping(), "ping")

    async def close(self) -> None:
        # closing a store that is gone has nothing left to release
        with contextlib.suppress(TimeoutError, StoreUnavailable, OSError):
            await asyncio.wait_for(self.inner.close(), self.write_timeout_s)

    async def persistence(self) -> Persistence:
        return await self._bulk(self.inner.persistence(), "persistence")

    async def write_marker(self, what: str) -> None:
        await self._write(self.inner.write_marker(what), "write_marker")

    async def read_marker(self) -> dict[str, float]:
        return await self._read(self.inner.read_marker(), "read_marker")

    # -- model versions ----------------------------------------------------------------------
    async def list_versions(self) -> list[VersionInfo]:
        return await self._read(self.inner.list_versions(), "list_versions")

    async def active_version(self) -> str | None:
        return await self._read(self.inner.active_version(), "active_version")

    async def stage_version(self, info: VersionInfo) -> None:
        await self._bulk(self.inner.stage_version(info), "stage_version")

    async def write_model_arrays(self, version: str, arrays: Mapping[str, np.ndarray]) -> int:
        return await self._bulk(self.inner.write_model_arrays(version, arrays), "write_model_arrays")

    async def write_model_rows(self, version: str, kind: str, rows: Mapping[str, bytes]) -> int:
        return await self._bulk(self.inner.write_model_rows(version, kind, rows), "write_model_rows")

    async def seal_version(self, version: str, info: VersionInfo) -> None:
        await self._bulk(self.inner.seal_version(version, info), "seal_version")

    async def activate(self, version: str) -> None:
        await self._write(self.inner.activate(version), "activate")

    async def delete_version(self, version: str) -> None:
        await self._bulk(self.inner.delete_version(version), "delete_version")

    async def read_model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        return await self._bulk(self.inner.read_model_arrays(version, names), "read_model_arrays")

    async def read_model_rows(self, version: str, kind: str, ids: Sequence[str]) -> list[bytes | None]:
        return await self._read(self.inner.read_model_rows(version, kind, ids), "read_model_rows")

    async def customer_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> CustomerSnapshot:
        """The request path's reads (omnirec.store.snapshot), bounded as one read."""
        return await self._read(customer_snapshot(self.inner, any_id, version, store_id), "customer_snapshot")

    # -- customers ---------------------------------------------------------------------------
    async def resolve_customer(self, any_id: str) -> str:
        return await self._read(self.inner.resolve_customer(any_id), "resolve_customer")

    async def get_customer(self, any_id: str) -> CustomerState:
        return await self._read(self.inner.get_customer(any_id), "get_customer")

    async def append_events(
        self, any_id: str, events: Sequence[CustomerEvent], cap: int, retention_s: int = 0
    ) -> AppendResult:
        return await self._write(self.inner.append_events(any_id, events, cap, retention_s), "append_events")

    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        await self._write(self.inner.link_identity(anonymous_id, customer_id), "link_identity")

    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        return await self._write(self.inner.set_consent(any_id, consent, max_purposes, retention_s), "set_consent")

    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        await self._write(self.inner.set_features(any_id, features), "set_features")

    async def erase_customer(self, any_id: str) -> int:
        return await self._bulk(self.inner.erase_customer(any_id), "erase_customer")

    async def scan_customers(self, cursor: str | None, count: int) -> tuple[list[str], str | None]:
        return await self._bulk(self.inner.scan_customers(cursor, count), "scan_customers")

    # -- event log -----------------------------------------------------------------------------
    async def read_event_log(self, after: str | None, count: int) -> list[EventLogEntry]:
        return await self._bulk(self.inner.read_event_log(after, count), "read_event_log")

    async def read_erasures(self, after: str | None, count: int) -> list[ErasureEntry]:
        return await self._bulk(self.inner.read_erasures(after, count), "read_erasures")

    async def log_impressions(self, records: Sequence[ImpressionRecord]) -> None:
        await self._write(self.inner.log_impressions(records), "log_impressions")

    async def read_impressions(self, after: str | None, count: int) -> list[ImpressionLogEntry]:
        return await self._bulk(self.inner.read_impressions(after, count), "read_impressions")

    async def recent_impressions(self, any_id: str, since: int) -> list[ImpressionRecord]:
        return await self._write(self.inner.recent_impressions(any_id, since), "recent_impressions")

    # -- offers --------------------------------------------------------------------------------
    async def put_offer_catalog(self, payload: bytes) -> None:
        await self._bulk(self.inner.put_offer_catalog(payload), "put_offer_catalog")

    async def get_offer_catalog(self) -> bytes | None:
        return await self._bulk(self.inner.get_offer_catalog(), "get_offer_catalog")

    async def take_impression(self, request: ImpressionRequest) -> bool:
        return await self._write(self.inner.take_impression(request), "take_impression")

    async def add_offer_feedback(self, offer_id: str, segment: str, outcome: str, amount: float = 1.0) -> None:
        await self._write(self.inner.add_offer_feedback(offer_id, segment, outcome, amount), "add_offer_feedback")

    async def get_offer_feedback(self, offer_ids: Sequence[str], segment: str) -> dict[str, dict[str, float]]:
        return await self._read(self.inner.get_offer_feedback(offer_ids, segment), "get_offer_feedback")

    # -- store availability --------------------------------------------------------------------
    async def set_unavailable_items(self, store_id: str, item_ids: Sequence[str]) -> None:
        await self._write(self.inner.set_unavailable_items(store_id, item_ids), "set_unavailable_items")

    async def get_unavailable_items(self, store_id: str) -> set[str]:
        return await self._read(self.inner.get_unavailable_items(store_id), "get_unavailable_items")

    # -- rate limits (on the request path: the read bound) ---------------------------------------
    async def count_request(self, client: str, window_ms: int) -> RequestCount:
        return await self._read(self.inner.count_request(client, window_ms), "count_request")


def default_write_timeout_ms(read_timeout_ms: int) -> int:
    """Writes must not be refused for a busy moment (a refused write costs the client a retry): 10x, >= 1 s."""
    return max(10 * read_timeout_ms, 1000)


def open_resilient_store(
    url: str, *, prefix: str, timeout_ms: int, write_timeout_ms: int | None = None, password: str = ""
) -> ResilientStore:
    """open_store wrapped in a ResilientStore: socket operations get the write bound, whole reads `timeout_ms`."""
    wrapper_write_ms = write_timeout_ms or default_write_timeout_ms(timeout_ms)
    inner = open_store(url, prefix=prefix, timeout_ms=wrapper_write_ms, password=password)
    return ResilientStore(inner, timeout_ms, write_timeout_ms=wrapper_write_ms)
