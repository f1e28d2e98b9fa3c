"""How long erasure's event-log rebuild blocks Redis: COMPACT_LOG (omnirec.store.scripts) on a log of N events.

    python benchmarks/erasure_compaction.py --events 100000 500000

Fills a throwaway loopback redis-server's log with N encoded events (as the service writes them), XDELs
one customer's 10 entries spread over the log, then times the script that rebuilds the stream without
them (the server runs nothing else meanwhile: that time is how long it blocks other clients).
"""

from __future__ import annotations

import argparse
import time

import redis

from omnirec.store import codec, scripts
from omnirec.store.keys import Keys
from omnirec.store.records import CustomerEvent
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
    print("| events in the log | rebuild (script) ms | used_memory MiB |")
    print("|---|---|---|")
    for n in args.events:
        with redis_server() as url:
            client = redis.Redis.from_url(url, socket_timeout=120)
            positions = fill(client, keys.event_log(), n)
            client.xdel(keys.event_log(), *positions[:: max(1, n // 10)][:10])
            compact = client.register_script(scripts.COMPACT_LOG)
            start = time.perf_counter()
            kept = compact(keys=[keys.event_log(), keys.log_rewrite()], args=[])
            took_ms = (time.perf_counter() - start) * 1000
            memory = int(client.info("memory")["used_memory"]) / 2**20
            assert int(kept) == n - 10, kept
            print(f"| {n:,} | {took_ms:,.0f} | {memory:,.0f} |")


if __name__ == "__main__":
    main()
