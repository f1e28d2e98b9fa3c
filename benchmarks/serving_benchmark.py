"""Serving benchmark: redis-server + the app (100k-item synthetic bundle) under granian and uvicorn.

Measures, in the same run per server: max throughput (closed loop, keep-alive connections) of
GET /health/live (no I/O), of two floors (/bench/one-read: one store GET and nothing else;
/bench/snapshot/{id}: every store read of a recommendation, no ranking; see bench_app.py) and of
GET /v1/users/{id}/recommendations, each as a ratio to /health/live; then latency percentiles of the
recommendations endpoint at a fixed open-loop rate (latency counted from the scheduled send time,
so a stalled server is not hidden by the client waiting). The load generator is a minimal asyncio
HTTP/1.1 client (much lighter than httpx), running on the same machine as the server.

    .venv/bin/python benchmarks/serving_benchmark.py --items 100000 --seconds 5 --rate 500 \
        --servers granian,uvicorn --workers 1,2 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bundle_factory import make_bundle  # noqa: E402
from omnirec.publishing import publish_bundle  # noqa: E402
from omnirec.scoring.search import DEFAULT_ANN_THRESHOLD  # noqa: E402
from omnirec.store.factory import open_store  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


async def publish(url: str, n_items: int, n_users: int, clusters: int = 0) -> None:
    store = open_store(url, timeout_ms=30_000)
    bundle = make_bundle(
        n_items=n_items, n_users=n_users, dim=64, seed=1, similar=20, cooc=20, history_per_user=20, clusters=clusters
    )
    await publish_bundle(bundle, store, activate=True, batch_size=5000)
    await store.close()


class Connection:
    """One keep-alive HTTP/1.1 connection sending GETs one at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def get(self, path: str) -> int:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def user_paths(n_users: int) -> list[str]:
    rng = random.Random(3)
    channels = ["web", "app", "store", "email"]
    return [
        f"/v1/users/u{rng.randrange(n_users * 2)}/recommendations?k=10&channel={rng.choice(channels)}"
        for _ in range(5000)
    ]


async def closed_loop(port: int, paths: list[str], seconds: float, connections: int) -> tuple[float, int]:
    """Requests per second with `connections` clients each sending back to back; returns (rps, errors)."""
    conns = [await Connection.open(port) for _ in range(connections)]
    done = errors = 0
    stop = time.perf_counter() + seconds

    async def client(conn: Connection, offset: int) -> None:
        nonlocal done, errors
        i = offset
        while time.perf_counter() < stop:
            status = await conn.get(paths[i % len(paths)])
            errors += status != 200
            done += 1
            i += connections

    start = time.perf_counter()
    await asyncio.gather(*(client(c, n) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.writer.close()
    return done / elapsed, errors


async def open_loop(port: int, paths: list[str], seconds: float, rate: float, pool: int = 64) -> dict[str, float]:
    """Latency percentiles (ms) at a fixed arrival rate, measured from each request's scheduled time."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    total = int(seconds * rate)

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        conn = await idle.get()
        status = await conn.get(paths[i % len(paths)])
        latencies.append(time.perf_counter() - scheduled)
        errors += status != 200
        idle.put_nowait(conn)

    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    ms = np.array(latencies) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
        "achieved_rps": total / (time.perf_counter() - start),
        "errors": errors,
    }


def start_server(server: str, port: int, store_url: str, workers: int, ann: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OMNIREC_ANN_THRESHOLD_ITEMS": str(ann),
        "OMNIREC_STORE_URL": store_url,
        "OMNIREC_AUTH_ENABLED": "false",
        "OMNIREC_STORE_TIMEOUT_MS": "1000",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")])),
    }
    code = (
        "import logging; logging.disable(logging.WARNING); "
        "from omnirec.cli.serve_commands import run_server; "
        f"run_server({server!r}, '127.0.0.1', {port}, {workers}, 'bench_app:app_with_floors')"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_search(port: int, want: str, timeout: float = 900.0) -> float:
    """Seconds until GET /v1/models/active reports `want` as its search (the HNSW build is in the background).

    A new connection per poll and 8 answers in a row, so that with several workers each one is ready.
    """
    started, in_a_row = time.perf_counter(), 0
    while time.perf_counter() - started < timeout:
        conn = await Connection.open(port)
        conn.writer.write(b"GET /v1/models/active HTTP/1.1\r\nHost: bench\r\n\r\n")
        head = await conn.reader.readuntil(b"\r\n\r\n")
        length = next(int(line[15:]) for line in head.split(b"\r\n") if line[:15].lower() == b"content-length:")
        body = await conn.reader.readexactly(length)
        conn.writer.close()
        in_a_row = in_a_row + 1 if f'"search":"{want}"'.encode() in body else 0
        if in_a_row >= 8:
            return time.perf_counter() - started
        await asyncio.sleep(0.05 if in_a_row else 0.5)
    raise RuntimeError(f"search {want!r} not ready after {timeout}s")


async def measure(port: int, args: argparse.Namespace) -> dict[str, object]:
    paths = user_paths(args.users)
    ready = await wait_search(port, "hnsw" if args.items >= args.ann_threshold else "exact")
    for _ in range(3):  # warm-up (model load, numpy caches)
        await closed_loop(port, paths, 1.0, args.connections)
    live_rps, _ = await closed_loop(port, ["/health/live"], args.seconds, args.connections)
    # The floors: what one store read, and the reads of a recommendation without ranking, cost on their own.
    read_rps, read_errors = await closed_loop(port, ["/bench/one-read"], args.seconds, args.connections)
    snapshot_paths = [p.replace("/v1/users/", "/bench/snapshot/").split("/recommendations")[0] for p in paths]
    snap_rps, snap_errors = await closed_loop(port, snapshot_paths, args.seconds, args.connections)
    recs_rps, recs_errors = await closed_loop(port, paths, args.seconds, args.connections)
    fixed = await open_loop(port, paths, args.seconds, args.rate)
    # The reference for the latencies: the same client at the same rate against a route with no work.
    floor = await open_loop(port, ["/health/live"], args.seconds, args.rate)
    return {
        "search_ready_s": ready,
        "live_rps": live_rps,
        "one_read_rps": read_rps,
        "snapshot_rps": snap_rps,
        "recs_rps": recs_rps,
        "errors": read_errors + snap_errors + recs_errors,
        "one_read/live": read_rps / live_rps,
        "snapshot/live": snap_rps / live_rps,
        "recs/live": recs_rps / live_rps,
        **{f"latency_{k}": v for k, v in fixed.items()},
        **{f"live_latency_{k}": floor[k] for k in ("p50", "p90", "p99")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--clusters", type=int, default=200, help="vectors around this many centres (0: iid Gaussian, ANN's worst case)"
    )
    parser.add_argument("--workers", default="1", help="comma-separated worker counts, e.g. 1,2")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server and worker count")
    parser.add_argument("--servers", default="granian,uvicorn")
    parser.add_argument(
        "--ann-threshold", type=int, default=DEFAULT_ANN_THRESHOLD, help="items from which HNSW is used (the default's)"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="omnirec-bench-"))
    redis_port = free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(redis_port)
        store_url = f"redis://127.0.0.1:{redis_port}/0"
        started = time.perf_counter()
        asyncio.run(publish(store_url, args.items, args.users, args.clusters))
        vectors = f"{args.clusters} clusters" if args.clusters else "iid Gaussian"
        print(
            f"published {args.items} items x 64 dims ({vectors}), {args.users} users "
            f"in {time.perf_counter() - started:.1f}s"
        )
        blas = {k: os.environ.get(k, "-") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        print(f"environment: {blas}")
        configs = [(s, int(w)) for w in args.workers.split(",") for s in args.servers.split(",")]
        for server, workers in [c for _ in range(args.repeat) for c in configs]:
            port = free_port()
            proc = start_server(server, port, store_url, workers, args.ann_threshold)
            try:
                wait_port(port)
                result = asyncio.run(measure(port, args))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            print(
                f"{server} workers={workers} ann_threshold={args.ann_threshold}: "
                + ", ".join(f"{k}={_fmt(v)}" for k, v in result.items())
            )
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _fmt(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
