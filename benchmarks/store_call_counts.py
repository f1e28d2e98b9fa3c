"""Client work per Redis store call, counted (Python function calls, cProfile) rather than timed: noise-free.

Usage (from the repo root; starts its own redis-server unless --redis-url is given):
    .venv/bin/python benchmarks/store_call_counts.py [--redis-url URL] [--calls 200] [--items 100000]

For comparing two versions of the backend on a busy machine, where timings of a few microseconds drown
in noise: the request path's customer_snapshot, the ingestion path's append_events, and one publish_bundle
of the publish benchmark's bundle (--items items x 64 dims, --items / 10 users).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bundle_factory import make_bundle
from omnirec.publishing import publish_bundle
from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent
from publish_benchmark import start_redis


def event(n: int) -> CustomerEvent:
    return CustomerEvent(
        event_id=f"c1-{n}",
        user_id="c1",
        item_id=f"i{n % 50}",
        event_type="view",
        timestamp=1_700_000_000 + n,
        channel="web",
    )


async def count(call: Callable[[int], Awaitable[object]], calls: int) -> int:
    """Python function calls per `call`, averaged over `calls` calls."""
    profile = cProfile.Profile()
    profile.enable()
    for n in range(calls):
        await call(n)
    profile.disable()
    return int(pstats.Stats(profile).total_calls) // calls


async def main(url: str, calls: int, items: int) -> None:
    store = open_store(url, prefix="calls", timeout_ms=2000)
    await store.append_events("c1", [event(n) for n in range(20)], cap=100)
    await store.customer_snapshot("c1", "v1", "s1")  # scripts loaded
    snapshot = await count(lambda n: store.customer_snapshot("c1", "v1", "s1"), calls)
    append = await count(lambda n: store.append_events("c1", [event(1000 + n)], cap=100), calls)
    print(f"customer_snapshot: {snapshot} Python calls per call; append_events (1 event): {append}")
    bundle = make_bundle(
        n_items=items, n_users=items // 10, dim=64, similar=20, cooc=20, history_per_user=20, seed=1, padding=False
    )
    published = await count(lambda n: publish_bundle(bundle, store, activate=True), 1)
    print(f"publish_bundle ({items:,} items): {published:,} Python calls")
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-url", help="use this server instead of starting one")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    server, url = (None, args.redis_url) if args.redis_url else start_redis()
    try:
        asyncio.run(main(url, args.calls, args.items))
    finally:
        if server is not None:
            server.terminate()
