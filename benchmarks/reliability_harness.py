"""Shared pieces of the reliability benchmarks: a loopback redis-server, two distinguishable model versions,
the app under uvicorn, the traffic mix and the per-response checks.

Only 127.0.0.1 is used; every process started here is stopped by the context managers that started it.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # bundle_factory: synthetic, valid bundles

from bundle_factory import make_bundle  # noqa: E402
from omnirec.bundle.format import MANIFEST_ARRAY, ModelBundle, manifest_to_array  # noqa: E402
from omnirec.publishing import publish_bundle  # noqa: E402
from omnirec.store.factory import open_store  # noqa: E402
from omnirec.store.protocol import FeatureStore  # noqa: E402

HOST = "127.0.0.1"
VERSIONS = {"a": "20260101T000000Z-aaaaaaaa", "b": "20260102T000000Z-bbbbbbbb"}
N_ITEMS, N_USERS = 400, 200
CHANNELS = ("web", "app", "store")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def tagged_bundle(tag: str, seed: int) -> ModelBundle:
    """A bundle whose item ids all start with `tag-`, so a response's items name the version they came from."""
    bundle = make_bundle(n_items=N_ITEMS, n_users=N_USERS, dim=16, seed=seed, version=VERSIONS[tag])
    bundle.arrays["item_ids"] = np.array([f"{tag}-{item}" for item in bundle.arrays["item_ids"].tolist()])
    bundle.arrays[MANIFEST_ARRAY] = manifest_to_array(bundle.manifest)  # the service loads it from the store
    return bundle


def items_by_version() -> dict[str, frozenset[str]]:
    return {VERSIONS[tag]: frozenset(f"{tag}-i{j}" for j in range(N_ITEMS)) for tag in VERSIONS}


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on loopback; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install -y redis-server")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="omnirec-bench-redis-")
    args = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", workdir]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, proc)
        yield f"redis://{HOST}:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


async def publish_versions(url: str) -> FeatureStore:
    """Publish version a (active) and b (ready, not active); returns a store client for activations."""
    store = open_store(url, prefix="bench", timeout_ms=5000)
    await publish_bundle(tagged_bundle("a", seed=1), store, activate=True)
    await publish_bundle(tagged_bundle("b", seed=2), store, activate=False)
    return store


@contextmanager
def app_server(store_url: str, server: str = "uvicorn") -> Iterator[tuple[str, int]]:
    """The app in its own process on loopback (auth off); yields (base URL, pid)."""
    port = free_port()
    env = {
        **os.environ,
        "OMNIREC_STORE_URL": store_url,
        "OMNIREC_KEY_PREFIX": "bench",
        "OMNIREC_AUTH_ENABLED": "false",
        "PYTHONPATH": str(ROOT / "benchmarks"),
    }
    if server == "granian":
        args = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", HOST]
        args += ["--port", str(port), "--log-level", "warning", "bench_app:app"]
    else:
        args = [sys.executable, "-m", "uvicorn", "--factory", "bench_app:app", "--host", HOST, "--port", str(port)]
        args += ["--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(args, env=env, cwd=ROOT / "benchmarks")
    try:
        _wait_for_port(port, proc, path="/health/ready")
        yield f"http://{HOST}:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], path: str | None = None, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process {proc.args!r} exited with {proc.returncode}")
        try:
            if path is None:
                socket.create_connection((HOST, port), timeout=0.5).close()
                return
            if httpx.get(f"http://{HOST}:{port}{path}", timeout=1).status_code == 200:
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on {HOST}:{port} within {limit_s} s")


# -- traffic --------------------------------------------------------------------------------------
@dataclass
class Tally:
    """Outcome counts and latencies (ms) of a stretch of traffic."""

    ok: int = 0
    status_5xx: int = 0
    status_4xx_expected: int = 0  # 404 for an item of the version not active at that moment
    status_other: int = 0
    transport_errors: int = 0
    wrong_version: int = 0  # model_version not one of the published versions
    mixed_items: int = 0  # an item that does not belong to the response's model_version
    degraded: int = 0  # lists answered from memory because a store call exceeded its bound
    by_version: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # the first unexpected answers, for the report

    def note(self, what: str) -> None:
        if len(self.samples) < 5:
            self.samples.append(what[:300])


def next_request(rng: random.Random, seq: int) -> tuple[str, str, str, Any]:
    """(kind, method, path, json) by the mix: 55% user recs, 15% similar, 10% basket, 20% events."""
    tag = rng.choice(tuple(VERSIONS))
    item = f"{tag}-i{rng.randrange(N_ITEMS)}"
    user = f"u{rng.randrange(N_USERS)}" if rng.random() < 0.8 else f"new-{rng.randrange(10_000)}"
    draw = rng.random()
    if draw < 0.55:
        return "user", "GET", f"/v1/users/{user}/recommendations?k=10&channel={rng.choice(CHANNELS)}", None
    if draw < 0.70:
        return "similar", "GET", f"/v1/items/{item}/similar?k=10", None
    if draw < 0.80:
        basket = [f"{tag}-i{rng.randrange(N_ITEMS)}" for _ in range(rng.randint(1, 3))]
        return "basket", "POST", "/v1/recommendations/basket", {"items": basket, "k": 5, "user_id": user}
    events = [
        {
            "user_id": user,
            "item_id": f"{tag}-i{rng.randrange(N_ITEMS)}",
            "event_type": rng.choice(("view", "view", "add_to_cart", "purchase")),
            "channel": rng.choice(CHANNELS),
            "event_id": f"bench-{seq}-{n}",
        }
        for n in range(rng.randint(1, 5))
    ]
    return "events", "POST", "/v1/events", {"events": events}


def check(kind: str, response: httpx.Response, items: dict[str, frozenset[str]], tally: Tally) -> None:
    status = response.status_code
    if status >= 500:
        tally.status_5xx += 1
        tally.note(f"{status} {kind} {response.request.url.path}: {response.text}")
        return
    if status == 404 and kind in ("similar", "basket"):
        tally.status_4xx_expected += 1
        return
    if status >= 300:
        tally.status_other += 1
        tally.note(f"{status} {kind} {response.request.url.path}: {response.text}")
        return
    tally.ok += 1
    if kind == "events":
        return
    body = response.json()
    version = body.get("model_version")
    if version not in items:
        tally.wrong_version += 1
        return
    tally.by_version[version] = tally.by_version.get(version, 0) + 1
    tally.degraded += bool(body.get("degraded"))
    if any(entry["item_id"] not in items[version] for entry in body["items"]):
        tally.mixed_items += 1


async def send(client: httpx.AsyncClient, rng: random.Random, seq: int, tally: Tally, items: Any) -> None:
    kind, method, path, body = next_request(rng, seq)
    start = time.perf_counter()
    try:
        response = await client.request(method, path, json=body)
    except httpx.HTTPError as exc:
        tally.transport_errors += 1
        tally.note(f"{kind} {path}: {type(exc).__name__} {exc}")
        return
    tally.latencies_ms.append((time.perf_counter() - start) * 1000)
    check(kind, response, items, tally)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3  # type: ignore[return-value]
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10.0)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
