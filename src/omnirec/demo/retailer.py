"""The synthetic sample retailer (pets, DIY, home; six channels) written as a data folder.

Extension point: other sample files (e.g. the offer catalogue ``offers.toml``) are written by
functions passed as ``extra_writers``; each gets a ``SampleContext`` (folder, seed, catalogue,
customers) and returns the path it wrote, which is listed in ``SampleSummary.extra_files``.
"""

from __future__ import annotations

import csv
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from omnirec.demo.behaviour import SampleEvent, ShoppingSimulator
from omnirec.demo.catalog import CATEGORIES, SampleItem, build_catalog
from omnirec.demo.customers import SampleUser, build_customers

SAMPLE_START = datetime(2024, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SampleContext:
    """What an extra sample writer may build on: the same catalogue and customers as the events."""

    out: Path
    seed: int
    items: tuple[SampleItem, ...]
    users: tuple[SampleUser, ...]


SampleWriter = Callable[[SampleContext], Path]


@dataclass(frozen=True)
class SampleSummary:
    """What write_sample_data wrote."""

    folder: Path
    events_path: Path
    items_path: Path
    users_path: Path
    n_events: int
    n_users: int
    n_items: int
    event_counts: dict[str, int]  # per event type
    channel_counts: dict[str, int]  # per channel
    example_user: str  # a customer with history in the most channels (the demo's curl examples)
    example_channels: tuple[str, ...]
    extra_files: tuple[Path, ...] = ()


def write_sample_data(
    out: Path,
    *,
    n_users: int = 2000,
    n_items: int = 500,
    days: int = 120,
    seed: int = 7,
    extra_writers: Sequence[SampleWriter] = (),
) -> SampleSummary:
    """Write events.csv, items.csv and users.csv of a synthetic omnichannel retailer into out.

    Deterministic for a seed. The default size (~2,000 customers, 500 products, 120 days) trains in
    seconds; customer segments drive category tastes, so personalisation clearly beats popularity.
    """
    if n_users < 1 or days < 1:
        raise ValueError("n_users and days must be at least 1")
    if n_items < len(CATEGORIES):
        raise ValueError(f"n_items must be at least {len(CATEGORIES)} (one per category)")
    rng = np.random.default_rng(seed)
    items = build_catalog(rng, n_items)
    users = build_customers(rng, n_users)
    start = int(SAMPLE_START.timestamp())
    events = ShoppingSimulator(rng, items, start, days).simulate(users)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    events_path, items_path, users_path = out / "events.csv", out / "items.csv", out / "users.csv"
    _write_events(events_path, events)
    _write_items(items_path, items)
    _write_users(users_path, users)
    context = SampleContext(out=out, seed=seed, items=tuple(items), users=tuple(users))
    extra = tuple(writer(context) for writer in extra_writers)
    example, channels = pick_example_user(events)
    return SampleSummary(
        folder=out,
        events_path=events_path,
        items_path=items_path,
        users_path=users_path,
        n_events=len(events),
        n_users=len(users),
        n_items=len(items),
        event_counts=_count(event.event_type for event in events),
        channel_counts=_count(event.channel for event in events),
        example_user=example,
        example_channels=channels,
        extra_files=extra,
    )


def pick_example_user(events: Sequence[SampleEvent]) -> tuple[str, tuple[str, ...]]:
    """The customer with events in the most channels; ties go to more purchases, then the smaller id."""
    channels: dict[str, set[str]] = defaultdict(set)
    purchases: dict[str, int] = defaultdict(int)
    for event in events:
        channels[event.user_id].add(event.channel)
        purchases[event.user_id] += event.event_type == "purchase"
    best = min(channels, key=lambda user: (-len(channels[user]), -purchases[user], user))
    return best, tuple(sorted(channels[best]))


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return dict(sorted(counts.items()))


def _write_events(path: Path, events: Sequence[SampleEvent]) -> None:
    iso: dict[int, str] = {}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["event_id", "user_id", "item_id", "event_type", "channel", "timestamp", "quantity", "price",
             "session_id", "store_id"]
        )  # fmt: skip
        for number, event in enumerate(events, start=1):
            stamp = iso.get(event.timestamp)
            if stamp is None:
                stamp = iso[event.timestamp] = datetime.fromtimestamp(event.timestamp, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
            writer.writerow(
                [f"E{number:08d}", event.user_id, event.item_id, event.event_type, event.channel, stamp,
                 event.quantity, event.price, event.session_id, event.store_id]
            )  # fmt: skip


def _write_items(path: Path, items: Sequence[SampleItem]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["item_id", "title", "category", "department", "brand", "lifecycle", "price"])
        for item in items:
            spec = item.category
            writer.writerow(
                [item.item_id, item.title, spec.path, spec.department, item.brand, spec.kind, f"{item.price:.2f}"]
            )


def _write_users(path: Path, users: Sequence[SampleUser]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["user_id", "segment", "region", "loyalty_tier", "home_store", "consent_email", "consent_personalization"]
        )
        for user in users:
            email, personalization = sample_consent(user.user_id)
            writer.writerow(
                [user.user_id, user.segment, user.region, user.loyalty_tier, user.home_store, email, personalization]
            )


def sample_consent(user_id: str) -> tuple[str, str]:
    """Consent flags from a hash of the id (so adding them changed no random draw): most customers agree
    to email (85 %) and to personalisation (95 %)."""
    bucket = zlib.crc32(user_id.encode()) % 100
    return ("true" if bucket < 85 else "false", "true" if bucket % 20 != 7 else "false")
