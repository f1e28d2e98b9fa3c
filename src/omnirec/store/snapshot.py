"""compose_snapshot: the request's snapshot (CustomerStore.customer_snapshot) from the plain store calls.

The embedded backend answers with it; the Redis backends fall back on it when their one-round-trip guess
(a canonical id without linked ids) is wrong.

The rows are read for the version the caller expects to use (`version`); the caller compares it with the
active version it gets back and reads the rows again for another version when it has to, so a request
still uses one version's keys only.
"""

from __future__ import annotations

from typing import Protocol

from omnirec.store.protocol import CustomerStore, ModelStore, StockStore
from omnirec.store.records import CUSTOMER_ROW_KINDS, CustomerSnapshot

ROW_KINDS = CUSTOMER_ROW_KINDS  # the rows a snapshot reads, in the order the Redis fast paths read them


class SnapshotSource(CustomerStore, ModelStore, StockStore, Protocol):
    """What a composed snapshot reads."""


async def compose_snapshot(
    store: SnapshotSource, any_id: str, version: str | None, store_id: str | None = None
) -> CustomerSnapshot:
    """The snapshot from the plain calls (several round trips on a remote store)."""
    active = await store.active_version()
    state = await store.get_customer(any_id)
    unavailable = await store.get_unavailable_items(store_id) if store_id else None
    rows = None
    if version:
        ids = list(dict.fromkeys([state.customer_id, *state.identities]))
        (rows,) = await store.read_model_rows(version, [ids])
    return CustomerSnapshot(active, state, version, rows, unavailable)
