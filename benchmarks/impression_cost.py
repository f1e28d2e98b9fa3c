"""What impression logging costs: time per recommendation request with logging off and complete, in the same
run against the same redis-server and model (interleaved blocks, so drift on a noisy box hits both alike),
and bytes per impression in Redis.

Three levels. The service call (RecommendationService.for_user: every store read, the ranking and, when on,
the impression write; no HTTP), logging switched on and off on ONE running service (its recorder's policy),
so both modes share the process, the model, its HNSW index and the connections. A real server: two uvicorn
processes (one worker each, logging off / complete) on the same Redis and model, closed-loop throughput in
alternating blocks, time per request = 1 / throughput. And (`--levels http`) the whole request through
Litestar's test client, whose app runs on a second thread of the client's process.
Bytes: Redis `used_memory` before and after logging N impressions (stream entries plus the customer's
log-position lists), divided by N, and the mean msgpack payload.

    .venv/bin/python benchmarks/impression_cost.py --items 100000 --requests 150 --rounds 16 --seconds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import redis  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402

from omnirec.api.app import create_app  # noqa: E402
from omnirec.measurement.impressions import ImpressionPolicy  # noqa: E402
from omnirec.service.container import build_services  # noqa: E402
from omnirec.service.recommendations import UserQuery  # noqa: E402
from omnirec.settings import Settings  # noqa: E402
from omnirec.store import codec  # noqa: E402
from omnirec.store.resilient import open_resilient_store  # noqa: E402
from serving_benchmark import (  # noqa: E402
    closed_loop,
    free_port,
    publish,
    start_server,
    user_paths,
    wait_port,
    wait_search,
)


def _ignore(operation: str) -> None:
    return None


async def wait_for_index(ready: Callable[[], Awaitable[bool]], deadline_s: float = 300.0) -> float:
    """Poll until the model serves with its HNSW index (it builds in the background); seconds waited."""
    started = time.perf_counter()
    while not await ready():
        if time.perf_counter() - started > deadline_s:
            raise RuntimeError("the HNSW index was not built in time")
        await asyncio.sleep(0.5)
    return time.perf_counter() - started


def set_mode(recorder: Any, mode: str) -> None:
    """Logging on or off on the SAME service instance: same process, model, index and connections."""
    recorder.policy = ImpressionPolicy(mode)


async def service_times(url: str, users: int, requests: int, rounds: int) -> dict[str, list[float]]:
    """Per-request seconds of for_user, logging off vs complete, alternating blocks."""
    out: dict[str, list[float]] = {"off": [], "complete": []}
    settings = Settings(store_url=url, store_timeout_ms=1000)
    store = open_resilient_store(url, prefix=settings.key_prefix, timeout_ms=1000)
    services = build_services(store, settings, _ignore)

    async def ready() -> bool:
        return (await services.models.current()).search_kind == "hnsw"

    print(f"  service: HNSW index ready after {await wait_for_index(ready):.0f}s")
    query = UserQuery(k=10, channel="web")
    for r in range(rounds + 1):  # round 0 warms up
        for mode in ("off", "complete") if r % 2 else ("complete", "off"):
            set_mode(services.impressions, mode)
            started = time.perf_counter()
            for n in range(requests):
                await services.recommendations.for_user(f"u{(n * 7919) % users}", query)
            if r:
                out[mode].append((time.perf_counter() - started) / requests)
            await services.impressions.flush()  # the block's last batch, untimed: not charged to the next block
    await store.close()
    return out


async def http_times(url: str, users: int, requests: int, rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"off": [], "complete": []}
    app = create_app(Settings(store_url=url, store_timeout_ms=1000, auth_enabled=False))
    async with AsyncTestClient(app) as client:

        async def ready() -> bool:
            return bool((await client.get("/v1/models/active")).json()["search"] == "hnsw")

        print(f"  HTTP: HNSW index ready after {await wait_for_index(ready):.0f}s")
        for r in range(rounds + 1):
            for mode in ("off", "complete") if r % 2 else ("complete", "off"):
                set_mode(app.state.services.impressions, mode)
                started = time.perf_counter()
                for n in range(requests):
                    response = await client.get(f"/v1/users/u{(n * 7919) % users}/recommendations?k=10&channel=web")
                    assert response.status_code == 200, response.text
                if r:
                    out[mode].append((time.perf_counter() - started) / requests)
    return out


async def server_times(url: str, users: int, seconds: float, rounds: int, connections: int) -> dict[str, list[float]]:
    """Per-request seconds (1 / throughput, closed loop) of two uvicorn servers, one worker each, logging off and
    complete, started together on the same Redis and model; blocks alternate so box load hits both alike."""
    ports = {"off": free_port(), "complete": free_port()}
    servers = {}
    for mode, port in ports.items():
        os.environ["OMNIREC_IMPRESSIONS"] = mode
        servers[mode] = start_server("uvicorn", port, url, 1, 50_000)
    os.environ.pop("OMNIREC_IMPRESSIONS")
    out: dict[str, list[float]] = {"off": [], "complete": []}
    try:
        for mode, port in ports.items():
            wait_port(port)
            print(f"  server {mode}: HNSW index ready after {await wait_search(port, 'hnsw'):.0f}s")
        paths = user_paths(users // 2)
        for r in range(rounds + 1):
            for mode in ("off", "complete") if r % 2 else ("complete", "off"):
                rps, errors = await closed_loop(ports[mode], paths, seconds, connections)
                assert errors == 0, f"{errors} errors"
                if r:
                    out[mode].append(1.0 / rps)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    return out


def bytes_per_impression(url: str, users: int, n: int) -> tuple[float, float]:
    """Redis used_memory growth per impression (log entry + log position) and the mean payload size."""
    client = redis.Redis.from_url(url)
    before = int(client.info("memory")["used_memory"])

    async def log() -> list[int]:
        settings = Settings(store_url=url, store_timeout_ms=1000, impressions="complete")
        store = open_resilient_store(url, prefix=settings.key_prefix, timeout_ms=1000)
        services = build_services(store, settings, _ignore)
        for i in range(n):
            await services.recommendations.for_user(f"u{i % users}", UserQuery(k=10, channel="email"))
        await services.impressions.flush()
        sizes = [len(codec.encode(e.record)) for e in await store.read_impressions(None, 1000)]
        await store.close()
        return sizes

    sizes = asyncio.run(log())
    after = int(client.info("memory")["used_memory"])
    return (after - before) / n, statistics.mean(sizes)


def summary(name: str, times: dict[str, list[float]]) -> None:
    """Medians over blocks, and the median of the per-round ratios (adjacent blocks: the same box load)."""
    off, on = statistics.median(times["off"]) * 1000, statistics.median(times["complete"]) * 1000
    ratios = sorted(b / a for a, b in zip(times["off"], times["complete"], strict=True))
    mid = statistics.median(ratios)
    print(f"{name}: off {off:.3f} ms, complete {on:.3f} ms per request (medians of {len(ratios)} blocks); "
          f"median per-round ratio {mid:.3f} (overhead {100 * (mid - 1):+.1f} %), "
          f"quartiles {ratios[len(ratios) // 4]:.3f}-{ratios[(3 * len(ratios)) // 4]:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=150, help="requests per block")
    parser.add_argument("--rounds", type=int, default=16, help="blocks per mode (after one warm-up round)")
    parser.add_argument("--levels", default="service,server", help="which: service, server, http (test client)")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per server block")
    parser.add_argument("--connections", type=int, default=4, help="closed-loop connections per server block")
    parser.add_argument("--bytes-n", type=int, default=5000, help="impressions logged for the bytes figure")
    args = parser.parse_args()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="impression-cost-")
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(port)
        url = f"redis://127.0.0.1:{port}/0"
        started = time.perf_counter()
        asyncio.run(publish(url, args.items, args.users))
        print(f"published {args.items} items x 64 dims, {args.users} users in {time.perf_counter() - started:.1f}s")
        if "service" in args.levels:
            summary("service call", asyncio.run(service_times(url, args.users, args.requests, args.rounds)))
        if "server" in args.levels:
            times = asyncio.run(server_times(url, args.users, args.seconds, args.rounds, args.connections))
            summary(f"uvicorn server, {args.connections} connections", times)
        if "http" in args.levels:
            summary("HTTP request", asyncio.run(http_times(url, args.users, args.requests, args.rounds)))
        redis.Redis.from_url(url).delete("omnirec:log")
        growth, payload = bytes_per_impression(url, args.users, args.bytes_n)
        print(f"bytes per impression in Redis (k=10 lists): {growth:.0f} (used_memory growth over {args.bytes_n:,}), "
              f"msgpack payload {payload:.0f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
