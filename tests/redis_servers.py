"""Real redis-server processes for tests: a standalone server and a 3-master Redis Cluster on loopback.

Fixtures: `redis_server` (session, standalone), `redis_cluster` (session, 3 masters) and
`redis_server_process` (function scope, a server the test may `.stop()` and `.start()` on the same port).
No mocks: a missing redis-server binary fails the run with the command that installs it.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

MISSING = "redis-server not found on PATH: apt-get install -y redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_cluster_port() -> int:
    """A free port p <= 55535 whose cluster bus port p + 10000 is free too."""
    for _ in range(200):
        port = random.randint(20_000, 55_000)
        try:
            for candidate in (port, port + 10_000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(MISSING if name == "redis-server" else f"{name} not found on PATH: apt-get install -y redis-tools")
    return path


class RedisServer:
    """One redis-server process on 127.0.0.1:port, restartable on the same port."""

    def __init__(
        self, workdir: Path, port: int | None = None, cluster: bool = False, extra_args: tuple[str, ...] = ()
    ) -> None:
        self.port = port or (free_cluster_port() if cluster else free_port())
        self.workdir = workdir
        self.cluster = cluster
        self.extra_args = extra_args  # e.g. ("--appendonly", "yes"): later options win over the defaults
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        args = [_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)]
        args += list(self.extra_args)
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{self.port}.conf"]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                pytest.fail(f"redis-server on port {self.port} exited: {err}")
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
        pytest.fail(f"redis-server on port {self.port} did not answer within 10 s")

    def stop(self) -> None:
        """Kill the process (an outage as seen by clients); start() brings it back empty."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._proc = None

    def flush(self) -> None:
        self.client().flushall()


class RedisCluster:
    """Three cluster-enabled masters joined with `redis-cli --cluster create`, no replicas."""

    def __init__(self, workdir: Path) -> None:
        self.nodes = [RedisServer(workdir / f"node{i}", cluster=True) for i in range(3)]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        cmd = [_binary("redis-cli"), "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"]
        done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
        if done.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed: {done.stdout.decode()} {done.stderr.decode()}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            infos = [n.client().cluster("INFO") for n in self.nodes]
            if all(info.get("cluster_state") == "ok" for info in infos):
                return
            time.sleep(0.05)
        pytest.fail("redis cluster did not reach cluster_state:ok within 20 s")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def flush(self) -> None:
        for node in self.nodes:
            node.flush()

    def all_keys(self) -> list[str]:
        return [k.decode() for n in self.nodes for k in n.client().scan_iter(count=1000)]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    cluster = RedisCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def redis_server_process(tmp_path: Path) -> Iterator[RedisServer]:
    """A standalone server owned by one test, which may stop() and start() it (outage tests)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()
