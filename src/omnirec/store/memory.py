"""The embedded backend (memory://): the zero-setup default, with the same semantics as Redis.

Thread and asyncio safe: every operation runs under one lock and never awaits while holding it.
Data lives as long as the process; the event log is an in-process list with increasing positions.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from omnirec.errors import InvalidRequest
from omnirec.store import codec
from omnirec.store import customer_rules as rules
from omnirec.store.keys import Keys
from omnirec.store.memory_models import MemoryModels
from omnirec.store.memory_rate import RequestWindows
from omnirec.store.records import (
    AppendResult,
    CustomerEvent,
    CustomerSnapshot,
    CustomerState,
    ErasureEntry,
    EventLogEntry,
    ImpressionLogEntry,
    ImpressionRecord,
    ImpressionRequest,
    Persistence,
    RequestCount,
)
from omnirec.store.snapshot import compose_snapshot


@dataclass
class _Profile:
    events: list[CustomerEvent] = field(default_factory=list)  # newest first by timestamp
    purchases: dict[str, int] = field(default_factory=dict)
    pcounts: dict[str, int] = field(default_factory=dict)
    cart: dict[str, int] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    dedup: dict[str, int] = field(default_factory=dict)  # event_id -> timestamp
    logids: list[int] = field(default_factory=list)
    impressions: dict[str, list[int]] = field(default_factory=dict)  # key suffix -> times
    expires_at: float = 0.0  # anonymous state: dropped at this time (0 = kept), as Redis expires its keys
    known: bool = False  # features or consent imported, or ids linked into it: never expires

    def retain(self, retention_s: int) -> None:
        """An anonymous id expires `retention_s` after this moment; a known customer is kept."""
        if retention_s > 0 and not self.known:
            self.expires_at = time.time() + retention_s

    def keep(self) -> None:
        self.known, self.expires_at = True, 0.0


class MemoryStore(MemoryModels):
    """In-process FeatureStore. `debug_keys()` lists Redis-like key names of what it holds (tests/ops)."""

    def __init__(self, prefix: str = "omnirec") -> None:
        super().__init__()
        self._keys = Keys(prefix)
        self._profiles: dict[str, _Profile] = {}
        self._alias: dict[str, str] = {}
        self._index: list[str] = []  # sorted canonical ids
        self._log: dict[int, CustomerEvent | ImpressionRecord] = {}  # events and impressions
        self._log_seq = 0
        self._catalog: bytes | None = None
        self._catalog_version: str | None = None
        self._budget_used: dict[str, int] = {}
        self._feedback: dict[str, dict[str, float]] = {}
        self._stock: dict[str, set[str]] = {}
        self._request_windows = RequestWindows()
        self._marker: dict[str, float] = {}
        self._erasures: list[list[str]] = []  # the erasure journal: digests per erasure, position = index + 1
        self._fence: dict[str, float] = {}  # digests of just-erased ids -> until (monotonic): no impressions

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def persistence(self) -> Persistence:
        return Persistence(durable=False, detail="memory:// keeps everything in this process: lost when it exits")

    async def write_marker(self, what: str) -> None:
        with self._lock:
            self._marker[what] = time.time()

    async def read_marker(self) -> dict[str, float]:
        with self._lock:
            return dict(self._marker)

    # -- customers ---------------------------------------------------------------------------
    def _resolve(self, any_id: str) -> str:
        start = any_id
        for _ in range(rules.MAX_ALIAS_HOPS):
            if any_id not in self._alias:
                return any_id
            any_id = self._alias[any_id]
        raise rules.alias_loop(start)

    def _index_add(self, customer_id: str) -> None:
        pos = bisect.bisect_left(self._index, customer_id)
        if pos == len(self._index) or self._index[pos] != customer_id:
            self._index.insert(pos, customer_id)

    def _index_remove(self, customer_id: str) -> None:
        pos = bisect.bisect_left(self._index, customer_id)
        if pos < len(self._index) and self._index[pos] == customer_id:
            del self._index[pos]

    def _expire(self, customer_id: str) -> None:
        """Drop an anonymous profile whose retention ran out (what Redis does by key expiry)."""
        p = self._profiles.get(customer_id)
        if p is not None and p.expires_at and p.expires_at <= time.time():
            del self._profiles[customer_id]
            self._index_remove(customer_id)

    def _profile(self, customer_id: str, index: bool = True) -> _Profile:
        self._expire(customer_id)
        if index:
            self._index_add(customer_id)
        return self._profiles.setdefault(customer_id, _Profile())

    async def resolve_customer(self, any_id: str) -> str:
        with self._lock:
            return self._resolve(any_id)

    async def customer_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> CustomerSnapshot:
        return await compose_snapshot(self, any_id, version, store_id)

    async def get_customer(self, any_id: str) -> CustomerState:
        with self._lock:
            cid = self._resolve(any_id)
            self._expire(cid)
            p = self._profiles.get(cid) or _Profile()
            return CustomerState(
                customer_id=cid,
                recent_events=list(p.events),
                purchases=dict(p.purchases),
                purchase_counts=dict(p.pcounts),
                cart=dict(p.cart),
                consent=dict(p.consent),
                features=dict(p.features),
                identities=sorted(p.ids),
            )

    async def append_events(
        self, any_id: str, events: Sequence[CustomerEvent], cap: int, retention_s: int = 0
    ) -> AppendResult:
        with self._lock:
            p = self._profile(self._resolve(any_id))
            stored: list[bool] = []
            new: list[CustomerEvent] = []
            for event in events:
                if event.event_id in p.dedup:
                    stored.append(False)
                    continue
                self._log_seq += 1
                self._log[self._log_seq] = event
                p.logids.append(self._log_seq)
                p.dedup[event.event_id] = event.timestamp
                new.append(event)
                kind = rules.event_kind(event.event_type)
                if kind == rules.PURCHASE:
                    p.purchases[event.item_id] = max(p.purchases.get(event.item_id, 0), event.timestamp)
                    p.pcounts[event.item_id] = p.pcounts.get(event.item_id, 0) + 1
                    p.cart.pop(event.item_id, None)
                elif kind == rules.CART:
                    p.cart[event.item_id] = event.timestamp
                stored.append(True)
            p.events = rules.newest_first(new[::-1] + p.events)[: max(cap, 0)]
            p.dedup = rules.trim_dedup(p.dedup)
            p.retain(retention_s)
            return AppendResult(stored=stored)

    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        with self._lock:
            canonical = self._resolve(customer_id)
            if anonymous_id in (customer_id, canonical) or self._resolve(anonymous_id) == canonical:
                return
            if anonymous_id in self._alias:
                raise InvalidRequest(
                    f"anonymous id {anonymous_id!r} is already linked to customer {self._alias[anonymous_id]!r}"
                )
            self._expire(anonymous_id)
            anon = self._profiles.pop(anonymous_id, None) or _Profile()
            self._index_remove(anonymous_id)
            self._alias[anonymous_id] = canonical
            p = self._profile(canonical)
            p.events = rules.newest_first(p.events + anon.events)  # the next append trims to its cap
            for item, ts in anon.purchases.items():
                p.purchases[item] = max(p.purchases.get(item, 0), ts)
            for item, n in anon.pcounts.items():
                p.pcounts[item] = p.pcounts.get(item, 0) + n
            for item, ts in anon.cart.items():
                p.cart[item] = max(p.cart.get(item, 0), ts)
            p.consent = {**anon.consent, **p.consent}
            p.features = {**anon.features, **p.features}
            p.ids |= anon.ids | {anonymous_id}
            p.keep()
            for linked in anon.ids:  # ids linked into the anonymous id point at the customer now: no chain
                self._alias[linked] = canonical
            p.dedup = rules.trim_dedup({**anon.dedup, **p.dedup})
            p.logids = sorted(set(p.logids) | set(anon.logids))
            for suffix, times in anon.impressions.items():
                p.impressions[suffix] = sorted(p.impressions.get(suffix, []) + times)

    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        with self._lock:
            cid = self._resolve(any_id)
            held = self._profiles[cid].consent if cid in self._profiles else {}
            rules.check_purposes(len(held), sum(1 for purpose in consent if purpose not in held), max_purposes)
            p = self._profile(cid)
            p.consent.update(consent)
            if retention_s == 0:
                p.keep()  # the customer import
            elif not p.expires_at:  # Redis expires only the consent key; here the profile goes as a whole
                p.retain(retention_s)
            return dict(p.consent)

    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        with self._lock:
            p = self._profile(self._resolve(any_id))
            p.features.update(features)
            if features:
                p.keep()

    async def erase_customer(self, any_id: str) -> int:
        with self._lock:
            before = len(self.debug_keys())
            cid = self._resolve(any_id)
            p = self._profiles.pop(cid, None) or _Profile()
            linked = p.ids | {a for a, c in self._alias.items() if c == cid}
            now = time.monotonic()
            self._fence = {d: until for d, until in self._fence.items() if until > now}
            for i in (cid, *linked):
                self._fence[rules.id_digest(i)] = now + rules.ERASURE_FENCE_S
            for anon in linked:
                self._alias.pop(anon, None)
                self._profiles.pop(anon, None)
                self._index_remove(anon)
            for pos in p.logids:
                self._log.pop(pos, None)
            self._index_remove(cid)
            self._drop_customer_rows({cid, *linked})
            self._blank_model_ids([cid, *linked])
            self._erasures.append([rules.id_digest(i) for i in (cid, *sorted(linked))])
            return before - len(self.debug_keys())

    async def scan_customers(self, cursor: str | None, count: int) -> tuple[list[str], str | None]:
        with self._lock:
            start = 0 if cursor is None else bisect.bisect_right(self._index, cursor)
            page = self._index[start : start + count]
            more = start + count < len(self._index)
            return page, (page[-1] if more and page else None)

    # -- event log -----------------------------------------------------------------------------
    async def read_event_log(self, after: str | None, count: int) -> list[EventLogEntry]:
        with self._lock:
            start = 0 if after is None else int(after.split("-")[-1])
            events = sorted((p, e) for p, e in self._log.items() if p > start and isinstance(e, CustomerEvent))
            return [EventLogEntry(position=f"0-{pos}", event=event) for pos, event in events[:count]]

    async def log_impressions(self, records: Sequence[ImpressionRecord]) -> None:
        with self._lock:
            now = time.monotonic()
            for record in records:
                cid = self._resolve(record.user_id)
                if self._fence and any(self._fence.get(rules.id_digest(i), 0.0) > now for i in {record.user_id, cid}):
                    continue  # erased meanwhile: dropped
                p = self._profile(cid, index=False)
                self._log_seq += 1
                self._log[self._log_seq] = record
                p.logids.append(self._log_seq)

    async def recent_impressions(self, any_id: str, since: int) -> list[ImpressionRecord]:
        with self._lock:
            p = self._profiles.get(self._resolve(any_id)) or _Profile()
            found = (self._log.get(pos) for pos in p.logids)
            return [r for r in found if isinstance(r, ImpressionRecord) and r.timestamp >= since]

    async def read_impressions(self, after: str | None, count: int) -> list[ImpressionLogEntry]:
        with self._lock:
            start = 0 if after is None else int(after.split("-")[-1])
            found = sorted((p, r) for p, r in self._log.items() if p > start and isinstance(r, ImpressionRecord))
            return [ImpressionLogEntry(position=f"0-{pos}", record=record) for pos, record in found[:count]]

    async def read_erasures(self, after: str | None, count: int) -> list[ErasureEntry]:
        with self._lock:
            start = 0 if after is None else int(after.split("-")[-1])
            chosen = self._erasures[start : start + count]
            return [ErasureEntry(position=f"0-{start + i + 1}", digests=list(d)) for i, d in enumerate(chosen)]

    # -- offers --------------------------------------------------------------------------------
    async def put_offer_catalog(self, payload: bytes) -> None:
        with self._lock:
            self._catalog = bytes(payload)
            self._catalog_version = codec.payload_version(self._catalog)

    async def get_offer_catalog(self) -> bytes | None:
        return self._catalog

    async def offer_catalog_version(self) -> str | None:
        return self._catalog_version

    async def take_impression(self, request: ImpressionRequest) -> bool:
        if request.mandatory:
            return True
        with self._lock:
            used = self._budget_used.get(request.offer_id, 0)
            if request.budget > 0 and used >= request.budget:
                return False
            p = self._profile(self._resolve(request.customer_id), index=False)
            offer_key, channel_key = rules.impression_keys(request)
            for suffix in (offer_key, channel_key):
                p.impressions[suffix] = rules.recent(p.impressions.get(suffix, []), request.now)
            if not rules.caps_allow(request, p.impressions[offer_key], p.impressions[channel_key]):
                return False
            if request.budget > 0:
                self._budget_used[request.offer_id] = used + 1
            p.impressions[offer_key].append(request.now)
            p.impressions[channel_key].append(request.now)
            return True

    async def add_offer_feedback(self, offer_id: str, segment: str, outcome: str, amount: float = 1.0) -> None:
        with self._lock:
            counters = self._feedback.setdefault(offer_id, {})
            for field_name in rules.feedback_fields(segment, outcome):
                counters[field_name] = counters.get(field_name, 0.0) + amount

    async def get_offer_feedback(self, offer_ids: Sequence[str], segment: str) -> dict[str, dict[str, float]]:
        with self._lock:
            return {o: rules.feedback_for_segment(self._feedback.get(o, {}), segment) for o in offer_ids}

    # -- store availability --------------------------------------------------------------------
    async def set_unavailable_items(self, store_id: str, item_ids: Sequence[str]) -> None:
        with self._lock:
            self._stock[store_id] = set(item_ids)

    async def get_unavailable_items(self, store_id: str) -> set[str]:
        with self._lock:
            return set(self._stock.get(store_id, set()))

    # -- rate limits -----------------------------------------------------------------------------
    async def count_request(self, client: str, window_ms: int) -> RequestCount:
        return self._request_windows.count(client, window_ms)

    # -- tests and ops ---------------------------------------------------------------------------
    def debug_keys(self) -> list[str]:
        """Redis-like names of everything held, '<key>#<member>' for index members (for tests and ops)."""
        with self._lock:
            k = self._keys
            keys = self._model_debug_keys()
            for cid, p in self._profiles.items():
                keys += [
                    k.customer(cid, name)
                    for name, value in vars(p).items()
                    if value and name not in ("expires_at", "known")
                ]
            keys += [k.customer(anon, "alias") for anon in self._alias]
            keys += [f"{k.customers_index()}#{cid}" for cid in self._index]
            keys += [f"{k.event_log()}#{pos}:{e.user_id}" for pos, e in self._log.items()]
            return keys
