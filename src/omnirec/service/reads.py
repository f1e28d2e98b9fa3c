"""StoreReads: every feature-store call the request path makes, in one class.

Timeouts, fallbacks and circuit breaking belong in `_call` (one place); callers only see domain values
and the domain errors StoreUnavailable / NoActiveModel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from omnirec.errors import StoreUnavailable
from omnirec.store import codec
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import AppendResult, CustomerEvent, CustomerState, HistoryEntry, VersionInfo
from omnirec.store.snapshot import CustomerSnapshot, customer_snapshot

T = TypeVar("T")


def _ignore(operation: str) -> None:
    return None


class StoreReads:
    """The service's view of the store. `on_error(operation)` is told about every failed store call."""

    def __init__(self, store: FeatureStore, on_error: Callable[[str], None] = _ignore) -> None:
        self.store = store
        self._on_error = on_error

    async def _call(self, operation: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except StoreUnavailable:
            self._on_error(operation)
            raise

    # -- model data ----------------------------------------------------------------------------
    async def active_version(self) -> str | None:
        return await self._call("active_version", self.store.active_version())

    async def versions(self) -> list[VersionInfo]:
        return await self._call("list_versions", self.store.list_versions())

    async def model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        return await self._call("read_model_arrays", self.store.read_model_arrays(version, names))

    async def snapshot(self, any_id: str, version: str | None, store_id: str | None = None) -> CustomerSnapshot:
        """Active version, customer state and their rows of `version` (one round trip on Redis)."""
        return await self._call("customer_snapshot", customer_snapshot(self.store, any_id, version, store_id))

    async def user_rows(self, version: str, ids: Sequence[str]) -> tuple[np.ndarray | None, list[HistoryEntry]]:
        """The first trained vector among `ids` (canonical id first) and the training history of all of them."""
        vectors, histories = await asyncio.gather(
            self._call("read_model_rows", self.store.read_model_rows(version, "user", ids)),
            self._call("read_model_rows", self.store.read_model_rows(version, "history", ids)),
        )
        return decode_user_rows(vectors, histories)

    # -- customers -----------------------------------------------------------------------------
    async def resolve_customer(self, any_id: str) -> str:
        return await self._call("resolve_customer", self.store.resolve_customer(any_id))

    async def customer(self, any_id: str) -> CustomerState:
        return await self._call("get_customer", self.store.get_customer(any_id))

    async def unavailable_items(self, store_id: str) -> set[str]:
        return await self._call("get_unavailable_items", self.store.get_unavailable_items(store_id))

    async def append_events(
        self, any_id: str, events: Sequence[CustomerEvent], cap: int, retention_s: int = 0
    ) -> AppendResult:
        return await self._call("append_events", self.store.append_events(any_id, events, cap, retention_s))

    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        await self._call("link_identity", self.store.link_identity(anonymous_id, customer_id))

    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        return await self._call("set_consent", self.store.set_consent(any_id, consent, max_purposes, retention_s))

    async def erase_customer(self, any_id: str) -> int:
        return await self._call("erase_customer", self.store.erase_customer(any_id))

    async def ping(self) -> None:
        await self._call("ping", self.store.ping())


def decode_user_rows(
    vectors: Sequence[bytes | None], histories: Sequence[bytes | None]
) -> tuple[np.ndarray | None, list[HistoryEntry]]:
    """The first vector present (ids canonical first) and every id's history, decoded."""
    vector = next((codec.decode_vector(v) for v in vectors if v is not None), None)
    history = [entry for payload in histories if payload is not None for entry in codec.decode_history(payload)]
    return vector, history
