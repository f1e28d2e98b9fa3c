"""Soak: a steady request rate for a bounded time; per minute, server RSS and latency percentiles.

Starts a loopback redis-server and the app, publishes a model, then sends the traffic mix at a fixed
rate (open loop: requests start on schedule whether or not earlier ones finished, at most --max-inflight
at once). Samples the server process's RSS (psutil) every 5 s. Prints one row per minute and a verdict:
memory is "flat" when the last minute's RSS is within 10% (and 20 MiB) of the second minute's, latency is
"flat" when the last minute's p95 is within 1.5x of the second minute's (minute 1 includes warm-up).

    python benchmarks/soak.py --minutes 5 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import psutil

import reliability_harness as h

MIB = 1024 * 1024


async def sample_rss(pid: int, deadline: float, samples: list[tuple[float, int]], started: float) -> None:
    proc = psutil.Process(pid)
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - started, proc.memory_info().rss))
        await asyncio.sleep(5)


async def drive(base: str, rate: float, seconds: float, max_inflight: int, started: float) -> list[h.Tally]:
    """One Tally per minute; requests start every 1/rate seconds."""
    minutes = [h.Tally() for _ in range(int((seconds + 59) // 60))]
    items = h.items_by_version()
    rng = random.Random(7)
    inflight: set[asyncio.Task[None]] = set()
    skipped = 0
    async with h.client(base, max_inflight) as http:
        n = 0
        while True:
            at = started + n / rate
            if at >= started + seconds:
                break
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tally = minutes[min(int((at - started) // 60), len(minutes) - 1)]
            if len(inflight) >= max_inflight:
                skipped += 1  # the server fell behind: counted as a transport error, never queued unbounded
                tally.transport_errors += 1
            else:
                task = asyncio.create_task(h.send(http, rng, n, tally, items))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
            n += 1
        if inflight:
            await asyncio.wait(inflight, timeout=15)
    return minutes


async def main(args: argparse.Namespace) -> int:
    seconds = args.minutes * 60
    with h.redis_server() as url:
        store = await h.publish_versions(url)
        with h.app_server(url, args.server) as (base, pid):
            started = time.monotonic()
            rss: list[tuple[float, int]] = []
            sampler = asyncio.create_task(sample_rss(pid, started + seconds, rss, started))
            minutes = await drive(base, args.rate, seconds, args.max_inflight, started)
            await sampler
        await store.close()
    return report(args, minutes, rss)


def report(args: argparse.Namespace, minutes: list[h.Tally], rss: list[tuple[float, int]]) -> int:
    print(f"server={args.server} rate={args.rate}/s minutes={args.minutes}")
    print(
        f"{'min':>3} {'requests':>8} {'req/s':>6} {'5xx':>4} {'other':>5} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'RSS MiB':>8} {'degraded':>8}"
    )
    rows = []
    for i, tally in enumerate(minutes):
        in_minute = [r for t, r in rss if i * 60 <= t < (i + 1) * 60]
        mem = max(in_minute) / MIB if in_minute else float("nan")
        p50, p95, p99 = h.percentiles(tally.latencies_ms)
        count = len(tally.latencies_ms) + tally.transport_errors
        seconds = min(60.0, args.minutes * 60 - i * 60)
        other = tally.status_other + tally.transport_errors + tally.wrong_version + tally.mixed_items
        rows.append((mem, p95))
        print(
            f"{i + 1:>3} {count:>8} {count / seconds:>6.0f} {tally.status_5xx:>4} {other:>5} {p50:>7.1f} "
            f"{p95:>7.1f} {p99:>7.1f} {mem:>8.1f} {tally.degraded:>8}"
        )
    if len(rows) >= 3:
        (mem0, p950), (mem1, p951) = rows[1], rows[-1]
        mem_flat = mem1 - mem0 <= max(0.10 * mem0, 20)
        lat_flat = p951 <= 1.5 * p950
        print(
            f"memory {'flat' if mem_flat else 'GROWING'} ({mem0:.1f} -> {mem1:.1f} MiB, minute 2 -> last); "
            f"latency {'flat' if lat_flat else 'RISING'} (p95 {p950:.1f} -> {p951:.1f} ms)"
        )
    for i, tally in enumerate(minutes):
        for sample in tally.samples:
            print(f"  minute {i + 1}: {sample}")
    errors = sum(t.status_5xx for t in minutes)
    return 1 if errors else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5, help="bounded run length")
    parser.add_argument("--rate", type=float, default=200, help="requests per second")
    parser.add_argument("--max-inflight", type=int, default=64)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
