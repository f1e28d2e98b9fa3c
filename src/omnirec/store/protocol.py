"""The feature-store boundary in domain terms: one small Protocol per concern, FeatureStore their union.

Backends: memory:// (embedded), redis://, redis+cluster://. No Redis type and no encoded bytes cross it on
the way out: every read returns decoded records (omnirec.store.records). Every method may raise
StoreUnavailable when the backend cannot be reached. Model data is immutable per version once published; a
request reads active_version() once and then only that version's data, so it never mixes two versions.

Each method is marked with the time bound omnirec.store.resilient gives a whole call (`read`: the request
path's short bound, `write`, `bulk`: whole arrays and pages, `release`: close). Callers take the narrowest
Protocol they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

import numpy as np

from omnirec.store import records

# The bound on one bulk call (whole model arrays, publish batches, erasure, event-log pages): large but rare.
# The Redis backends' bulk sockets and the resilience wrapper's bulk deadline both use it.
BULK_TIMEOUT_MS = 30_000

Bound = Literal["read", "write", "bulk", "release"]
F = TypeVar("F", bound=Callable[..., Any])
BOUND_ATTRIBUTE = "__store_bound__"


def _bound(kind: Bound) -> Callable[[F], F]:
    def mark(method: F) -> F:
        setattr(method, BOUND_ATTRIBUTE, kind)
        return method

    return mark


read, write, bulk, release = _bound("read"), _bound("write"), _bound("bulk"), _bound("release")


class Lifecycle(Protocol):
    """Reachability, persistence and the data-loss marker."""

    @read
    async def ping(self) -> None:
        """Return when the store answers; raise StoreUnavailable otherwise."""

    @release
    async def close(self) -> None:
        """Release connections."""

    @bulk
    async def persistence(self) -> records.Persistence:
        """Whether the server persists writes (Redis AOF), read from CONFIG or, where forbidden, INFO."""

    @write
    async def write_marker(self, what: str) -> None:
        """Record that `what` ('model' by publish, 'customers' by the customer import) was written."""

    @read
    async def read_marker(self) -> dict[str, float]:
        """What was recorded by write_marker (name -> Unix time); empty for a store that lost its data."""


class ModelStore(Protocol):
    """Model versions: their lifecycle, whole arrays and per-customer rows."""

    @read
    async def list_versions(self) -> list[records.VersionInfo]:
        """Every version the store holds (staging ones included), oldest first."""

    @read
    async def active_version(self) -> str | None:
        """The version requests should use, or None before the first activation."""

    @bulk
    async def stage_version(self, info: records.VersionInfo) -> None:
        """Start publishing a version (state 'staging'); removes any earlier half-written copy of it."""

    @bulk
    async def write_model_arrays(self, version: str, arrays: Mapping[str, np.ndarray]) -> int:
        """Store whole arrays of a staging version (catalogue-level data); returns bytes written."""

    @bulk
    async def write_model_rows(self, version: str, rows: records.ModelRowsBatch) -> int:
        """Store per-customer rows of a staging version: the parts the batch holds (trained vectors, non-empty
        training histories) are written, absent parts left as they are; returns the payload bytes written."""

    @bulk
    async def seal_version(self, version: str, info: records.VersionInfo) -> None:
        """Mark a staged version 'ready' with its final counts and checksum. Does not activate it."""

    @write
    async def activate(self, version: str) -> None:
        """Switch the active pointer atomically; only a 'ready' version can be activated."""

    @bulk
    async def delete_version(self, version: str) -> None:
        """Remove a version's data and record; refuses the active version."""

    @bulk
    async def read_model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        """Read whole arrays of a version (the service caches them per version)."""

    @read
    async def read_model_rows(self, version: str, customers: Sequence[Sequence[str]]) -> list[records.ModelRows]:
        """Decoded rows of a version for many customers at once, each given by their ids (canonical first):
        the first trained vector among a customer's ids and the training history of all of them."""


class CustomerStore(Protocol):
    """Customers: identity, consent, features, their events and the request path's snapshot."""

    @read
    async def resolve_customer(self, any_id: str) -> str:
        """The canonical customer id for a customer id or a linked anonymous id (itself when unlinked)."""

    @read
    async def get_customer(self, any_id: str) -> records.CustomerState:
        """The customer's state (empty state for a customer never seen), resolved through identity links."""

    @read
    async def customer_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> records.CustomerSnapshot:
        """The request path's reads in as few round trips as the backend allows (one on Redis): the active
        version, the customer's state, their decoded rows of `version` (the version the caller expects to
        use; none when None) and a store's out-of-stock items (when `store_id`). The caller compares the
        active version it gets back with `version` and reads the rows again when they differ."""

    @write
    async def append_events(
        self, any_id: str, events: Sequence[records.CustomerEvent], cap: int, retention_s: int = 0
    ) -> records.AppendResult:
        """Add events to the customer's state and to the event log, idempotent by (customer, event_id).

        With `retention_s` > 0, the state of an anonymous id (no features imported, no ids linked into it)
        expires that long after its last event; a customer's state is kept (features or links persist it).

        Recent events are capped at `cap`; purchases update purchase times/counts and clear the cart item;
        add_to_cart fills the cart. An event whose event_id was stored before is skipped (stored=False).
        """

    @write
    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        """Link an anonymous id to a customer; the anonymous profile's data merges into the customer's."""

    @write
    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        """Update consent flags per purpose; returns the customer's full consent after the update.

        An anonymous id's consent expires after `retention_s` (> 0), like its events (append_events).

        With `max_purposes` > 0, an update that would leave the customer with more purposes than that is
        refused as a whole (InvalidRequest), atomically with the count.
        """

    @write
    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        """Update the customer's features (segment, region, home_store ...)."""

    @bulk
    async def erase_customer(self, any_id: str) -> int:
        """Delete every piece of data held for the customer, linked identities included, and their per-customer
        model rows (trained vector, training history) in every version; returns keys removed.

        Nothing is left in the store's memory: the event log is rewritten without the customer's entries
        (Redis keeps XDELeted entries inside stream nodes), the ids are blanked in every version's user_ids
        array, and the erasure is journalled as SHA-256 digests of the ids (read_erasures) for exports to
        apply to files they wrote. The bundle on disk still holds them until the next training run without
        the customer. The erased ids are fenced for customer_rules.ERASURE_FENCE_S (as digests): impressions
        for them that were served before and are written only now are dropped by log_impressions."""

    @bulk
    async def scan_customers(self, cursor: str | None, count: int) -> tuple[list[str], str | None]:
        """Canonical customer ids in pages: pass the returned cursor back; None when done."""


class EventLog(Protocol):
    """The event log the next training run reads, the impressions served, and the erasure journal."""

    @bulk
    async def read_event_log(self, after: str | None, count: int) -> list[records.EventLogEntry]:
        """Accepted events after a position (None = from the start), oldest first, at most count."""

    @write
    async def log_impressions(self, records: Sequence[records.ImpressionRecord]) -> None:
        """Append what answers served (omnirec.measurement) to the event log, each listed under its user_id's
        customer (aliases followed) so identity links carry them and erasure removes them; read_event_log
        never returns them. One call may hold records of many customers (the service groups concurrent ones).
        Records of a customer erased within ERASURE_FENCE_S are dropped (the service writes after answering)."""

    @bulk
    async def read_impressions(self, after: str | None, count: int) -> list[records.ImpressionLogEntry]:
        """Impression records after a log position (None = from the start), oldest first, at most count."""

    @write
    async def recent_impressions(self, any_id: str, since: int) -> list[records.ImpressionRecord]:
        """The customer's impression records (linked ids included) logged at or after `since`, oldest first.
        Redis looks at the customer's RECENT_LOG_POSITIONS newest log positions only (events included)."""

    @bulk
    async def read_erasures(self, after: str | None, count: int) -> list[records.ErasureEntry]:
        """Erasures journalled after a position (None = from the start), oldest first, at most count."""


class OfferStore(Protocol):
    """Offers: the catalogue, impression caps and budgets, feedback counters."""

    @bulk
    async def put_offer_catalog(self, payload: bytes) -> None:
        """Store the offer catalogue (encoded by omnirec.offers); replaces the previous one atomically."""

    @bulk
    async def get_offer_catalog(self) -> bytes | None:
        """The stored offer catalogue payload, or None when none was published."""

    @read
    async def offer_catalog_version(self) -> str | None:
        """A digest of the stored catalogue payload, set with it atomically (cheap: the payload is not read);
        None when none was published, or it was published before versions were kept."""

    @write
    async def take_impression(self, request: records.ImpressionRequest) -> bool:
        """Atomically check caps, fatigue and budget and, when all allow it, count the impression."""

    @write
    async def add_offer_feedback(self, offer_id: str, segment: str, outcome: str, amount: float = 1.0) -> None:
        """Add to per-offer (and per-segment) feedback counters, e.g. outcome 'shown' / 'clicked'."""

    @read
    async def get_offer_feedback(self, offer_ids: Sequence[str], segment: str) -> dict[str, dict[str, float]]:
        """Feedback counters per offer for a segment ('' = all customers)."""


class StockStore(Protocol):
    """Items out of stock per physical store."""

    @write
    async def set_unavailable_items(self, store_id: str, item_ids: Sequence[str]) -> None:
        """Replace the list of items out of stock in a physical store."""

    @read
    async def get_unavailable_items(self, store_id: str) -> set[str]:
        """Items out of stock in a physical store (empty when the store reported none)."""


class RateLimits(Protocol):
    """Request counts per client across every worker and replica (on the request path: the read bound)."""

    @read
    async def count_request(self, client: str, window_ms: int) -> records.RequestCount:
        """Count one request of `client` (an API key) atomically: one budget across every worker and replica.

        The window starts at the client's first request and lasts `window_ms`; the caller compares the count
        with its limit (a refused request counts too)."""


class FeatureStore(Lifecycle, ModelStore, CustomerStore, EventLog, OfferStore, StockStore, RateLimits, Protocol):
    """Every concern at once: what a backend implements and what the factory opens."""


def call_bounds(protocol: type) -> dict[str, Bound]:
    """Method name -> its bound, for every method of `protocol` (and the Protocols it inherits)."""
    return {
        name: getattr(member, BOUND_ATTRIBUTE)
        for name in dir(protocol)
        if (member := getattr(protocol, name, None)) is not None and hasattr(member, BOUND_ATTRIBUTE)
    }


CALL_BOUNDS = call_bounds(FeatureStore)
