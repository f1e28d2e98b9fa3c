"""Publish throughput and Redis memory per item / per customer for the feature store.

Usage (from the repo root):
    /tmp/venv/bin/python benchmarks/publish_benchmark.py --items 1000000 --users 100000
    /tmp/venv/bin/python benchmarks/publish_benchmark.py --items 20000 --redis-url redis://127.0.0.1:6379/0

Without --redis-url it starts its own redis-server on a free loopback port (no persistence) and stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bundle_factory import make_bundle
from omnirec.publishing import ROW_KINDS, bundle_rows, catalogue_arrays, publish_bundle
from omnirec.store.factory import open_store
from omnirec.store.keys import CHUNK_BYTES, Keys
from omnirec.store.records import CustomerEvent

PREFIX = "bench"


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    if shutil.which("redis-server") is None:
        sys.exit("redis-server not found on PATH: apt-get install -y redis-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen([*args, "--dir", tempfile.mkdtemp()], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def sample_usage(client: redis.Redis, keys: list[str], payload_sizes: list[int]) -> tuple[float, float]:
    usage = [int(client.memory_usage(k, samples=0) or 0) for k in keys]
    return sum(usage) / len(usage), sum(payload_sizes) / len(payload_sizes)


async def publish(args: argparse.Namespace, url: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    bundle = make_bundle(
        n_items=args.items,
        n_users=args.users,
        dim=args.dim,
        similar=args.similar,
        cooc=args.cooc,
        history_per_user=args.history,
        seed=1,
        padding=False,
    )
    build_s = time.perf_counter() - t0
    client = redis.Redis.from_url(url)
    before = used_memory(client)
    store = open_store(url, prefix=PREFIX, timeout_ms=60_000)
    t0 = time.perf_counter()
    info = await publish_bundle(bundle, store, batch_size=args.batch_size)
    publish_s = time.perf_counter() - t0
    after = used_memory(client)
    keys = Keys(PREFIX)
    kinds: dict[str, tuple[float, float]] = {}
    for kind in ROW_KINDS:
        batch = next(bundle_rows(bundle, kind, 200))
        names = [n for n in (keys.row(info.version, kind, i) for i in batch.ids) if client.exists(n)]
        kinds[kind] = sample_usage(client, names, [int(client.strlen(n)) for n in names])  # payload bytes
    arrays = catalogue_arrays(bundle)
    array_raw = sum(int(a.nbytes) for a in arrays.values())
    vec_parts = [keys.array_part(info.version, "item_vectors", 0)]
    part_bytes = min(CHUNK_BYTES, arrays["item_vectors"].nbytes)
    kinds["array part (item_vectors)"] = sample_usage(client, vec_parts, [part_bytes])
    await store.close()
    return {
        "build_s": build_s,
        "publish_s": publish_s,
        "info": info,
        "delta": after - before,
        "kinds": kinds,
        "array_raw": array_raw,
    }


async def customers(args: argparse.Namespace, url: str) -> dict[str, Any]:
    client = redis.Redis.from_url(url)
    before = used_memory(client)
    store = open_store(url, prefix=PREFIX, timeout_ms=60_000)
    t0 = time.perf_counter()
    sem = asyncio.Semaphore(64)

    async def one(c: int) -> None:
        events = [
            CustomerEvent(
                user_id=f"cust{c}",
                item_id=f"i{(c * 7 + n) % args.items}",
                event_type="purchase" if n % 10 == 0 else "view",
                timestamp=1_760_000_000 + n,
                channel="web",
                event_id=f"e{c}-{n}",
                session_id=f"s{c}",
            )
            for n in range(args.events)
        ]
        async with sem:
            for start in range(0, len(events), 10):  # batches of 10, as a client sending events would
                await store.append_events(f"cust{c}", events[start : start + 10], cap=100)

    await asyncio.gather(*(one(c) for c in range(args.customers)))
    elapsed = time.perf_counter() - t0
    after = used_memory(client)
    log_bytes = int(client.memory_usage(Keys(PREFIX).event_log(), samples=0) or 0)
    await store.close()
    return {"seconds": elapsed, "delta": after - before, "log_bytes": log_bytes}


def report(args: argparse.Namespace, pub: dict[str, Any], cust: dict[str, Any]) -> None:
    info = pub["info"]
    n_events = args.customers * args.events
    print(
        f"bundle: {args.items:,} items x {args.dim} dims, {args.users:,} users, similar {args.similar}, "
        f"cooc {args.cooc}, history <= {args.history}/user (built in {pub['build_s']:.1f} s)"
    )
    print(
        f"publish: {pub['publish_s']:.1f} s, {args.items / pub['publish_s']:,.0f} items/s, "
        f"payload written {info.bytes / 1e6:,.1f} MB (arrays raw {pub['array_raw'] / 1e6:,.1f} MB)"
    )
    print(
        f"redis used_memory delta: {pub['delta'] / 1e6:,.1f} MB = {pub['delta'] / args.items:,.0f} B/item; "
        f"ratio to payload {pub['delta'] / info.bytes:.2f}x"
    )
    for kind, (usage, payload) in pub["kinds"].items():
        print(
            f"  {kind:28s} MEMORY USAGE {usage:>12,.0f} B/key, payload {payload:>12,.0f} B, "
            f"ratio {usage / payload:.2f}x"
        )
    print(
        f"customers: {args.customers:,} x {args.events} events in {cust['seconds']:.1f} s "
        f"({n_events / cust['seconds']:,.0f} events/s, batches of 10, 64 concurrent)"
    )
    per_customer = (cust["delta"] - cust["log_bytes"]) / args.customers
    print(
        f"  state {per_customer:,.0f} B/customer (cap 100, dedup set, log positions); "
        f"event log stream {cust['log_bytes'] / n_events:,.0f} B/event"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--similar", type=int, default=20)
    parser.add_argument("--cooc", type=int, default=20)
    parser.add_argument("--history", type=int, default=20, help="max history entries per user")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--redis-url", default=None, help="use this server instead of starting one")
    args = parser.parse_args()
    proc, url = (None, args.redis_url) if args.redis_url else start_redis()
    try:
        pub = asyncio.run(publish(args, url))
        cust = asyncio.run(customers(args, url))
        report(args, pub, cust)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
