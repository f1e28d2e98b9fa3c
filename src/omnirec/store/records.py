"""Domain records that cross the feature-store boundary. Encoded with msgspec msgpack by the backends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import msgspec
import numpy as np

# Per-customer model rows of a version (trained vector, training history): publish writes them, erasure
# removes them too.
CUSTOMER_ROW_KINDS = ("user", "history")


class CustomerEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event in a customer's real-time state (and in the event log for the next training run)."""

    user_id: str  # the id the event arrived under (customer id or a linked anonymous id)
    item_id: str
    event_type: str
    timestamp: int  # Unix seconds
    channel: str
    event_id: str  # client-provided for idempotency, or assigned by the service
    quantity: float = 1.0
    price: float | None = None
    session_id: str = ""
    store_id: str = ""
    offer_id: str = ""  # offer feedback events (offer_shown, offer_clicked, ...)


class HistoryEntry(msgspec.Struct, array_like=True, frozen=True):
    """One event of a user's training-time history (kind 'history' rows, newest first): a CustomerEvent's
    four fields the ranker reads, stored compactly (a msgpack array)."""

    item_id: str
    event_type: str
    timestamp: int
    channel: str


class CustomerState(msgspec.Struct, kw_only=True):
    """What the store knows of one customer right now, under their canonical id."""

    customer_id: str
    recent_events: list[CustomerEvent] = msgspec.field(default_factory=list)  # newest first, capped
    purchases: dict[str, int] = msgspec.field(default_factory=dict)  # item_id -> last purchase (Unix s)
    purchase_counts: dict[str, int] = msgspec.field(default_factory=dict)  # item_id -> times bought
    cart: dict[str, int] = msgspec.field(default_factory=dict)  # item_id -> added at (Unix s); cleared on purchase
    consent: dict[str, bool] = msgspec.field(default_factory=dict)  # purpose -> granted
    features: dict[str, str] = msgspec.field(default_factory=dict)  # segment, region, home_store ...
    identities: list[str] = msgspec.field(default_factory=list)  # anonymous ids linked to this customer

    @property
    def is_empty(self) -> bool:
        return not (self.recent_events or self.purchases or self.cart or self.features)


class AppendResult(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of append_events: one flag per input event, False where the event_id was already stored."""

    stored: list[bool]


class VersionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A model version held by the store."""

    version: str
    state: str  # "staging" (being published, never served) or "ready"
    created_at: str  # from the bundle manifest
    published_at: float  # Unix time the publish started
    n_items: int = 0
    n_users: int = 0
    bytes: int = 0  # payload bytes written for this version
    checksum: str = ""  # digest over what publish wrote, verified before activation
    metrics: dict[str, float] = msgspec.field(default_factory=dict)
    replaced_at: float = 0.0  # Unix time it stopped being active (0 while active or never active)


class ImpressionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An offer about to be shown: the limits to check and take atomically."""

    customer_id: str
    offer_id: str
    channel: str
    now: int  # Unix seconds
    cap_count: int = 0  # at most this many impressions of this offer per customer per cap_seconds; 0 = no cap
    cap_seconds: int = 0
    fatigue_count: int = 0  # at most this many offers per customer on this channel per fatigue_seconds; 0 = none
    fatigue_seconds: int = 0
    budget: int = 0  # total impressions this offer may ever have; 0 = unlimited
    mandatory: bool = False  # service messages: counted nowhere, never refused


class EventLogEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An accepted event as kept in the event log (a Redis Stream; durable with AOF only), with its log position."""

    position: str
    event: CustomerEvent


class RequestCount(msgspec.Struct, frozen=True, kw_only=True):
    """Requests counted in a client's current rate-limit window, and milliseconds until that window ends."""

    count: int
    reset_ms: int


class ErasureEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One erasure in the journal exports apply to files they wrote: SHA-256 hex digests of the erased ids
    (the customer id and its linked ids; never the ids themselves), with its journal position."""

    position: str
    digests: list[str]


class Persistence(msgspec.Struct, frozen=True, kw_only=True):
    """What the store's server keeps across a crash or restart, as far as it lets us see."""

    durable: bool  # False: a restart loses acknowledged events (no AOF, or an in-process store)
    detail: str  # e.g. "appendonly yes, appendfsync everysec: a crash loses up to ~1 s of writes"


class OfferArm(msgspec.Struct, frozen=True, array_like=True):
    """One offer the policy could have chosen, as the policy saw it: value and Beta(alpha, beta) belief."""

    offer_id: str
    value: float
    alpha: float
    beta: float


class ImpressionRecord(msgspec.Struct, frozen=True, kw_only=True, array_like=True, omit_defaults=True):
    """What one answer served (kind 'list' or 'offer') or what a client confirmed it rendered ('shown').

    Kept compact in the event log (msgpack array, trailing defaults omitted): per-item scores are float32
    bytes, sources one byte each (index in omnirec.measurement.impressions.SOURCES), positions uint16
    bytes (only for 'shown'; a list's positions are its order). An offer answer writes one record per
    served offer with the probability that the policy chose it and the candidates it chose from.
    """

    recommendation_id: str
    kind: str  # list | offer | shown
    user_id: str  # the canonical customer id when served
    timestamp: int  # Unix seconds
    channel: str
    endpoint: str = ""  # user | similar | basket | offer
    store_id: str = ""
    strategy: str = ""
    model_version: str = ""
    experiment: str = ""
    variant: str = ""
    items: list[str] = msgspec.field(default_factory=list)
    scores: bytes = b""
    sources: bytes = b""
    positions: bytes = b""
    offer_id: str = ""
    value: float = 0.0
    probability: float = 0.0  # P(the policy chooses this offer | arms), estimated
    probability_error: float = 0.0  # bound on the estimate's error (95 %)
    arms: list[OfferArm] = msgspec.field(default_factory=list)


class ImpressionLogEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An impression record as kept in the event log, with its log position."""

    position: str
    record: ImpressionRecord


@dataclass(frozen=True)
class ModelRows:
    """One customer's rows of a model version, decoded: the trained vector of the first of their ids that
    has one (canonical id first) and the training history of all their ids, newest first per id."""

    vector: np.ndarray | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelRows):
            return NotImplemented
        same_vector = (self.vector is None) == (other.vector is None) and (
            self.vector is None or np.array_equal(self.vector, other.vector)  # type: ignore[arg-type]
        )
        return same_vector and self.history == other.history

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ModelRowsBatch:
    """Rows of many customers of one model version, columnar as the bundle holds them (what publish writes).

    Customer ids[k] has the trained vector vectors[k] (no vectors: none written) and the training history
    entries indptr[k]:indptr[k + 1] of items / types / times / channels (no indptr: none written)."""

    ids: Sequence[str]
    vectors: np.ndarray | None = None
    indptr: Sequence[int] | None = None
    items: Sequence[str] = ()
    types: Sequence[str] = ()
    times: Sequence[int] = ()
    channels: Sequence[str] = ()

    def row(self, k: int) -> ModelRows:
        """Customer ids[k]'s rows as a record."""
        vector = None if self.vectors is None else self.vectors[k]
        if self.indptr is None:
            return ModelRows(vector)
        a, b = self.indptr[k], self.indptr[k + 1]
        columns = (self.items[a:b], self.types[a:b], self.times[a:b], self.channels[a:b])
        return ModelRows(vector, [HistoryEntry(*entry) for entry in zip(*columns, strict=True)])

    @classmethod
    def of(cls, rows: Mapping[str, ModelRows]) -> ModelRowsBatch:
        """A batch from row records (tests, small writes): vectors when every row has one, histories always."""
        records = list(rows.values())
        with_vector = [r.vector for r in records if r.vector is not None]
        if with_vector and len(with_vector) < len(records):
            raise ValueError("a batch holds a vector for every customer or for none")
        history = [entry for r in records for entry in r.history]
        indptr = [0]
        for r in records:
            indptr.append(indptr[-1] + len(r.history))
        return cls(
            ids=list(rows),
            vectors=np.stack(with_vector) if with_vector else None,
            indptr=indptr,
            items=[h.item_id for h in history],
            types=[h.event_type for h in history],
            times=[h.timestamp for h in history],
            channels=[h.channel for h in history],
        )


@dataclass(frozen=True)
class CustomerSnapshot:
    """What one recommendation request reads (omnirec.store.snapshot): the active version, the customer's
    state, their rows of `version` and optionally a store's out-of-stock items."""

    active_version: str | None
    state: CustomerState
    version: str | None  # the version `rows` belong to (None: no rows were read)
    rows: ModelRows | None = None  # of the customer's ids (`ids`) in `version`; None when no version was asked
    unavailable: set[str] | None = None  # out-of-stock items of the asked store, None when none was asked

    @property
    def ids(self) -> list[str]:
        """The customer's ids whose rows count: canonical first, then linked anonymous ids."""
        return list(dict.fromkeys([self.state.customer_id, *self.state.identities]))
