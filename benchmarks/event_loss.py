"""Event loss on a kill -9 of redis-server under load: events acknowledged by the API vs events exported.

For each AOF fsync policy (everysec, always; `off` = appendonly no, the baseline): a redis-server on loopback, the app
under uvicorn, `--workers` concurrent clients posting batches of events with unique event ids for
`--seconds`; then SIGKILL to redis-server while the load runs, the load stops, redis-server restarts on
the same port and folder (replaying its AOF), and `export events` writes what the store kept. An event
is acknowledged when its batch answered 202 with every event accepted.

    python benchmarks/event_loss.py --seconds 25 --workers 16

Reports per policy: batches and events acknowledged, acknowledged events missing from the export (lost),
exported events never acknowledged (in flight at the kill: stored, the client saw an error and would
retry; the retry is deduplicated), and the acknowledged event rate. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import redis

from omnirec.batch.events import export_events
from omnirec.store.factory import open_store
from reliability_harness import HOST, app_server, free_port, publish_versions


@dataclass
class LossReport:
    fsync: str
    seconds: float
    batches_acked: int
    events_acked: int
    events_exported: int
    lost: int  # acknowledged, not exported
    unacked_but_stored: int  # exported, never acknowledged (in flight at the kill)
    failed_batches: int  # 5xx or transport errors (after the kill)
    acked_per_s: float


class AofRedis:
    """redis-server with AOF (fsync 'off': no AOF), restartable on the same port and folder; kill() is a SIGKILL."""

    def __init__(self, fsync: str, workdir: Path) -> None:
        self.port, self.workdir, self.fsync = free_port(), workdir, fsync
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server not found: apt-get install -y redis-server")
        args = [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--dir", str(self.workdir)]
        aof = ["--appendonly", "no"] if self.fsync == "off" else ["--appendonly", "yes", "--appendfsync", self.fsync]
        args += aof
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host=HOST, port=self.port, socket_timeout=2)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if client.ping() and client.info("persistence").get("loading") == 0:
                    return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"redis-server on {self.port} did not come up")

    def kill(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextmanager
def aof_redis(fsync: str) -> Iterator[AofRedis]:
    workdir = Path(tempfile.mkdtemp(prefix=f"omnirec-loss-{fsync}-"))
    server = AofRedis(fsync, workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def load(base: str, seconds: float, workers: int, kill_at: float, kill: object) -> tuple[set[str], int, int]:
    """Post batches until `seconds`; call kill() at `kill_at`. Returns (acked event ids, acked batches, failed)."""
    acked: set[str] = set()
    counts = {"batches": 0, "failed": 0}
    start = time.monotonic()
    seq = iter(range(10**9))

    async def client(worker: int) -> None:
        rng = random.Random(worker)
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            while time.monotonic() - start < seconds:
                n = next(seq)
                user = f"c{rng.randrange(2000)}"
                batch = [
                    {"user_id": user, "item_id": f"a-i{rng.randrange(400)}", "event_type": "view",
                     "channel": "web", "event_id": f"loss-{n}-{k}"}
                    for k in range(5)
                ]  # fmt: skip
                try:
                    response = await http.post("/v1/events", json={"events": batch})
                except httpx.HTTPError:
                    counts["failed"] += 1
                    continue
                if response.status_code == 202 and response.json().get("accepted") == len(batch):
                    acked.update(e["event_id"] for e in batch)
                    counts["batches"] += 1
                else:
                    counts["failed"] += 1
                    await asyncio.sleep(0.01)  # a refused write: the client backs off a moment

    async def killer() -> None:
        await asyncio.sleep(kill_at)
        kill()  # type: ignore[operator]

    await asyncio.gather(killer(), *(client(w) for w in range(workers)))
    return acked, counts["batches"], counts["failed"]


def exported_ids(folder: Path) -> set[str]:
    if not (folder / "events.csv").exists():  # nothing left to export
        return set()
    with (folder / "events.csv").open(newline="") as handle:
        return {row["event_id"] for row in csv.DictReader(handle)}


async def measure(fsync: str, seconds: float, workers: int) -> LossReport:
    with aof_redis(fsync) as server:
        store = await publish_versions(server.url)
        await store.close()
        with app_server(server.url) as (base, _):
            acked, batches, failed = await load(base, seconds + 1.0, workers, seconds, server.kill)
        server.start()  # same port and folder: replays the AOF
        out = Path(tempfile.mkdtemp(prefix="omnirec-loss-export-"))
        try:
            store = open_store(server.url, prefix="bench", timeout_ms=30_000)
            try:
                await export_events(store, out)
            finally:
                await store.close()
            exported = exported_ids(out)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return LossReport(
        fsync=fsync,
        seconds=seconds,
        batches_acked=batches,
        events_acked=len(acked),
        events_exported=len(exported),
        lost=len(acked - exported),
        unacked_but_stored=len(exported - acked),
        failed_batches=failed,
        acked_per_s=round(len(acked) / seconds, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0, help="load before the kill, per policy")
    parser.add_argument("--workers", type=int, default=16, help="concurrent clients")
    parser.add_argument("--fsync", nargs="+", default=["everysec", "always"], help="everysec, always, off")
    parser.add_argument("--json", type=Path, help="also write the reports here")
    args = parser.parse_args()
    reports = [asyncio.run(measure(fsync, args.seconds, args.workers)) for fsync in args.fsync]
    header = ("appendfsync", "load s", "events acked", "exported", "acked but lost", "stored, not acked")
    print("| " + " | ".join((*header, "failed batches", "acked/s")) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for r in reports:
        print(f"| {r.fsync} | {r.seconds:.0f} | {r.events_acked:,} | {r.events_exported:,} | {r.lost:,} | "
              f"{r.unacked_but_stored:,} | {r.failed_batches:,} | {r.acked_per_s:,.0f} |")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2))


if __name__ == "__main__":
    main()
