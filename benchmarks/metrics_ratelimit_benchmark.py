"""What metrics across workers and the store-kept rate limit cost per request.

Usage (from the repo root):
    .venv/bin/python benchmarks/metrics_ratelimit_benchmark.py

1. Recording one request's metrics (the counter and the latency histogram, as the middleware does) and
   rendering /metrics: in-process registry vs prometheus_client multiprocess mode (values in mmap files,
   a scrape reads every worker's files; here 2 worker processes wrote them). Each mode runs in its own
   process: prometheus_client picks the mode when it is imported.
2. FeatureStore.count_request (the rate limit's one call per keyed request): memory:// and a redis-server
   this script starts on a free loopback port (no persistence), sequential calls, p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUTE = "/v1/users/{user_id}/recommendations"


def record_and_render(n: int) -> dict[str, float]:
    """Runs in a child process; PROMETHEUS_MULTIPROC_DIR (if any) was set before this import."""
    from omnirec.api.metrics import Metrics

    metrics = Metrics(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    start = time.perf_counter()
    for i in range(n):
        metrics.requests.labels(ROUTE, "GET", "200" if i % 10 else "429").inc()
        metrics.latency.labels(ROUTE, "GET").observe(0.003)
    per_request_us = (time.perf_counter() - start) / n * 1e6
    renders = 200
    start = time.perf_counter()
    for _ in range(renders):
        size = len(metrics.render())
    return {"record_us": per_request_us, "render_ms": (time.perf_counter() - start) / renders * 1e3, "bytes": size}


def child(mode: str, n: int) -> dict[str, float]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    tmp = None
    if mode == "multiprocess":
        tmp = tempfile.mkdtemp(prefix="omnirec-metrics-bench-")
        env["PROMETHEUS_MULTIPROC_DIR"] = tmp
        # a second "worker" writes its own files first, so the scrape merges two
        subprocess.run([sys.executable, __file__, "--child", "1000"], env=env, check=True, capture_output=True)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], env=env, check=True, capture_output=True)
        result: dict[str, float] = json.loads(out.stdout)
        return result
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


async def count_request_latency(url: str, n: int) -> tuple[float, float]:
    from omnirec.store.factory import open_store

    store = open_store(url, prefix="bench", timeout_ms=1000)
    times = []
    try:
        for i in range(n):
            start = time.perf_counter()
            await store.count_request(f"key:k{i % 50}", 60_000)
            times.append(time.perf_counter() - start)
    finally:
        await store.close()
    times.sort()
    return times[len(times) // 2] * 1e6, times[int(len(times) * 0.99)] * 1e6


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    if shutil.which("redis-server") is None:
        sys.exit("redis-server not found on PATH: apt-get install -y redis-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=100_000, help="metric recordings per mode")
    parser.add_argument("--calls", type=int, default=5_000, help="count_request calls per store")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(record_and_render(args.child)))
        return
    print(f"metrics, {args.requests:,} requests recorded, 200 renders each")
    for mode in ("in-process", "multiprocess"):
        r = child(mode, args.requests)
        record, render = f"record {r['record_us']:.2f} us/request", f"render {r['render_ms']:.2f} ms"
        print(f"  {mode:12s} {record}, {render} ({r['bytes']:.0f} B)")
    proc, url = start_redis()
    try:
        print(f"count_request, {args.calls:,} sequential calls")
        for name, store_url in (("memory://", "memory://"), ("redis", url)):
            p50, p99 = asyncio.run(count_request_latency(store_url, args.calls))
            print(f"  {name:12s} p50 {p50:.0f} us, p99 {p99:.0f} us")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
