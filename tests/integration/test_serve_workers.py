"""`omnirec serve --workers 2` as real processes over a real redis-server: /metrics sums every worker
(counters equal what was sent and never go backwards between scrapes, process metrics of each worker),
and the rate limit is one budget per API key across both workers. The workers get their settings from
serve (a --store option over a dead OMNIREC_STORE_URL, the Redis password of a server that requires one).

Requests use a new connection each (Connection: close) and are sent concurrently, so the kernel hands
them to both workers; each test checks from the per-worker metric files that both workers answered,
otherwise it would not show anything about two workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from bundle_factory import make_bundle
from deploy_files import dockerfile_stages
from omnirec.publishing import publish_bundle
from omnirec.store.factory import open_store
from redis_servers import RedisServer, free_port
from waiting import interrupt, wait_until

LIMIT = 5
ROUNDS = 12  # fresh-key rounds of the rate-limit test: on a busy machine one worker may take a whole round
KEYS = {name: f"test-key-{name}" for name in ("metrics", *(f"limit{r}" for r in range(ROUNDS)))}
RECS = "/v1/users/{user_id}/recommendations"
SIMILAR = "/v1/items/{item_id}/similar"
CLOSE = {"Connection": "close"}
PASSWORD = "workers-Passw0rd"


@dataclass
class Server:
    base: str
    tmp: Path  # the server's TMPDIR: its Prometheus multiprocess directory is created in it
    log: Path

    def metrics_dir(self) -> Path:
        (found,) = self.tmp.glob("omnirec-metrics-*")
        return found


async def _publish(url: str) -> None:
    store = open_store(url, prefix="wk", timeout_ms=5000)
    try:
        await publish_bundle(make_bundle(n_items=20, n_users=5), store, activate=True)
    finally:
        await store.close()


def _wait(condition: Callable[[], bool], what: str, log: Path, timeout: float = 90.0) -> None:
    def holds() -> bool:
        try:
            return condition()
        except httpx.HTTPError:  # not listening yet
            return False

    wait_until(holds, lambda: f"{what}; server log:\n{log.read_text()[-3000:]}", timeout=timeout, interval=0.1)


def _ready(base: str, times: int = 10) -> bool:
    """Ready on `times` new connections in a row (either worker may take each)."""
    return all(httpx.get(f"{base}/health/ready", headers=CLOSE, timeout=5).status_code == 200 for _ in range(times))


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """granian with --workers 2; uvicorn with OMNIREC_WORKERS=2."""
    redis = RedisServer(tmp_path_factory.mktemp("redis-workers"))
    redis.start()
    tmp = tmp_path_factory.mktemp("serve-tmp")
    log = tmp.parent / "serve.log"
    port = free_port()
    asyncio.run(_publish(redis.url))
    redis.client().config_set("requirepass", PASSWORD)  # from here on, a worker without it is never ready
    keys = [
        {"name": name, "sha256": hashlib.sha256(key.encode()).hexdigest(), "scopes": ["recommend"]}
        for name, key in KEYS.items()
    ]
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "OMNIREC_STORE_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing there: --store wins
        "OMNIREC_REDIS_PASSWORD": PASSWORD,
        "OMNIREC_KEY_PREFIX": "wk",
        "OMNIREC_PORT": str(port),
        "OMNIREC_API_KEYS": json.dumps(keys),
        "OMNIREC_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "OMNIREC_STORE_TIMEOUT_MS": "2000",  # a count slower than 50 ms on a busy box would fail open (a 6th 200)
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [
        sys.executable,
        "-c",
        "from omnirec.cli.main import run; run()",
        "serve",
        "--server",
        request.param,
        "--store",
        redis.url,
    ]
    if request.param == "granian":
        cmd += ["--workers", "2"]
    else:
        env["OMNIREC_WORKERS"] = "2"  # as compose.yaml configures it: by environment only
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _ready(base), "not ready", log)
        yield Server(base, tmp, log)
    finally:
        interrupt(proc)
        redis.stop()
    assert not list(tmp.glob("omnirec-metrics-*")), "serve left its metrics directory behind"
    assert not list(tmp.glob("omnirec-serve-*")), "serve left its settings file behind"
    assert PASSWORD not in log.read_text(errors="replace")


def scrape(server: Server) -> dict[str, float]:
    """Requests counted per (route, status) in one scrape."""
    text = httpx.get(f"{server.base}/metrics", headers=CLOSE, timeout=10).text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "omnirec_http_requests_total":
                key = f"{s.labels['route']} {s.labels['status']}"
                counts[key] = counts.get(key, 0.0) + s.value
    return counts


def routed(counts: dict[str, float], route: str) -> dict[str, float]:
    return {k.split(" ")[1]: v for k, v in counts.items() if k.split(" ")[0] == route}


def per_worker(server: Server, route: str, tmp: Path) -> dict[int, float]:
    """Requests of `route` each worker counted, read from its own file in the multiprocess directory."""
    out: dict[int, float] = {}
    for path in server.metrics_dir().glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        alone = tmp / f"w{pid}"
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        out[pid] = sum(
            s.value
            for family in registry.collect()
            for s in family.samples
            if s.name == "omnirec_http_requests_total" and s.labels.get("route") == route
        )
    return out


def store_errors(server: Server) -> list[str]:
    """The store errors the workers counted (a count that failed lets its request through: fail open)."""
    text = httpx.get(f"{server.base}/metrics", headers=CLOSE, timeout=10).text
    return [line for line in text.splitlines() if line.startswith("omnirec_store_errors_total")]


async def send(server: Server, paths: list[str], key: str) -> list[int]:
    """Concurrent GETs, one connection each."""
    headers = {"X-API-Key": KEYS[key], **CLOSE}
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        answers = await asyncio.gather(*(client.get(p, headers=headers) for p in paths))
    return [a.status_code for a in answers]


def test_metrics_count_every_request_of_every_worker_and_never_go_backwards(server: Server, tmp_path: Path) -> None:
    sent: dict[str, float] = {}
    previous: dict[str, float] = {}
    workers: dict[int, float] = {}
    for batch in range(6 * ROUNDS):  # 6 batches at least; more while one worker has answered everything
        statuses = asyncio.run(
            send(server, [f"/v1/users/u{(batch + i) % 5}/recommendations" for i in range(5)], "metrics")
        )
        for status in statuses:
            sent[str(status)] = sent.get(str(status), 0.0) + 1
        for _ in range(4):  # several scrapes, answered by either worker
            now = routed(scrape(server), RECS)
            assert now == sent, f"after batch {batch}: /metrics says {now}, the client got {sent}"
            assert all(v >= previous.get(k, 0.0) for k, v in now.items()), (previous, now)
            previous = now
        workers = per_worker(server, RECS, tmp_path / f"batch{batch}")
        if batch >= 5 and len(workers) == 2 and min(workers.values()) > 0:
            break
    assert sent.get("200") == LIMIT and sum(sent.values()) == 5 * (batch + 1)  # the rest refused by the limit
    assert len(workers) == 2 and min(workers.values()) > 0, f"one worker answered everything: {workers}"


def test_process_metrics_describe_each_worker(server: Server) -> None:
    text = httpx.get(f"{server.base}/metrics", headers=CLOSE, timeout=10).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert sum(s.value for s in families["omnirec_workers"].samples) == 2
    rss = families["process_resident_memory_bytes"].samples
    assert len({s.labels["pid"] for s in rss}) == 2 and all(s.value > 0 for s in rss)
    assert len(families["process_cpu_seconds"].samples) == 2


def test_the_rate_limit_is_one_budget_across_both_workers(server: Server, tmp_path: Path) -> None:
    """12 requests with one key, limit 5 per minute: exactly 5 answered, whichever worker took them."""
    for round_ in range(ROUNDS):  # a fresh key per round, until the requests reached both workers
        before = per_worker(server, SIMILAR, tmp_path / f"before{round_}")
        statuses = asyncio.run(send(server, [f"/v1/items/i{i}/similar" for i in range(12)], f"limit{round_}"))
        assert sorted(statuses) == [200] * LIMIT + [429] * (12 - LIMIT), (statuses, store_errors(server))
        after = per_worker(server, SIMILAR, tmp_path / f"after{round_}")
        if len([pid for pid in after if after[pid] > before.get(pid, 0.0)]) == 2:
            return
    pytest.fail(f"in {ROUNDS} rounds of 12 concurrent requests one worker answered all of them")


def test_the_service_image_healthcheck_passes_against_the_server_and_fails_without_one(server: Server) -> None:
    (healthcheck,) = [args for keyword, args in dockerfile_stages()["service"] if keyword == "HEALTHCHECK"]
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[0] == "python"
    command[0] = sys.executable
    port = server.base.rsplit(":", 1)[1]
    assert subprocess.run(command, env={**os.environ, "OMNIREC_PORT": port}, timeout=30).returncode == 0
    down = {**os.environ, "OMNIREC_PORT": str(free_port())}
    assert subprocess.run(command, env=down, capture_output=True, timeout=30).returncode != 0
