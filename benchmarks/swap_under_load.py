"""Model swaps under load: no 5xx, and every answer is wholly from one published version.

Starts a loopback redis-server and the app (uvicorn or granian), publishes versions a (active) and b,
then runs the traffic mix with N concurrent clients for a bounded time while activating b, a, b, ...
every few seconds. Every response is checked: its model_version must be a published one and every item
in it must belong to that version (the two versions have disjoint item ids). Prints the tally and how
long each activation took to reach the served model (GET /v1/models/active). Exit code 1 on any 5xx,
unknown version or mixed list.

    python benchmarks/swap_under_load.py --duration 40 --concurrency 32 --swap-every 5
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import reliability_harness as h
from omnirec.store.protocol import FeatureStore


async def worker(base: str, seed: int, deadline: float, tally: h.Tally, items: object) -> None:
    rng = random.Random(seed)
    seq = 0
    async with h.client(base, 1) as http:
        while time.monotonic() < deadline:
            seq += 1
            await h.send(http, rng, seed * 10_000_000 + seq, tally, items)


async def swapper(store: FeatureStore, base: str, every: float, deadline: float, took: list[float]) -> None:
    order = [h.VERSIONS["b"], h.VERSIONS["a"]]
    async with h.client(base, 2) as http:
        n = 0
        while time.monotonic() + every < deadline:
            await asyncio.sleep(every)
            target = order[n % 2]
            n += 1
            start = time.perf_counter()
            await store.activate(target)
            limit = time.monotonic() + 5
            while time.monotonic() < limit:  # bounded wait for the service to serve the new version
                body = (await http.get("/v1/models/active")).json()
                if body.get("version") == target:
                    took.append((time.perf_counter() - start) * 1000)
                    break
                await asyncio.sleep(0.01)
            else:
                took.append(float("inf"))


async def main(args: argparse.Namespace) -> int:
    with h.redis_server() as url:
        store = await h.publish_versions(url)
        with h.app_server(url, args.server) as (base, _pid):
            items = h.items_by_version()
            tally, took = h.Tally(), []
            started = time.monotonic()
            deadline = started + args.duration
            tasks = [worker(base, seed, deadline, tally, items) for seed in range(args.concurrency)]
            await asyncio.gather(swapper(store, base, args.swap_every, deadline, took), *tasks)
            elapsed = time.monotonic() - started
        await store.close()
    report(args, tally, took, elapsed)
    bad = tally.status_5xx + tally.wrong_version + tally.mixed_items + tally.transport_errors
    return 1 if bad else 0


def report(args: argparse.Namespace, tally: h.Tally, took: list[float], elapsed: float) -> None:
    total = len(tally.latencies_ms) + tally.transport_errors
    p50, p95, p99 = h.percentiles(tally.latencies_ms)
    print(f"server={args.server} duration={elapsed:.1f}s concurrency={args.concurrency} swaps={len(took)}")
    print(
        f"requests={total} ({total / elapsed:.0f}/s) ok={tally.ok} 5xx={tally.status_5xx} "
        f"404(other version's item)={tally.status_4xx_expected} other_status={tally.status_other} "
        f"transport_errors={tally.transport_errors}"
    )
    print(
        f"wrong_version={tally.wrong_version} mixed_version_lists={tally.mixed_items} "
        f"degraded_lists={tally.degraded} lists_by_version={tally.by_version}"
    )
    print(f"latency ms p50={p50:.1f} p95={p95:.1f} p99={p99:.1f}")
    print("activation -> served (ms): " + ", ".join(f"{t:.0f}" for t in took))
    for sample in tally.samples:
        print(f"  unexpected: {sample}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=40, help="seconds of load (bounded)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--swap-every", type=float, default=5, help="seconds between activations")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
