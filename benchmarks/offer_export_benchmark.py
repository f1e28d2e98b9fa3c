"""Throughput of `export_offers` (email campaign: next-best-offer per consenting customer, impressions taken).

Customers get the sample retailer's features (segment, loyalty tier), 80 % email consent, and 5 % an
abandoned cordless drill; offers are the sample `offers.toml`; the model is the sample catalogue with
category-clustered vectors (customers have no trained vectors, so affinity comes from segment features).

    python benchmarks/offer_export_benchmark.py --customers 1000000 --store memory://
    python benchmarks/offer_export_benchmark.py --customers 100000 --store redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from omnirec.batch.offers import export_offers
from omnirec.bundle import BundleManifest, RankerParams
from omnirec.demo.catalog import CATEGORIES, build_catalog
from omnirec.demo.offers import sample_offers_toml
from omnirec.offers.catalog import parse_offer_catalog
from omnirec.scoring import Catalog
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent

SEGMENTS = ("pet_owner", "diy", "home", "bargain")
TIERS = ("none", "silver", "gold")
CHANNELS = ("all", "web", "app", "store", "email")


def sample_model() -> Catalog:
    items = build_catalog(np.random.default_rng(7), 500)
    rng = np.random.default_rng(0)
    centres = {spec.path: rng.standard_normal(16) for spec in CATEGORIES}
    vectors = np.stack([centres[i.category.path] + 0.1 * rng.standard_normal(16) for i in items]).astype(np.float32)
    n = len(items)
    names = [f"segment={s}" for s in SEGMENTS]
    arrays = {
        "item_ids": np.array([i.item_id for i in items]),
        "item_vectors": vectors,
        "item_biases": np.zeros(n, dtype=np.float32),
        "item_has_interactions": np.ones(n, dtype=bool),
        "item_categories": np.array([i.category.path for i in items]),
        "item_channels_mask": np.ones((n, len(CHANNELS)), dtype=bool),
        "channels": np.array(CHANNELS),
        "popularity": np.full((len(CHANNELS), n), 0.5, dtype=np.float32),
        "repeat_rate": np.zeros(n, dtype=np.float32),
        "repeat_interval_days": np.zeros(n, dtype=np.float32),
        "user_feature_names": np.array(names),
        "user_feature_vectors": rng.standard_normal((len(names), 16)).astype(np.float32),
    }
    manifest = BundleManifest(
        version="bench", created_at=datetime.now(UTC).isoformat(), data_fingerprint="bench", data_source="bench",
        settings={}, ranker=RankerParams(), channels=list(CHANNELS), dim=16,
    )  # fmt: skip
    return Catalog.from_arrays(manifest, arrays)


async def fill(store: FeatureStore, customers: int, now: int, drill: str) -> None:
    rng = np.random.default_rng(1)
    segments, tiers = rng.integers(0, 4, customers), rng.integers(0, 3, customers)
    consent, carts = rng.random(customers) < 0.8, rng.random(customers) < 0.05

    async def one(i: int) -> None:
        cid = f"C{i:07d}"
        await store.set_features(cid, {"segment": SEGMENTS[segments[i]], "loyalty_tier": TIERS[tiers[i]]})
        await store.set_consent(cid, {"email": bool(consent[i])})
        if carts[i]:
            cart = CustomerEvent(user_id=cid, item_id=drill, event_type="add_to_cart", timestamp=now - 5 * 3600,
                                 channel="web", event_id=f"cart-{i}")  # fmt: skip
            await store.append_events(cid, [cart], cap=50)

    for start in range(0, customers, 1000):
        await asyncio.gather(*(one(i) for i in range(start, min(start + 1000, customers))))


async def run(url: str, customers: int, out: Path) -> None:
    model = sample_model()
    items = build_catalog(np.random.default_rng(7), 500)
    offers = parse_offer_catalog(sample_offers_toml(items).encode(), "offers.toml")
    drill = next(i.item_id for i in items if i.title.endswith("Cordless Drill"))
    now = int(time.time())
    store = open_store(url, prefix=f"offerbench{now}", timeout_ms=10_000)
    try:
        started = time.perf_counter()
        await fill(store, customers, now, drill)
        setup = time.perf_counter() - started
        summary = await export_offers(store, offers, model, "email", out, now=now)
    finally:
        await store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store={url} customers={customers:,} setup={setup:.1f}s")
    print(
        f"export: scanned={summary.scanned:,} consenting={summary.consenting:,} lines={summary.written:,} "
        f"offers={summary.offers:,} time={summary.seconds:.1f}s -> {summary.per_second:,.0f} customers/s "
        f"({summary.consenting / summary.seconds:,.0f} consenting/s); peak RSS {rss:,.0f} MB; "
        f"file {out.stat().st_size / 1e6:,.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--store", default="memory://")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp()) / "offers.jsonl"
    asyncio.run(run(args.store, args.customers, out))


if __name__ == "__main__":
    main()
