"""How long erasure's event-log rebuild blocks Redis: REBUILD_LOG_STEP (omnirec.store.scripts) on a log of N events.

    python benchmarks/erasure_compaction.py --events 100000 500000

Fills a throwaway loopback redis-server's log with N encoded events (as the service writes them), XDELs
one customer's 10 entries spread over the log, then rebuilds the stream without them in steps of
LOG_REBUILD_STEP entries, as erasure does: the longest step is how long other clients wait at most,
the total how long the erasure takes.
"""

from __future__ import annotations

import argparse
import time

import redis

from omnirec.store import codec, scripts
from omnirec.store.keys import Keys
from omnirec.store.records import CustomerEvent
from omnirec.store.redis_erasure import LOG_REBUILD_STEP
from reliability_harness import redis_server


def fill(client: redis.Redis, key: str, n: int) -> list[bytes]:
    positions: list[bytes] = []
    for start in range(0, n, 10_000):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(n, start + 10_000)):
            event = CustomerEvent(user_id=f"c{i % 50_000}", item_id=f"P{i % 5000:05d}", event_type="view",
                                  timestamp=1_760_000_000 + i, channel="web", event_id=f"e-{i}")  # fmt: skip
            pipe.xadd(key, {"e": codec.encode(event)})
        positions += pipe.execute()
    return positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 500_000])
    args = parser.parse_args()
    keys = Keys("bench")
    print("| events in the log | steps | longest step ms | all steps ms | used_memory MiB |")
    print("|---|---|---|---|---|")
    for n in args.events:
        with redis_server() as url:
            client = redis.Redis.from_url(url, socket_timeout=120)
            positions = fill(client, keys.event_log(), n)
            client.xdel(keys.event_log(), *positions[:: max(1, n // 10)][:10])
            step = client.register_script(scripts.REBUILD_LOG_STEP)
            after, steps, longest, start = "", 0, 0.0, time.perf_counter()
            while True:
                began = time.perf_counter()
                done, value = step(keys=[keys.event_log(), keys.beside_log("rewrite")], args=[after, LOG_REBUILD_STEP])
                longest, steps = max(longest, time.perf_counter() - began), steps + 1
                if int(done):
                    break
                after = value.decode()
            total_ms = (time.perf_counter() - start) * 1000
            memory = int(client.info("memory")["used_memory"]) / 2**20
            assert int(value) == n - 10, value
            print(f"| {n:,} | {steps:,} | {longest * 1000:,.1f} | {total_ms:,.0f} | {memory:,.0f} |")


if __name__ == "__main__":
    main()
