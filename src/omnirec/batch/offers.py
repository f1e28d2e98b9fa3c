"""Batch next-best-offers for a channel (e.g. an email campaign): one JSON line per consenting customer.

Customers are streamed with `scan_customers` in pages; each page is decided with the same path as the
API (`decide_many`: one batched model read per page, feedback read once per run) and impressions are
taken atomically, so caps, contact fatigue and budgets hold across the export and live traffic alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from omnirec.offers.affinity import AffinityModel
from omnirec.offers.catalog import OfferCatalog
from omnirec.offers.engine import decide_many
from omnirec.offers.feedback_cache import FeedbackCache
from omnirec.offers.ranking import OfferDecision
from omnirec.scoring import Catalog
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerState

PAGE = 500
IN_FLIGHT = 64  # concurrent store calls (below the Redis pool size, so none waits for a connection)


class ExportLine(msgspec.Struct, kw_only=True):
    """One line of the export file."""

    customer_id: str
    channel: str
    offers: list[OfferDecision]


@dataclass(frozen=True)
class ExportSummary:
    scanned: int  # customers read
    consenting: int  # of them with consent for the channel's purpose
    written: int  # lines written
    offers: int  # offers in those lines
    seconds: float

    @property
    def per_second(self) -> float:
        return self.scanned / self.seconds if self.seconds > 0 else 0.0


async def export_offers(
    store: FeatureStore,
    offers: OfferCatalog,
    model_catalog: Catalog | None,
    channel: str,
    out: Path,
    progress: Callable[[int], None] = lambda n: None,
    *,
    n: int = 1,
    now: int | None = None,
    seed: int = 0,
    include_empty: bool = False,
) -> ExportSummary:
    """Write `out` (JSON lines) with each consenting customer's best `n` offers (plus mandatory messages).

    Customers without any offer are left out unless `include_empty`. Impressions are taken as offers are
    written: run it for a campaign that will really be sent.
    """
    start = time.perf_counter()
    now = int(time.time()) if now is None else now
    rng = np.random.default_rng(seed)
    purpose = offers.consent_purpose(channel)
    model = AffinityModel(model_catalog) if model_catalog is not None else None  # one per run, like the API's
    feedback = FeedbackCache(store)
    encoder = msgspec.json.Encoder()
    gate = asyncio.Semaphore(IN_FLIGHT)
    scanned = consenting = written = served = 0
    cursor: str | None = None
    with open(out, "wb") as handle:
        while True:
            ids, cursor = await store.scan_customers(cursor, PAGE)
            states = await _customers(store, ids, gate)
            chosen = [s for s in states if purpose == "" or s.consent.get(purpose, False)]
            decisions = await decide_many(store, offers, model, chosen, channel, n, now, rng, feedback, gate=gate)
            lines = []
            for state, decided in zip(chosen, decisions, strict=True):
                if decided or include_empty:
                    line = ExportLine(customer_id=state.customer_id, channel=channel, offers=decided)
                    lines.append(encoder.encode(line))
                    served += len(decided)
            if lines:
                handle.write(b"\n".join(lines) + b"\n")
            scanned, consenting, written = scanned + len(ids), consenting + len(chosen), written + len(lines)
            progress(len(ids))
            if cursor is None:
                break
    return ExportSummary(scanned, consenting, written, served, time.perf_counter() - start)


async def _customers(store: FeatureStore, ids: Sequence[str], gate: asyncio.Semaphore) -> list[CustomerState]:
    async def one(cid: str) -> CustomerState:
        async with gate:
            return await store.get_customer(cid)

    return list(await asyncio.gather(*(one(cid) for cid in ids)))
