"""Input validation cost on the /v1/events path: decoding and validating a batch before anything is stored.

Times, per body, the work the route does before the store sees the events (JsonRequest's decoding, then
parse_events: strict conversion of every event with its range and vocabulary checks) against the same body
read the way main did (decode, then msgspec.convert into an EventIn-shaped struct without constraints), and
how long refusing hostile bodies takes (nesting bombs, a huge body of numbers). Single process, no server.

    .venv/bin/python benchmarks/input_validation_benchmark.py --events 1000 --repeat 200
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec

from omnirec.api.json_body import decode_json_body
from omnirec.api.routes.events import parse_events


class LooseEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """main's EventIn before this change: the same fields, no ranges, no vocabulary checks."""

    user_id: str
    event_type: str
    item_id: str = ""
    timestamp: str | int | float | None = None
    channel: str = "web"
    quantity: float = 1.0
    price: float | None = None
    session_id: str = ""
    store_id: str = ""
    event_id: str | None = None
    offer_id: str = ""


def batch(n: int) -> bytes:
    events = [
        {
            "user_id": f"c{i % 300}",
            "item_id": f"i{i % 5000}",
            "event_type": ("view", "add_to_cart", "purchase")[i % 3],
            "timestamp": 1_700_000_000 + i,
            "channel": ("web", "app", "store")[i % 3],
            "quantity": 1 + i % 3,
            "price": 9.99,
            "event_id": f"e{i}",
        }
        for i in range(n)
    ]
    return msgspec.json.encode({"events": events})


def loose(body: bytes) -> list[LooseEvent]:
    return [msgspec.convert(raw, LooseEvent) for raw in msgspec.json.decode(body)["events"]]


def strict(body: bytes) -> list[Any]:
    return parse_events(decode_json_body(body), max_events=1_000_000, now=2_000_000_000)


def refused(body: bytes) -> None:
    try:
        strict(body)
    except Exception:
        return
    raise AssertionError("expected a refusal")


def timed(fn: Callable[[bytes], object], body: bytes, repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    fn(body)  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(body)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    body = batch(args.events)
    print(f"batch of {args.events} events, {len(body) / 1024:.0f} KiB")
    for name, fn in (("main: decode + convert (no checks)", loose), ("now: decode + parse_events", strict)):
        median, p95 = timed(fn, body, args.repeat)
        print(f"{name}: median {median:.2f} ms, p95 {p95:.2f} ms, {median * 1000 / args.events:.2f} us/event")
    hostile = {
        "3,000 nested [": b"[" * 3000 + b"]" * 3000,
        "1 MiB of nested [": b"[" * 1_048_576,
        "1 MiB of {'a': nesting": b'{"a":' * 209_715,
        "1000 events (the default max_batch_events), every timestamp 10**30": msgspec.json.encode(
            {"events": [{"user_id": "c", "item_id": "i", "event_type": "view", "timestamp": 10**30}] * 1000}
        ),
    }
    for name, hostile_body in hostile.items():
        median, p95 = timed(refused, hostile_body, max(args.repeat // 10, 5))
        print(f"refuse {name}: median {median:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
