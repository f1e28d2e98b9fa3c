"""CustomerSnapshot: what one recommendation request reads, fetched in as few round trips as the backend allows.

The active version, the customer's state, their 'user' and 'history' rows of one model version and
optionally a store's out-of-stock items. The rows are read for the version the caller expects to use
(`version`); the caller compares it with the active version it gets back and reads the rows again for
another version when it has to, so a request still uses one version's keys only.

Backends with a fast path (the Redis backend: one pipeline) define `customer_snapshot`; others are
served by composing the plain FeatureStore calls (`compose_snapshot`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from omnirec.store.keys import CUSTOMER_ROW_KINDS
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerState

ROW_KINDS = CUSTOMER_ROW_KINDS


@dataclass(frozen=True)
class CustomerSnapshot:
    active_version: str | None
    state: CustomerState
    version: str | None  # the version `rows` belong to (None: no rows were read)
    rows: dict[str, list[bytes | None]] = field(default_factory=dict)  # kind -> payload per id of `ids`
    unavailable: set[str] | None = None  # out-of-stock items of the asked store, None when none was asked

    @property
    def ids(self) -> list[str]:
        """The customer's ids whose rows count: canonical first, then linked anonymous ids."""
        return list(dict.fromkeys([self.state.customer_id, *self.state.identities]))


async def customer_snapshot(
    store: FeatureStore, any_id: str, version: str | None, store_id: str | None = None
) -> CustomerSnapshot:
    """The store's fast path when it has one, else the plain calls composed."""
    fast = getattr(store, "customer_snapshot", None)
    if fast is not None:
        snapshot: CustomerSnapshot = await fast(any_id, version, store_id)
        return snapshot
    return await compose_snapshot(store, any_id, version, store_id)


async def compose_snapshot(
    store: FeatureStore, any_id: str, version: str | None, store_id: str | None = None
) -> CustomerSnapshot:
    """The snapshot from the FeatureStore protocol alone (several round trips on a remote store)."""
    active = await store.active_version()
    state = await store.get_customer(any_id)
    unavailable = await store.get_unavailable_items(store_id) if store_id else None
    rows = await read_rows(store, version, [state.customer_id, *state.identities]) if version else {}
    return CustomerSnapshot(active, state, version, rows, unavailable)


async def read_rows(store: FeatureStore, version: str, ids: list[str]) -> dict[str, list[bytes | None]]:
    ids = list(dict.fromkeys(ids))
    payloads = await asyncio.gather(*(store.read_model_rows(version, kind, ids) for kind in ROW_KINDS))
    return dict(zip(ROW_KINDS, payloads, strict=True))
