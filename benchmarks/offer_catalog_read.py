"""Per-request cost of the offer catalogue: read and validate the payload (before OfferService) vs read its version.

The sample `offers.toml` plus `--extra` generated offers (each promoting `--items-per-offer` item ids), so
the payload grows like a real retailer's. Each figure is the median of `--repeat` rounds of `--calls` calls.

    python benchmarks/offer_catalog_read.py --store memory://
    python benchmarks/offer_catalog_read.py --store redis://127.0.0.1:6379/15 --extra 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import numpy as np

from omnirec.demo.catalog import build_catalog
from omnirec.demo.offers import sample_offers_toml
from omnirec.offers.catalog import decode_offer_catalog, encode_offer_catalog, parse_offer_catalog
from omnirec.offers.published import PublishedOffers
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore


def offers_toml(extra: int, items_per_offer: int) -> str:
    items = build_catalog(np.random.default_rng(7), 2_000)
    ids = [i.item_id for i in items]
    text = sample_offers_toml(items)
    for n in range(extra):
        promoted = ", ".join(f'"{ids[(n * items_per_offer + k) % len(ids)]}"' for k in range(items_per_offer))
        text += f'\n[[offers]]\nid = "generated-{n}"\nvalue = {1 + n % 7}\nitems = [{promoted}]\n'
        text += '[[offers.rules]]\nkind = "segment"\nequals = "diy"\n'
    return text


async def per_call_us(call: Callable[[], Awaitable[object]], calls: int, repeat: int) -> float:
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            await call()
        rounds.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(rounds)


async def main(args: argparse.Namespace) -> None:
    store: FeatureStore = open_store(args.store, prefix="bench-offer-catalog", timeout_ms=1_000)
    catalog = parse_offer_catalog(offers_toml(args.extra, args.items_per_offer).encode(), "offers.toml")
    payload = encode_offer_catalog(catalog)
    await store.put_offer_catalog(payload)
    published = PublishedOffers(store)

    async def before() -> object:
        stored = await store.get_offer_catalog()
        assert stored is not None
        return decode_offer_catalog(stored)

    old = await per_call_us(before, args.calls, args.repeat)
    new = await per_call_us(published.current, args.calls, args.repeat)
    print(f"store={args.store} offers={len(catalog.offers)} payload={len(payload):,} bytes")
    print(f"read + validate per request: {old:,.1f} us; version read (cached catalogue): {new:,.1f} us")
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="memory://")
    parser.add_argument("--extra", type=int, default=0, help="generated offers added to the sample file")
    parser.add_argument("--items-per-offer", type=int, default=20)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
